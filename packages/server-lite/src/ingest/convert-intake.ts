import type { IngestLimits } from '../config/resolve-config.js';
import { LimitError, ScrapeError, ValidationError, errorCode } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { PROFILE_TYPE_LABEL, profileTypeIdPart } from '../model/profile-type.js';
import { type SampleTypeConfig, readSampleTypeConfigs } from '../model/sample-type-config.js';
import { scopeProfile } from '../model/tenant.js';
import { foldedToProfile } from './folded-to-profile.js';
import { parseMultipart } from './front-ends/multipart.js';
import { gunzipBounded, isGzip } from './gunzip-bounded.js';
import type { IntakeOrigin, IntakeTask } from './intake-request.js';
import { type PackedBaseline, packBaseline, unpackBaseline } from './packed-baseline.js';
import { decodePprof, decodePprofFlat } from './pprof-decoder.js';
import { type DecodedPprof, type FlatPprof } from './pprof-forms.js';
import { cumulativeMask, deltaStep } from './pprof-delta.js';
import { pprofToProfile } from './pprof-to-profile.js';
import { applyPrevProfile } from './prev-profile.js';
import { nameSampleTypes } from './sample-type-names.js';

/** What {@link convertIntake} returns. */
export interface ConvertedIntake {
  readonly profile: IngestProfile;
  /**
   * For a `delta` request, the series' baseline for its next profile; undefined when this
   * profile has no type to delta, so the previous baseline stays.
   */
  readonly baseline?: PackedBaseline | undefined;
}

/** How far in the future a pushed profile's own time may be before it is refused, ms (Grafana Pyroscope: 10 min). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

/** Longest multipart `sample_type_config`. */
const MAX_SAMPLE_TYPE_CONFIG_BYTES = 64 * 1024;

// Grafana Pyroscope stores these types of push.v1 `memory` profiles as deltas unless the client
// says it already did (`__delta__="false"`): they count up for the life of a Go process.
const ALLOC_DELTA_TYPES = new Set(['alloc_objects', 'alloc_space']);

/**
 * The one ingest pipeline: turns any front end's {@link IntakeRequest} into the
 * {@link IngestProfile} the store writes, storing nothing itself (so any error leaves the store
 * untouched). Runs on a decode worker. Steps: undo `Content-Encoding` and gzip (bounded by
 * `maxDecompressedBytes`); split a multipart form (`profile`, `sample_type_config`,
 * `prev_profile`); read folded text, or decode the pprof (the flat decoder when nothing needs the
 * per-sample form); keep the listed sample types; subtract `prev_profile` or the series'
 * baseline for cumulative types (the first profile of a series stores none of them and becomes
 * the baseline); name the series; label push.v1 series with their profile type; scope them to
 * the tenant.
 */
