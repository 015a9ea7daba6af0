import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { DecodedPprof, DecodedSample, ValueTypeText } from './pprof-decoder.js';
import type { SampleTypeConfig } from './sample-type-names.js';

// Pyroscope OG's default `cumulative` flags (its DefaultSampleTypeMapping): Go's heap alloc_*
// and mutex/block contentions/delay only ever grow while the process lives.
const DEFAULT_CUMULATIVE = new Set(['alloc_objects', 'alloc_space', 'contentions', 'delay']);

/**
 * Whether a sample type counts up over the life of the process (so one profile must be
 * subtracted from the next). A `sample_type_config` entry for the type decides (`cumulative`
 * missing = false, as in Pyroscope OG, where a sent config replaces the defaults); without one,
 * Pyroscope OG's defaults apply: `alloc_objects`, `alloc_space`, `contentions`, `delay`.
 */
export function isCumulativeSampleType(type: string, config?: Readonly<Record<string, SampleTypeConfig>>): boolean {
  const custom = config?.[type];
  if (custom !== undefined) return custom.cumulative === true;
  return DEFAULT_CUMULATIVE.has(type);
}

/** {@link isCumulativeSampleType} for each sample type of a profile, by index. */
export function cumulativeMask(types: readonly ValueTypeText[], config?: Readonly<Record<string, SampleTypeConfig>>): boolean[] {
  return types.map((t) => isCumulativeSampleType(t.type, config));
}

/**
 * The cumulative values of one profile summed per stack + labels key: what a delta needs of
 * the previous profile. Much smaller than the profile (no location table, one entry per key).
 */
export interface CumulativeBaseline {
  readonly sampleTypes: readonly ValueTypeText[];
  readonly cumulative: readonly boolean[];
  /** Per key, one value per sample type (0 for non-cumulative types). */
  readonly values: ReadonlyMap<string, Float64Array>;
}

/**
 * Sums `profile`'s cumulative values per key. The key is the stack as frame names (locations
 * resolved, so two profiles with different location ids still match) plus the string labels in
 * sorted order. Numeric labels are not part of the key: server-lite does not store them, so
 * they cannot tell stored stacks apart either.
 */
export function cumulativeBaseline(profile: DecodedPprof, cumulative: readonly boolean[]): CumulativeBaseline {
  checkMask(profile, cumulative);
  const keyOf = sampleKeyer(profile);
  const values = new Map<string, Float64Array>();
  for (const s of profile.samples) {
    const key = keyOf(s);
    let acc = values.get(key);
    if (acc === undefined) {
      acc = new Float64Array(cumulative.length);
      values.set(key, acc);
    }
    for (let t = 0; t < cumulative.length; t++) if (cumulative[t]) acc[t] = acc[t]! + s.values[t]!;
  }
  return { sampleTypes: profile.sampleTypes, cumulative, values };
}

/**
 * `current` − `baseline` for the cumulative sample types, per stack + labels key (see
 * {@link cumulativeBaseline}); non-cumulative values pass through unchanged. This is what
 * `go tool pprof -base prev cur` computes (the base scaled by −1 and merged), with one rule on
 * top: a key whose difference is negative (a counter reset: the process restarted, or the
 * runtime reused a bucket) gives 0, because Pyroscope stores no negative values. Pyroscope OG
 * likewise zeroed such nodes of its call tree.
 *
 * The result keeps `current`'s tables; when several samples share a key, the first carries the
 * key's whole difference and the others 0. Samples left with only zero values are dropped, as
 * pprof's merge drops them. Pure: nothing is mutated.
 *
 * Throws `ValidationError` `KPROF_INGEST_BAD_PREV_PROFILE` when the sample types (type and unit,
 * in order) differ from the baseline's.
 */
