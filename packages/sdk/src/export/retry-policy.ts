/**
 * Decides whether one failed upload attempt is retried and after how long. Pure: time and randomness come in as
 * arguments so the table test can pin them.
 */

/** What one attempt ended with. */
export type AttemptOutcome =
  | { kind: 'response'; statusCode: number; retryAfter?: string | undefined }
  /** Connection refused/reset, DNS failure, socket closed mid-request. */
  | { kind: 'network'; code?: string | undefined }
  /** The per-request deadline (`requestTimeoutMs`) passed. */
  | { kind: 'timeout' }
  /** The request could not be built (e.g. a header value undici refuses): sending it again cannot help. */
  | { kind: 'invalid-request' };

/** Retry settings; see `PushExporterOptions` for their defaults. */
interface RetrySettings {
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string };

/** 2xx: delivered. Anything else is a failure for {@link decideRetry}. */
export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** Whether this outcome could succeed if sent again: network errors, timeouts, 5xx and 429; other statuses are final. */
function isRetryable(outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case 'network':
    case 'timeout':
      return true;
    case 'invalid-request':
      return false;
    case 'response':
      return outcome.statusCode === 429 || (outcome.statusCode >= 500 && outcome.statusCode <= 599);
  }
}

/**
 * Decides what to do after attempt number `retriesSoFar + 1` failed.
 * Delay: the server's `Retry-After` when it sent a valid one, else exponential backoff with full jitter; both are
 * capped at `retryMaxMs`.
 * @param random a number in [0, 1), `Math.random()` in production.
 */
export function decideRetry(
  outcome: AttemptOutcome,
  retriesSoFar: number,
  settings: RetrySettings,
  nowMs: number,
  random: number,
): RetryDecision {
  const reason = describeOutcome(outcome);
  if (!isRetryable(outcome)) return { retry: false, reason };
  if (retriesSoFar >= settings.maxRetries) {
    return { retry: false, reason: `${reason}; gave up after ${retriesSoFar} retries (maxRetries)` };
  }
  const retryAfterMs =
    outcome.kind === 'response' && outcome.retryAfter !== undefined
      ? parseRetryAfterMs(outcome.retryAfter, nowMs)
      : undefined;
  const delayMs =
    retryAfterMs !== undefined
      ? Math.min(retryAfterMs, settings.retryMaxMs)
      : computeBackoffMs(retriesSoFar, settings, random);
  return { retry: true, delayMs, reason };
}

/**
 * Full jitter (uniform in [0, min(retryMaxMs, retryBaseMs · 2^retry))), so many SDK instances that lost the same
 * server do not come back in lockstep.
 */
export function computeBackoffMs(retriesSoFar: number, settings: RetrySettings, random: number): number {
  // Cap the exponent first: 2 ** 1100 is Infinity and Infinity * 0 would be NaN.
  const ceilingMs = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(retriesSoFar, 52));
  return Math.floor(ceilingMs * Math.min(Math.max(random, 0), 1));
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from `nowMs`
 * (0 for a date in the past), or `undefined` when the value is neither form.
 */
export function parseRetryAfterMs(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only accept something that looks like a date: Date.parse('5.5') would be a year, not a delay.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** Short, token-free description for logs and `stats().lastError`. */
export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'response':
      return `HTTP ${outcome.statusCode}`;
    case 'network':
      return `network error${outcome.code ? ` ${outcome.code}` : ''}`;
    case 'timeout':
      return 'request timed out (requestTimeoutMs)';
    case 'invalid-request':
      return 'request refused by the HTTP client';
  }
}
