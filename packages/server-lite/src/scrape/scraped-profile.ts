import type { IngestLimits } from '../config/resolve-config.js';
import { parseAppName, addLabel } from '../ingest/app-name.js';
import { gunzipBounded, isGzip } from '../ingest/gunzip-bounded.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type DecodedPprof, decodePprof } from '../ingest/pprof-decoder.js';
import { type DeltaTracker, cumulativeMask } from '../ingest/pprof-delta.js';
import { pprofToProfile } from '../ingest/pprof-to-profile.js';
import type { SampleTypeConfig } from '../ingest/sample-type-names.js';
import type { ProfileConfig } from '../config/scrape-config.js';
import { ScrapeError, errorCode } from '../errors.js';
import type { ScrapeTarget } from './targets.js';

/** Pyroscope's default sample rate, used when a profile's period does not give one. */
const DEFAULT_SAMPLE_RATE = 100;

/** One scraped body with its time window. */
export interface ScrapedBody {
  readonly body: Buffer;
  readonly target: ScrapeTarget;
  readonly startMs: number;
  readonly endMs: number;
  /** Largest profile after gunzip: the scrape config's `body-size-limit`. */
  readonly maxBytes: number;
}

/** A scraped profile ready to store, and how to take back the delta baseline it moved. */
export interface ScrapedProfile {
  readonly profile: IngestProfile;
  /**
   * Puts the target's previous cumulative baseline back (no-op without deltas), for a profile
   * that could not be stored: the next scrape's delta then covers this interval too.
   */
  readonly undoDelta: () => void;
}

/**
 * Turns a scraped pprof body into the {@link IngestProfile} `/ingest` would make of it: gunzip
 * (bounded), {@link decodePprof} and {@link pprofToProfile} — the same conversion, with the
 * target's `__name__` as the application and its final labels as series labels. On top:
 * a profile's `sample-types` (when the config lists any) choose and name the sample types kept,
 * unless `all-sample-types`; when the profile has `delta` on, cumulative types (Go's `alloc_*`,
 * `contentions`, `delay`, or as `sample-types` say) go through `deltas` under the target's key:
 * the first scrape is the baseline and stores none of them, later ones store the growth.
 *
 * Throws `ScrapeError` `KPROF_SCRAPE_NOT_PPROF` (not gzip/protobuf, or no sample types),
 * `KPROF_SCRAPE_TOO_LARGE` (over the limit after gunzip), and the ingest limit errors
 * (`KPROF_INGEST_TOO_MANY_SAMPLES`, `KPROF_INGEST_TOO_MANY_LABELS`, …).
 */