export function subtractBaseline(current: DecodedPprof, baseline: CumulativeBaseline): DecodedPprof {
  if (!sameSampleTypes(current.sampleTypes, baseline.sampleTypes)) {
    throw new ValidationError(
      'KPROF_INGEST_BAD_PREV_PROFILE',
      `prev_profile has sample types ${describeTypes(baseline.sampleTypes)} but profile has ${describeTypes(current.sampleTypes)}; send the previous profile of the same kind`,
    );
  }
  const { cumulative } = baseline;
  checkMask(current, cumulative);
  const keyOf = sampleKeyer(current);
  const totals = new Map<string, Float64Array>();
  const keys: string[] = new Array(current.samples.length);
  for (let i = 0; i < current.samples.length; i++) {
    const s = current.samples[i]!;
    const key = keyOf(s);
    keys[i] = key;
    let acc = totals.get(key);
    if (acc === undefined) {
      acc = new Float64Array(cumulative.length);
      totals.set(key, acc);
    }
    for (let t = 0; t < cumulative.length; t++) if (cumulative[t]) acc[t] = acc[t]! + s.values[t]!;
  }
  const claimed = new Set<string>();
  const samples: DecodedSample[] = [];
  for (let i = 0; i < current.samples.length; i++) {
    const s = current.samples[i]!;
    const key = keys[i]!;
    const first = !claimed.has(key);
    if (first) claimed.add(key);
    const cur = totals.get(key)!;
    const prev = baseline.values.get(key);
    const values = s.values.slice();
    let nonZero = false;
    for (let t = 0; t < values.length; t++) {
      if (cumulative[t]) values[t] = first ? Math.max(0, cur[t]! - (prev?.[t] ?? 0)) : 0;
      if (values[t] !== 0) nonZero = true;
    }
    if (nonZero) samples.push({ locations: s.locations, values, labels: s.labels });
  }
  return { ...current, samples };
}

/**
 * `current` − `previous` for the cumulative sample types (`cumulative[i]` for sample type i; see
 * {@link cumulativeMask}). Same as {@link subtractBaseline} with `cumulativeBaseline(previous)`.
 */
export function deltaPprof(current: DecodedPprof, previous: DecodedPprof, cumulative: readonly boolean[]): DecodedPprof {
  if (!sameSampleTypes(current.sampleTypes, previous.sampleTypes)) {
    throw new ValidationError(
      'KPROF_INGEST_BAD_PREV_PROFILE',
      `prev_profile has sample types ${describeTypes(previous.sampleTypes)} but profile has ${describeTypes(current.sampleTypes)}; send the previous profile of the same kind`,
    );
  }
  return subtractBaseline(current, cumulativeBaseline(previous, cumulative));
}

/**
 * `profile` with its cumulative values removed (and samples left all-zero dropped): what a
 * first scrape stores. Pyroscope OG's pull mode likewise wrote no cumulative series for the
 * first profile of a target and kept it only as the baseline.
 */
export function withoutCumulative(profile: DecodedPprof, cumulative: readonly boolean[]): DecodedPprof {
  checkMask(profile, cumulative);
  const samples: DecodedSample[] = [];
  for (const s of profile.samples) {
    const values = s.values.map((v, t) => (cumulative[t] ? 0 : v));
    if (values.some((v) => v !== 0)) samples.push({ locations: s.locations, values, labels: s.labels });
  }
  return { ...profile, samples };
}

/** What {@link deltaStep} returns. */
export interface DeltaStep {
  /** The profile to store: the delta, or on a baseline only the non-cumulative values. */
  readonly profile: DecodedPprof;
  /** True when `previous` was missing or unusable (other sample types): cumulative values were not stored. */
  readonly baseline: boolean;
  /** What to keep for the next profile; undefined when no type is cumulative (keep what was kept). */
  readonly next: CumulativeBaseline | undefined;
}

/**
 * One step of a client-side delta, without state: `profile` − `previous` for the cumulative
 * types when `previous` has the same sample types and mask, else `profile` without its
 * cumulative values (a first profile, or one whose baseline was evicted, stores none of them),
 * plus the baseline to keep for the next profile. The caller keeps the state (a
 * {@link DeltaTracker}, or the push endpoint's byte-bounded cache with the step on a worker).
 */
export function deltaStep(previous: CumulativeBaseline | undefined, profile: DecodedPprof, cumulative: readonly boolean[]): DeltaStep {
  if (!cumulative.some(Boolean)) return { profile, baseline: false, next: undefined };
  const usable = previous !== undefined && sameSampleTypes(previous.sampleTypes, profile.sampleTypes) && sameMask(previous.cumulative, cumulative);
  const next = cumulativeBaseline(profile, cumulative);
  return usable
    ? { profile: subtractBaseline(profile, previous), baseline: false, next }
    : { profile: withoutCumulative(profile, cumulative), baseline: true, next };
}

/** What {@link DeltaTracker.next} returns. */
export interface DeltaResult {
  /** The profile to store: the delta, or on a baseline only the non-cumulative values. */
  readonly profile: DecodedPprof;
  /**
   * True when there was no usable previous profile for the key (first scrape, evicted, or the
   * sample types changed): the cumulative values were kept as the baseline, not stored.
   */
  readonly baseline: boolean;
  /**
   * Puts the key's previous baseline back, for a caller whose request failed after this call (so
   * a retry of the same profile is not subtracted from itself). No-op once a later call replaced it.
   */
  readonly undo: () => void;
}

