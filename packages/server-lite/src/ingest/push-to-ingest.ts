import type { IngestLimits } from '../config/resolve-config.js';
import { ValidationError } from '../errors.js';
import { addLabel, parseAppName } from './app-name.js';
import { gunzipBounded, isGzip } from './gunzip-bounded.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type DecodedPprof, type FlatPprof, decodePprof, decodePprofFlat } from './pprof-decoder.js';
import { deltaStep } from './pprof-delta.js';
import { type PackedBaseline, packBaseline, unpackBaseline } from './packed-baseline.js';
import { pprofToProfile } from './pprof-to-profile.js';
import { type SampleTypeConfig, nameSampleTypes } from './sample-type-names.js';
import { PROFILE_TYPE_LABEL } from '../model/profile-type.js';

/** Service name of series pushed without a `service_name` label (Grafana Pyroscope's). */
export const DEFAULT_SERVICE_NAME = 'unknown_service';

/** How far in the future a profile's time may be before it is refused, ms (Pyroscope: 10 min). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

/** What a push adds to each profile it carries. */
export interface PushIngestContext {
  readonly limits: Readonly<IngestLimits>;
  /** Server clock, unix ms: the time of profiles without `time_nanos`. */
  readonly nowMs: number;
}

/** What {@link pushedDeltaToIngest} returns. */
export interface PushedDelta {
  readonly profile: IngestProfile;
  /**
   * The series' baseline for its next push (this profile's `alloc_*` per stack); undefined when
   * the profile has no `alloc_*` type, so the previous baseline stays.
   */
  readonly baseline: PackedBaseline | undefined;
}

/**
 * True when a pushed series' profiles are stored as the difference to its previous push
 * (`memory` without `__delta__="false"`): they go through {@link pushedDeltaToIngest} with the
 * series' previous baseline, which the push endpoint keeps.
 */
export function needsServerDelta(labels: Readonly<Record<string, string>>): boolean {
  return (labels['__name__'] ?? 'unknown') === 'memory' && labels['__delta__'] !== 'false';
}

// Grafana Pyroscope turns these sample types of `memory` profiles into deltas unless the client
// says it already did (`__delta__="false"`); they count up for the life of a Go process.
const SERVER_DELTA_TYPES = new Set(['alloc_objects', 'alloc_space']);

/**
 * Converts one raw pprof of a push.v1 series into an {@link IngestProfile}, storing nothing.
 * Labels: `service_name` (default `unknown_service`) is the application, so the series are
 * `<service_name>.<sample type>` as with `/ingest` and `/render` finds them there; `__name__`
 * (the profile name, e.g. `process_cpu`) goes into each series' `__profile_type__` label with the
 * sample and period types; other `__…` labels are dropped; the rest are checked like `/ingest`
 * labels. `memory` profiles without `__delta__="false"` have `alloc_objects`/`alloc_space` stored
 * as the difference to the series' previous push (the first push of a series is only the
 * baseline for those types), as Grafana Pyroscope does. The body is gunzipped when gzipped (bounded by
 * `ingest.max-decompressed-bytes`) and decoded within the ingest limits.
 *
 * `labels` are as {@link validatePushRequest} returns them (dots already turned into `_`).
 */
export async function pushedProfileToIngest(
  raw: Uint8Array,
  labels: Readonly<Record<string, string>>,
  ctx: PushIngestContext,
): Promise<IngestProfile> {
  if (needsServerDelta(labels)) throw new Error('pushedProfileToIngest: a memory profile needs its previous baseline; use pushedDeltaToIngest');
  const target = pushTarget(labels, ctx.limits);
  const bytes = await pushedBytes(raw, ctx.limits);
  // No delta: the flat form, which pprofToProfile takes without a conversion.
  return toIngest(decodePprofFlat(bytes, ctx.limits), raw, labels, target, ctx);
}

/**
 * {@link pushedProfileToIngest} for a series with {@link needsServerDelta}: `alloc_objects` /
 * `alloc_space` are stored as the growth since `previous` (the series' baseline from its last
 * push), or not at all when there is no usable `previous` (first push, baseline evicted, sample
 * types changed): such a push is only the baseline for those types, as in Grafana Pyroscope.
 * Other sample types (`inuse_*`) are stored as sent. Stateless: the caller keeps the returned
 * baseline for the series' next push, so this runs on a decode worker as well.
 */
export async function pushedDeltaToIngest(
  raw: Uint8Array,
  labels: Readonly<Record<string, string>>,
  ctx: PushIngestContext,
  previous: PackedBaseline | undefined,
): Promise<PushedDelta> {
  const target = pushTarget(labels, ctx.limits);
  const bytes = await pushedBytes(raw, ctx.limits);
  const full = decodePprof(bytes, ctx.limits);
  const mask = full.sampleTypes.map((t) => SERVER_DELTA_TYPES.has(t.type));
  const step = deltaStep(previous === undefined ? undefined : unpackBaseline(previous), full, mask);
  const profile = toIngest(step.profile, raw, labels, target, ctx);
  return { profile, baseline: step.next === undefined ? undefined : packBaseline(step.next) };
}

