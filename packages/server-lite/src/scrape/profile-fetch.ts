/** A profile URL fitted to its scrape interval. */
export interface FittedProfileRequest {
  readonly url: string;
  /** The `seconds` the target profiles for (CPU, or a server-side delta), if the URL asks for a duration. */
  readonly seconds: number | undefined;
  /** Deadline for the whole request: the configured timeout, stretched to cover `seconds` plus the margin. */
  readonly timeoutMs: number;
}

/**
 * Time kept free at the end of each interval for a profile that lasts `seconds`: 10 % of the
 * interval, at least 2 s. Targets answer a little after their N seconds (kprof's Node middleware
 * cuts its window from a continuous profiler), then the body is decoded and written.
 */
export function intervalMarginMs(intervalMs: number): number {
  return Math.max(2000, Math.round(intervalMs * 0.1));
}

/** Slack a scrape may start late before its slot counts as missed: 10 % of the interval. */
export function lateStartMs(intervalMs: number): number {
  return Math.round(intervalMs * 0.1);
}

/**
 * Fits a profile URL into its interval: a `seconds=N` parameter (CPU profiles; Go's server-side
 * deltas of heap, mutex and block) is lowered so that N s plus {@link intervalMarginMs} fits in
 * `intervalMs` (never below 1 s), so a target's next scrape never waits for the previous one. The
 * timeout is raised to N s plus the margin when the configured one could never let it finish.
 */
export function fitProfileRequest(url: string, intervalMs: number, timeoutMs: number): FittedProfileRequest {
  const u = new URL(url);
  const raw = u.searchParams.get('seconds');
  if (raw === null) return { url, seconds: undefined, timeoutMs };
  const margin = intervalMarginMs(intervalMs);
  const maxSeconds = Math.max(1, Math.floor((intervalMs - margin) / 1000));
  const asked = Number(raw);
  const seconds = Number.isInteger(asked) && asked > 0 ? Math.min(asked, maxSeconds) : maxSeconds;
  if (String(seconds) !== raw) u.searchParams.set('seconds', String(seconds));
  return { url: u.toString(), seconds, timeoutMs: Math.max(timeoutMs, seconds * 1000 + margin) };
}