/** Keeps the previous profile per key (e.g. scrape target + profile type) for client-side deltas. */
export interface DeltaTracker {
  /**
   * Returns what to store for `profile` scraped for `key`, and remembers it as the baseline for
   * the next call with the same key. `cumulative` as from {@link cumulativeMask}.
   */
  next(key: string, profile: DecodedPprof, cumulative: readonly boolean[]): DeltaResult;
  /** Forgets the baseline of `key` (target gone); the next profile for it is a baseline again. */
  forget(key: string): void;
  /** Number of keys with a baseline. */
  readonly size: number;
}

/** Options for {@link createDeltaTracker}. */
export interface DeltaTrackerOptions {
  /**
   * Most keys kept; past it the least recently used key's baseline is dropped (its next profile
   * becomes a baseline again). Default 10,000.
   */
  readonly maxKeys?: number;
}

/** Default {@link DeltaTrackerOptions.maxKeys}. */
export const DEFAULT_DELTA_TRACKER_MAX_KEYS = 10_000;

/**
 * A {@link DeltaTracker} holding one {@link CumulativeBaseline} per key, so memory is bounded by
 * `maxKeys` × one baseline. A baseline keeps, per distinct stack + labels key, a 28-character
 * SHA-1 digest (whatever the stack's depth and name lengths) and one small Float64Array; the
 * decoder's `ingest.max-samples` bounds the number of keys of one baseline.
 * Profiles whose types have no cumulative entry keep no baseline and pass through unchanged.
 */
export function createDeltaTracker(options: DeltaTrackerOptions = {}): DeltaTracker {
  const maxKeys = options.maxKeys ?? DEFAULT_DELTA_TRACKER_MAX_KEYS;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new ValidationError('KPROF_DELTA_BAD_MAX_KEYS', `delta tracker maxKeys is ${String(maxKeys)}; it must be a positive integer`);
  }
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recent.
  const baselines = new Map<string, CumulativeBaseline>();
  return {
    next(key, profile, cumulative) {
      const prev = baselines.get(key);
      baselines.delete(key);
      if (!cumulative.some(Boolean)) {
        const restore = (): void => {
          if (prev !== undefined && !baselines.has(key)) baselines.set(key, prev);
        };
        return { profile, baseline: false, undo: restore };
      }
      const step = deltaStep(prev, profile, cumulative);
      const mine = step.next!;
      baselines.set(key, mine);
      if (baselines.size > maxKeys) baselines.delete(baselines.keys().next().value as string);
      const undo = (): void => {
        if (baselines.get(key) !== mine) return;
        baselines.delete(key);
        if (prev !== undefined) baselines.set(key, prev);
      };
      return { profile: step.profile, baseline: step.baseline, undo };
    },
    forget(key) {
      baselines.delete(key);
    },
    get size() {
      return baselines.size;
    },
  };
}

// Builds the key of a sample: a SHA-1 over its locations' frames (each location hashed once) and
// its sorted string labels. A digest, not the frames themselves: a stack can hold a thousand names
// of up to ingest.max-string-bytes each, and a baseline keeps one key per distinct stack, so
// joined names cost gigabytes for a few-KB gzipped request.
function sampleKeyer(profile: DecodedPprof): (s: DecodedSample) => string {
  const locKeys = new Array<Buffer | undefined>(profile.locationFrames.length);
  return (s) => {
    const h = createHash('sha1').update(`${s.locations.length}:`);
    for (const loc of s.locations) {
      let k = locKeys[loc];
      if (k === undefined) {
        const hl = createHash('sha1');
        for (const frame of profile.locationFrames[loc]!) hl.update(frame).update('\u0001');
        k = hl.digest();
        locKeys[loc] = k;
      }
      h.update(k);
    }
    if (s.labels !== undefined && s.labels.length > 0) {
      const sorted = s.labels.length === 1 ? s.labels : [...s.labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      h.update(JSON.stringify(sorted));
    }
    return h.digest('base64');
  };
}

function sameSampleTypes(a: readonly ValueTypeText[], b: readonly ValueTypeText[]): boolean {
  return a.length === b.length && a.every((t, i) => t.type === b[i]!.type && t.unit === b[i]!.unit);
}

function sameMask(a: readonly boolean[], b: readonly boolean[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkMask(profile: DecodedPprof, cumulative: readonly boolean[]): void {
  if (cumulative.length !== profile.sampleTypes.length) {
    throw new ValidationError(
      'KPROF_DELTA_BAD_MASK',
      `cumulative mask has ${cumulative.length} entries but the profile has ${profile.sampleTypes.length} sample types; build it with cumulativeMask(profile.sampleTypes)`,
    );
  }
}

function describeTypes(types: readonly ValueTypeText[]): string {
  return `[${types.map((t) => `${t.type}/${t.unit}`).join(', ')}]`;
}