async function pushedBytes(raw: Uint8Array, limits: Readonly<IngestLimits>): Promise<Buffer> {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return isGzip(buf) ? gunzipBounded(buf, limits.maxDecompressedBytes, 'the pushed pprof profile') : buf;
}

function toIngest(
  decoded: DecodedPprof | FlatPprof,
  raw: Uint8Array,
  labels: Readonly<Record<string, string>>,
  target: PushTarget,
  ctx: PushIngestContext,
): IngestProfile {
  const { limits } = ctx;
  const startMs = decoded.timeNanos > 0 ? Math.floor(decoded.timeNanos / 1e6) : ctx.nowMs;
  if (startMs > ctx.nowMs + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError(
      'KPROF_PUSH_TIME_IN_FUTURE',
      `profile time ${new Date(startMs).toISOString()} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the server clock (${new Date(ctx.nowMs).toISOString()}); fix the client's clock`,
    );
  }
  const sampleTypeConfig = pushSampleTypeConfig(target.profileName, decoded);
  const profile = pprofToProfile(
    decoded,
    {
      name: { app: target.app, labels: target.labels },
      startMs,
      endMs: startMs + Math.max(0, Math.floor(decoded.durationNanos / 1e6)),
      spyName: labels['pyroscope_spy'] || 'unknown',
      sampleRate: 100,
      sampleTypeConfig,
      receivedBytes: raw.byteLength,
    },
    limits,
  );
  return withProfileTypeLabels(profile, target, decoded, sampleTypeConfig);
}

/**
 * The identity of a pushed series for its delta baseline: its labels in name order, `__delta__`
 * aside. The tenant is not in it: the push endpoint keeps each tenant's baselines apart.
 */
export function pushSeriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => k !== '__delta__')
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

interface PushTarget {
  readonly app: string;
  readonly profileName: string;
  readonly labels: Record<string, string>;
}

function pushTarget(labels: Readonly<Record<string, string>>, limits: Readonly<IngestLimits>): PushTarget {
  const service = labels['service_name'] || DEFAULT_SERVICE_NAME;
  if (service.includes('{')) {
    throw new ValidationError('KPROF_INGEST_BAD_NAME', `service_name ${JSON.stringify(service.slice(0, 200))} is invalid; use letters, digits, '_', '.', '-'`);
  }
  const { app } = parseAppName(service, limits);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (name === 'service_name' || name.startsWith('__')) continue;
    addLabel(out, name, value, limits);
  }
  return { app, profileName: labels['__name__'] ?? 'unknown', labels: out };
}

/**
 * Pyroscope OG's series names, except that a `block` profile's `contentions`/`delay` become
 * `block_count`/`block_duration` (pyroscope-go's names) instead of the `mutex_*` defaults, so a
 * service's block and mutex profiles stay apart in `/render`.
 */
function pushSampleTypeConfig(profileName: string, decoded: Pick<DecodedPprof, 'sampleTypes'>): Record<string, SampleTypeConfig> | undefined {
  if (profileName !== 'block') return undefined;
  const own = new Set(decoded.sampleTypes.map((t) => t.type));
  const config: Record<string, SampleTypeConfig> = {};
  if (own.has('contentions')) config['contentions'] = { 'display-name': 'block_count', units: 'lock_samples' };
  if (own.has('delay')) config['delay'] = { 'display-name': 'block_duration', units: 'lock_nanoseconds' };
  return config;
}

// Grafana's type ID separates parts with ':'; a part may not hold one or be empty.
function idPart(s: string): string {
  return s.replace(/:/g, '_') || 'unknown';
}

/**
 * Labels every series of `profile` with its Grafana profile type ID
 * `<__name__>:<sample type>:<unit>:<period type>:<period unit>`. Series are matched to their
 * sample type by name, the way pprofToProfile names them (`<app>.<suffix>`, or the app itself
 * when it already ends in `.<suffix>`).
 */
function withProfileTypeLabels(
  profile: IngestProfile,
  target: PushTarget,
  decoded: Pick<DecodedPprof, 'sampleTypes' | 'periodType'>,
  config: Record<string, SampleTypeConfig> | undefined,
): IngestProfile {
  const names = nameSampleTypes(decoded.sampleTypes, config);
  const typeBySeriesName = new Map<string, string>();
  names.forEach((n, i) => {
    const st = decoded.sampleTypes[i]!;
    const period = decoded.periodType ?? st;
    const seriesName = target.app.endsWith(`.${n.suffix}`) ? target.app : `${target.app}.${n.suffix}`;
    if (!typeBySeriesName.has(seriesName)) {
      typeBySeriesName.set(seriesName, [target.profileName, st.type, st.unit, period.type, period.unit].map(idPart).join(':'));
    }
  });
  return {
    ...profile,
    series: profile.series.map((s) => {
      const type = typeBySeriesName.get(s.series.name);
      return type === undefined ? s : { ...s, series: { ...s.series, labels: { ...s.series.labels, [PROFILE_TYPE_LABEL]: type } } };
    }),
  };
}
