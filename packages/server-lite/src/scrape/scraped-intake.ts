import type { IngestLimits } from '../config/resolve-config.js';
import { addLabel, parseAppName } from '../ingest/app-name.js';
import type { IntakeRequest } from '../ingest/intake-request.js';
import { PYROSCOPE_DEFAULT_SAMPLE_RATE } from '../model/ingest-profile.js';
import type { ScrapeTarget } from './targets.js';

/** One scraped body with its time window. */
export interface ScrapedBody {
  readonly body: Buffer;
  readonly target: ScrapeTarget;
  readonly startMs: number;
  readonly endMs: number;
  /** Largest profile after gunzip: the scrape config's `body-size-limit`. */
  readonly maxBytes: number;
  /** Multi-tenant mode: `auth.scrape-tenant`. */
  readonly tenant?: string;
}

/**
 * A scraped pprof body as an {@link IntakeRequest}: converted exactly as `/ingest` converts a
 * pprof, with the target's `__name__` as the application and its final labels as series labels.
 * On top: the profile's `sample-types` (when the config lists any) name the sample types, and
 * choose the ones kept unless `all-sample-types`; with the profile's `delta` on, cumulative types
 * (Go's `alloc_*`, `contentions`, `delay`, or as `sample-types` say) are stored as the growth
 * since the target's previous scrape (the first scrape is the baseline and stores none of them).
 * Throws the ingest label errors (`KPROF_INGEST_TOO_MANY_LABELS`, …) for target labels over
 * the limits.
 */
export function intakeFromScrape(scraped: ScrapedBody, limits: Readonly<IngestLimits>): IntakeRequest {
  const { target } = scraped;
  const series = parseAppName(target.labels.__name__ ?? '', limits);
  for (const [k, v] of Object.entries(target.labels)) if (k !== '__name__') addLabel(series.labels, k, v, limits);
  const listed = Object.keys(target.profile.sampleTypes).length > 0;
  return {
    origin: { kind: 'scrape', url: target.url },
    body: scraped.body,
    receivedBytes: scraped.body.length,
    format: 'pprof',
    maxDecompressedBytes: Math.min(scraped.maxBytes, limits.maxDecompressedBytes),
    series,
    ...(scraped.tenant !== undefined ? { tenant: scraped.tenant } : {}),
    time: { startMs: scraped.startMs, endMs: scraped.endMs },
    spyName: target.spyName,
    sampleRate: PYROSCOPE_DEFAULT_SAMPLE_RATE,
    ...(listed ? { sampleTypes: { config: target.profile.sampleTypes, only: !target.profile.allSampleTypes } } : {}),
    ...(target.delta ? { delta: { types: 'cumulative' as const, key: target.key } } : {}),
  };
}