export async function convertIntake(task: IntakeTask, limits: Readonly<IngestLimits>): Promise<ConvertedIntake> {
  const { origin } = task;
  let body = asBuffer(task.body);
  if (task.contentEncoding === 'gzip') body = await gunzipBody(body, task.maxDecompressedBytes, origin, 'the gzip request body');
  let typeConfig = task.sampleTypes?.config;
  let prevProfile: Buffer | undefined;
  if (task.format === 'multipart') {
    const parts = parseMultipart(body, task.contentType ?? '');
    const profile = parts.get('profile');
    if (profile === undefined) {
      throw new ValidationError(
        'KPROF_INGEST_MISSING_PROFILE',
        `multipart body has no "profile" field (got ${[...parts.keys()].map((k) => JSON.stringify(k)).join(', ') || 'none'}); send the pprof in a field named profile`,
      );
    }
    body = profile;
    typeConfig = readMultipartTypeConfig(parts.get('sample_type_config')) ?? typeConfig;
    prevProfile = parts.get('prev_profile');
  }
  if (task.format === 'folded') {
    const text = isGzip(body) ? await gunzipBody(body, task.maxDecompressedBytes, origin, 'the folded profile') : body;
    const folded = task.folded ?? { units: 'samples', aggregation: 'sum' as const };
    const meta = { spyName: task.spyName, sampleRate: task.sampleRate, ...folded };
    const profile = foldedToProfile(text.toString('utf8'), task.series, meta, { ...requireTime(task), receivedBytes: task.receivedBytes }, limits);
    return { profile: scopeProfile(profile, task.tenant) };
  }

  if (body.length === 0) throw new ValidationError('KPROF_INGEST_EMPTY_PROFILE', 'the profile is empty');
  const bytes = await pprofBytes(body, task.maxDecompressedBytes, origin);
  const needsSamples = prevProfile !== undefined || task.delta !== undefined || task.sampleTypes?.only === true;
  let decoded: DecodedPprof | FlatPprof;
  try {
    decoded = needsSamples ? decodePprof(bytes, limits) : decodePprofFlat(bytes, limits);
  } catch (err) {
    if (origin.kind === 'scrape' && errorCode(err) === 'KPROF_INGEST_BAD_PPROF') {
      throw new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${origin.url} did not send a pprof profile: ${(err as Error).message}; check the profile path`, { cause: err });
    }
    throw err;
  }
  if (origin.kind === 'scrape' && decoded.sampleTypes.length === 0) {
    throw new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${origin.url} sent ${bytes.length} bytes without pprof sample types; check the profile path`);
  }
  if (task.sampleTypes?.only === true && 'samples' in decoded) decoded = keepListedTypes(decoded, task.sampleTypes.config);
  let baseline: PackedBaseline | undefined;
  if (prevProfile !== undefined && 'samples' in decoded) decoded = await applyPrevProfile(decoded, prevProfile, typeConfig, limits);
  if (task.delta !== undefined && 'samples' in decoded) {
    const types = decoded.sampleTypes;
    const mask = task.delta.types === 'alloc' ? types.map((t) => ALLOC_DELTA_TYPES.has(t.type)) : cumulativeMask(types, typeConfig);
    const previous = task.previous ?? undefined;
    const step = deltaStep(previous === undefined ? undefined : unpackBaseline(previous), decoded, mask);
    decoded = step.profile;
    baseline = step.next === undefined ? undefined : packBaseline(step.next);
  }

  const startMs = task.time?.startMs ?? profileStartMs(decoded, task.nowMs);
  const endMs = task.time?.endMs ?? startMs + Math.max(0, Math.floor(decoded.durationNanos / 1e6));
  if (task.profileName === 'block') typeConfig = { ...blockTypeNames(decoded), ...typeConfig };
  const profile = pprofToProfile(
    decoded,
    { name: task.series, startMs, endMs, spyName: task.spyName, sampleRate: task.sampleRate, sampleTypeConfig: typeConfig, receivedBytes: task.receivedBytes },
    limits,
  );
  const typed = task.profileName === undefined ? profile : withProfileTypes(profile, task.series.app, task.profileName, decoded, typeConfig);
  return { profile: scopeProfile(typed, task.tenant), baseline };
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function requireTime(task: IntakeTask): { startMs: number; endMs: number } {
  return task.time ?? { startMs: task.nowMs, endMs: task.nowMs };
}

// A pushed profile's own time; refused when far ahead of the server's clock, as Grafana Pyroscope does.
function profileStartMs(p: Pick<DecodedPprof, 'timeNanos'>, nowMs: number): number {
  const startMs = p.timeNanos > 0 ? Math.floor(p.timeNanos / 1e6) : nowMs;
  if (startMs > nowMs + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError(
      'KPROF_PUSH_TIME_IN_FUTURE',
      `profile time ${new Date(startMs).toISOString()} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the server clock (${new Date(nowMs).toISOString()}); fix the client's clock`,
    );
  }
  return startMs;
}

function describe(origin: IntakeOrigin, what: string): string {
  return origin.kind === 'scrape' ? `the profile from ${origin.url}` : what;
}

async function gunzipBody(body: Buffer, maxBytes: number, origin: IntakeOrigin, what: string): Promise<Buffer> {
  try {
    return await gunzipBounded(body, maxBytes, describe(origin, what));
  } catch (err) {
    throw origin.kind === 'scrape' ? scrapeBodyError(err, origin.url, maxBytes) : err;
  }
}

// The pprof's bytes: gunzipped when gzipped, and never over `maxBytes`.
async function pprofBytes(body: Buffer, maxBytes: number, origin: IntakeOrigin): Promise<Buffer> {
  if (isGzip(body)) return gunzipBody(body, maxBytes, origin, origin.kind === 'push' ? 'the pushed pprof profile' : 'the pprof profile');
  if (body.length <= maxBytes) return body;
  if (origin.kind === 'scrape') {
    throw new ScrapeError('KPROF_SCRAPE_TOO_LARGE', `the profile from ${origin.url} is ${body.length} bytes, over ${maxBytes} bytes (body-size-limit / ingest.max-decompressed-bytes)`);
  }
  throw new LimitError('KPROF_INGEST_DECOMPRESSED_TOO_LARGE', `the pprof profile is ${body.length} bytes, over ingest.max-decompressed-bytes (${maxBytes})`);
}

// A scraped body that is too large or not gzip is the target's problem: the target goes down.
function scrapeBodyError(err: unknown, url: string, maxBytes: number): ScrapeError {
  if (errorCode(err) === 'KPROF_INGEST_DECOMPRESSED_TOO_LARGE') {
    return new ScrapeError('KPROF_SCRAPE_TOO_LARGE', `the profile from ${url} is over ${maxBytes} bytes after gunzip (body-size-limit / ingest.max-decompressed-bytes)`, { cause: err });
  }
  return new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${url} sent a body that claims gzip but is not valid gzip: ${(err as Error).message}`, { cause: err });
}

function readMultipartTypeConfig(part: Buffer | undefined): Record<string, SampleTypeConfig> | undefined {
  if (part === undefined) return undefined;
  if (part.length > MAX_SAMPLE_TYPE_CONFIG_BYTES) {
    throw new LimitError('KPROF_INGEST_SAMPLE_TYPE_CONFIG_TOO_LARGE', `sample_type_config is ${part.length} bytes, over ${MAX_SAMPLE_TYPE_CONFIG_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(part.toString('utf8'));
  } catch (err) {
    throw new ValidationError('KPROF_INGEST_BAD_SAMPLE_TYPE_CONFIG', `sample_type_config is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('KPROF_INGEST_BAD_SAMPLE_TYPE_CONFIG', 'sample_type_config must be a JSON object {type: {units, display-name, aggregation, cumulative, sampled}}');
  }
  return readSampleTypeConfigs(parsed as Record<string, unknown>);
}

// Pull mode's `sample-types` without `all-sample-types`: only the listed types are kept (as Pyroscope OG).
function keepListedTypes(p: DecodedPprof, config: Readonly<Record<string, SampleTypeConfig>>): DecodedPprof {
  const keep = p.sampleTypes.map((t, i) => (config[t.type] !== undefined ? i : -1)).filter((i) => i >= 0);
  if (keep.length === p.sampleTypes.length) return p;
  return {
    ...p,
    sampleTypes: keep.map((i) => p.sampleTypes[i]!),
    samples: p.samples.map((s) => ({ locations: s.locations, labels: s.labels, values: keep.map((i) => s.values[i] ?? 0) })),
  };
}

/**
 * A push.v1 `block` profile's `contentions`/`delay` are named `block_count`/`block_duration`
 * (pyroscope-go's names) instead of OG's `mutex_*` defaults, so a service's block and mutex
 * profiles stay apart in `/render`.
 */
function blockTypeNames(p: Pick<DecodedPprof, 'sampleTypes'>): Record<string, SampleTypeConfig> {
  const own = new Set(p.sampleTypes.map((t) => t.type));
  const config: Record<string, SampleTypeConfig> = {};
  if (own.has('contentions')) config['contentions'] = { 'display-name': 'block_count', units: 'lock_samples' };
  if (own.has('delay')) config['delay'] = { 'display-name': 'block_duration', units: 'lock_nanoseconds' };
  return config;
}

/**
 * Labels every series with its Grafana profile type ID
 * `<profile name>:<sample type>:<unit>:<period type>:<period unit>`. Series are matched to their
 * sample type by name, the way pprofToProfile names them (`<app>.<suffix>`, or the app itself
 * when it already ends in `.<suffix>`).
 */
function withProfileTypes(
  profile: IngestProfile,
  app: string,
  profileName: string,
  decoded: Pick<DecodedPprof, 'sampleTypes' | 'periodType'>,
  config: Readonly<Record<string, SampleTypeConfig>> | undefined,
): IngestProfile {
  const typeBySeriesName = new Map<string, string>();
  nameSampleTypes(decoded.sampleTypes, config).forEach((n, i) => {
    const st = decoded.sampleTypes[i]!;
    const period = decoded.periodType ?? st;
    const seriesName = app.endsWith(`.${n.suffix}`) ? app : `${app}.${n.suffix}`;
    if (!typeBySeriesName.has(seriesName)) {
      typeBySeriesName.set(seriesName, [profileName, st.type, st.unit, period.type, period.unit].map(profileTypeIdPart).join(':'));
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
