import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { DecodedPprof, DecodedSample, ValueTypeText } from './pprof-forms.js';
import type { SampleTypeConfig } from '../model/sample-type-config.js';

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
 * plus the baseline to keep for the next profile. The caller keeps the state (the intake's
 * byte-bounded DeltaBaselines, with the step on a decode worker).
 */
export function deltaStep(previous: CumulativeBaseline | undefined, profile: DecodedPprof, cumulative: readonly boolean[]): DeltaStep {
  if (!cumulative.some(Boolean)) return { profile, baseline: false, next: undefined };
  const usable = previous !== undefined && sameSampleTypes(previous.sampleTypes, profile.sampleTypes) && sameMask(previous.cumulative, cumulative);
  const next = cumulativeBaseline(profile, cumulative);
  return usable
    ? { profile: subtractBaseline(profile, previous), baseline: false, next }
    : { profile: withoutCumulative(profile, cumulative), baseline: true, next };
}

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
