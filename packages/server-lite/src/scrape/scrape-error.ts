import { UpstreamError } from '../errors.js';

/**
 * A scrape of one target failed: the target did not answer, answered badly, or what it sent
 * could not be stored. Shown as `lastError` on the target health pages and counted by `code` in
 * `kprof_scrape_total{result}`. Codes: `KPROF_SCRAPE_CONNECT`, `KPROF_SCRAPE_TIMEOUT`,
 * `KPROF_SCRAPE_HTTP_STATUS`, `KPROF_SCRAPE_BAD_CONTENT_TYPE`, `KPROF_SCRAPE_TOO_LARGE`,
 * `KPROF_SCRAPE_NOT_PPROF`, `KPROF_SCRAPE_CREDENTIALS`, `KPROF_SCRAPE_TLS`.
 */
export class ScrapeError extends UpstreamError {}

/** The code of any error, for metrics and health pages (`KPROF_INTERNAL` when it has none). */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('KPROF_') ? code : 'KPROF_INTERNAL';
}