export async function scrapedToProfile(input: ScrapedBody, limits: Readonly<IngestLimits>, deltas: DeltaTracker | undefined): Promise<ScrapedProfile> {
  const { target } = input;
  const maxBytes = Math.min(input.maxBytes, limits.maxDecompressedBytes);
  let bytes = input.body;
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipBounded(bytes, maxBytes, `the profile from ${target.url}`);
    } catch (err) {
      if (errorCode(err) === 'KPROF_INGEST_DECOMPRESSED_TOO_LARGE') {
        throw new ScrapeError('KPROF_SCRAPE_TOO_LARGE', `the profile from ${target.url} is over ${maxBytes} bytes after gunzip (body-size-limit / ingest.max-decompressed-bytes)`, { cause: err });
      }
      throw new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${target.url} sent a body that claims gzip but is not valid gzip: ${(err as Error).message}`, { cause: err });
    }
  } else if (bytes.length > maxBytes) {
    throw new ScrapeError('KPROF_SCRAPE_TOO_LARGE', `the profile from ${target.url} is ${bytes.length} bytes, over ${maxBytes} bytes (body-size-limit / ingest.max-decompressed-bytes)`);
  }
  let decoded: DecodedPprof;
  try {
    decoded = decodePprof(bytes, limits);
  } catch (err) {
    if (errorCode(err) !== 'KPROF_INGEST_BAD_PPROF') throw err;
    throw new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${target.url} did not send a pprof profile: ${(err as Error).message}; check the profile path`, { cause: err });
  }
  if (decoded.sampleTypes.length === 0) {
    throw new ScrapeError('KPROF_SCRAPE_NOT_PPROF', `${target.url} sent ${bytes.length} bytes without pprof sample types; check the profile path`);
  }
  const selected = selectSampleTypes(decoded, target.profile);
  const delta = deltas !== undefined && selected.cumulative.some(Boolean) ? deltas.next(target.key, selected.profile, selected.cumulative) : undefined;
  const withDeltas = delta?.profile ?? selected.profile;
  try {
    const name = parseAppName(target.labels.__name__ ?? '', limits);
    for (const [k, v] of Object.entries(target.labels)) if (k !== '__name__') addLabel(name.labels, k, v, limits);
    const profile = pprofToProfile(
      withDeltas,
      {
        name,
        startMs: input.startMs,
        endMs: input.endMs,
        spyName: target.spyName,
        sampleRate: DEFAULT_SAMPLE_RATE,
        sampleTypeConfig: selected.config,
        receivedBytes: input.body.length,
      },
      limits,
    );
    return { profile, undoDelta: delta?.undo ?? noop };
  } catch (err) {
    // Nothing of this scrape is stored: the baseline stays where the last stored one left it.
    delta?.undo();
    throw err;
  }
}

function noop(): void {}

/** Sample types kept for one profile, their naming, and which of them are cumulative. */
export interface SelectedSampleTypes {
  readonly profile: DecodedPprof;
  readonly config: Readonly<Record<string, SampleTypeConfig>> | undefined;
  /** Per sample type of `profile`, whether to compute its delta (all false when the profile's `delta` is off). */
  readonly cumulative: boolean[];
}

/**
 * Applies a profile's `sample-types`: with none listed (kprof's built-in profiles) every type is
 * kept and named as `/ingest` names them; with some listed and `all-sample-types` off, only those
 * are kept (as Pyroscope OG), named by their `display-name`/`units`/`aggregation`.
 */
export function selectSampleTypes(p: DecodedPprof, profile: ProfileConfig): SelectedSampleTypes {
  const listed = Object.keys(profile.sampleTypes);
  const config: Record<string, SampleTypeConfig> = {};
  for (const [type, raw] of Object.entries(profile.sampleTypes)) config[type] = readSampleTypeConfig(raw);
  let out = p;
  if (listed.length > 0 && !profile.allSampleTypes) {
    const keep = p.sampleTypes.map((t, i) => (config[t.type] !== undefined ? i : -1)).filter((i) => i >= 0);
    if (keep.length < p.sampleTypes.length) {
      out = {
        ...p,
        sampleTypes: keep.map((i) => p.sampleTypes[i]!),
        samples: p.samples.map((s) => ({ locations: s.locations, labels: s.labels, values: keep.map((i) => s.values[i] ?? 0) })),
      };
    }
  }
  const typeConfig = listed.length > 0 ? config : undefined;
  const cumulative = profile.delta ? cumulativeMask(out.sampleTypes, typeConfig) : out.sampleTypes.map(() => false);
  return { profile: out, config: typeConfig, cumulative };
}

function readSampleTypeConfig(raw: Readonly<Record<string, unknown>> | null | undefined): SampleTypeConfig {
  const c = raw ?? {};
  const str = (k: string): string | undefined => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  const displayName = str('display-name');
  return {
    ...(str('units') !== undefined ? { units: str('units') } : {}),
    ...(displayName !== undefined && /^[A-Za-z0-9_.-]{1,128}$/.test(displayName) ? { 'display-name': displayName } : {}),
    ...(str('aggregation') !== undefined ? { aggregation: str('aggregation') } : {}),
    ...(typeof c.cumulative === 'boolean' ? { cumulative: c.cumulative } : {}),
  };
}
