import type { IngestLimits } from '../config/resolve-config.js';
import { LimitError, ValidationError } from '../errors.js';
import { parseTime } from '../syntax/pyroscope-time.js';
import { parseAppName } from './app-name.js';
import { foldedToProfile } from './folded-to-profile.js';
import { gunzipBounded, isGzip } from './gunzip-bounded.js';
import type { IngestProfile, SeriesMeta } from '../model/ingest-profile.js';
import { parseMultipart } from './front-ends/multipart.js';
import { decodePprof, decodePprofFlat } from './pprof-decoder.js';
import { pprofToProfile } from './pprof-to-profile.js';
import { applyPrevProfile } from './prev-profile.js';
import type { SampleTypeConfig } from './sample-type-names.js';

/** A `POST /ingest` request after its body was read (and `Content-Encoding` undone). */
export interface IngestRequest {
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: Buffer;
  /** Bytes as received on the wire. */
  readonly receivedBytes: number;
}

/** Pyroscope OG's default `sampleRate`. */
export const DEFAULT_SAMPLE_RATE = 100;

const UNSUPPORTED_FORMATS = new Set(['trie', 'tree', 'lines', 'jfr', 'speedscope']);
const FOLDED_FORMATS = new Set(['', 'folded', 'collapsed']);
const MAX_SAMPLE_TYPE_CONFIG_BYTES = 64 * 1024;

/**
 * Turns a Pyroscope `/ingest` request into a validated {@link IngestProfile} — nothing is stored
 * here, so any error leaves the store untouched. Formats: `pprof` (raw body, gzip sniffed, or
 * multipart), multipart `profile` (+ `sample_type_config`) without `format`, and folded text.
 */
export async function parseIngestRequest(req: IngestRequest, limits: Readonly<IngestLimits>, nowMs: number): Promise<IngestProfile> {
  const q = req.query;
  const name = parseAppName(q.get('name'), limits);
  const startMs = readTime(q.get('from'), 'from', nowMs);
  const endMs = readTime(q.get('until'), 'until', nowMs);
  if (startMs > endMs) {
    throw new ValidationError('KPROF_INGEST_BAD_TIME_RANGE', `from (${q.get('from')}) is after until (${q.get('until')})`);
  }
  const rateParam = Number(q.get('sampleRate'));
  // Pyroscope reads an invalid sampleRate as the default.
  const sampleRate = Number.isInteger(rateParam) && rateParam > 0 && rateParam <= 1e9 ? rateParam : DEFAULT_SAMPLE_RATE;
  const spyName = q.get('spyName') || 'unknown';
  const format = (q.get('format') ?? '').toLowerCase();
  const isMultipart = /^multipart\/form-data/i.test(req.contentType);

  if (UNSUPPORTED_FORMATS.has(format) || (!FOLDED_FORMATS.has(format) && format !== 'pprof')) {
    throw new ValidationError(
      'KPROF_INGEST_UNSUPPORTED_FORMAT',
      `format ${JSON.stringify(format)} is not supported; use pprof, folded (collapsed) or multipart/form-data with a profile field`,
    );
  }

  if (format === 'pprof' || isMultipart) {
    let raw = req.body;
    let sampleTypeConfig: Record<string, SampleTypeConfig> | undefined;
    let prevProfile: Buffer | undefined;
    if (isMultipart) {
      const parts = parseMultipart(req.body, req.contentType);
      const profile = parts.get('profile');
      if (profile === undefined) {
        throw new ValidationError(
          'KPROF_INGEST_MISSING_PROFILE',
          `multipart body has no "profile" field (got ${[...parts.keys()].map((k) => JSON.stringify(k)).join(', ') || 'none'}); send the pprof in a field named profile`,
        );
      }
      raw = profile;
      sampleTypeConfig = readSampleTypeConfig(parts.get('sample_type_config'));
      prevProfile = parts.get('prev_profile');
    }
    if (raw.length === 0) throw new ValidationError('KPROF_INGEST_EMPTY_PROFILE', 'the profile is empty');
    const bytes = isGzip(raw) ? await gunzipBounded(raw, limits.maxDecompressedBytes, 'the pprof profile') : raw;
    if (bytes.length > limits.maxDecompressedBytes) {
      throw new LimitError('KPROF_INGEST_DECOMPRESSED_TOO_LARGE', `the pprof profile is ${bytes.length} bytes, over ingest.max-decompressed-bytes (${limits.maxDecompressedBytes})`);
    }
    // The flat decode is the fast path; a delta against prev_profile works on the object form.
    const decoded =
      prevProfile === undefined
        ? decodePprofFlat(bytes, limits)
        : await applyPrevProfile(decodePprof(bytes, limits), prevProfile, sampleTypeConfig, limits);
    return pprofToProfile(
      decoded,
      { name, startMs, endMs, spyName, sampleRate, sampleTypeConfig, receivedBytes: req.receivedBytes },
      limits,
    );
  }

  const meta: SeriesMeta = {
    spyName,
    sampleRate,
    units: q.get('units') || 'samples',
    aggregation: q.get('aggregationType') === 'average' || q.get('aggregationType') === 'avg' ? 'average' : 'sum',
  };
  const body = isGzip(req.body) ? await gunzipBounded(req.body, limits.maxDecompressedBytes, 'the folded profile') : req.body;
  return foldedToProfile(body.toString('utf8'), name, meta, { startMs, endMs, receivedBytes: req.receivedBytes }, limits);
}

function readTime(value: string | null, param: string, nowMs: number): number {
  try {
    return parseTime(value ?? undefined, nowMs, nowMs);
  } catch (err) {
    throw new ValidationError('KPROF_INGEST_BAD_TIME', `${param}: ${(err as Error).message}`, { cause: err });
  }
}

function readSampleTypeConfig(part: Buffer | undefined): Record<string, SampleTypeConfig> | undefined {
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
  const out: Record<string, SampleTypeConfig> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null || typeof v !== 'object') continue;
    const c = v as Record<string, unknown>;
    const displayName = typeof c['display-name'] === 'string' && /^[A-Za-z0-9_.-]{1,128}$/.test(c['display-name']) ? c['display-name'] : undefined;
    out[k] = {
      ...(typeof c.units === 'string' ? { units: c.units.slice(0, 64) } : {}),
      ...(displayName !== undefined ? { 'display-name': displayName } : {}),
      ...(typeof c.aggregation === 'string' ? { aggregation: c.aggregation } : {}),
      ...(typeof c.cumulative === 'boolean' ? { cumulative: c.cumulative } : {}),
    };
  }
  return out;
}
