import { LimitError, ValidationError } from '../errors.js';

/** Options for {@link parseTimeRange}. */
export interface TimeRangeOptions {
  /** Longest range accepted, in ms; a longer one throws `LimitError` `KPROF_QUERY_RANGE_TOO_LONG`. */
  readonly maxRangeMs: number;
  /** Range used when `from` is missing: `from = until - defaultRangeMs`. Default 1 hour. */
  readonly defaultRangeMs?: number;
}

/** Default {@link TimeRangeOptions.defaultRangeMs}: one hour, what Pyroscope's UI opens with. */
export const DEFAULT_RANGE_MS = 3_600_000;

// Largest time accepted: 9999-12-31T23:59:59.999Z.
const MAX_TIME_MS = 253_402_300_799_999;

const UNIT_SECONDS: readonly [prefix: string, seconds: number][] = [
  // Order matters: `mon`/`M` before `min`/`m`, like Pyroscope's attime.
  ['s', 1],
  ['mon', 30 * 86_400],
  ['M', 30 * 86_400],
  ['min', 60],
  ['m', 60],
  ['h', 3_600],
  ['d', 86_400],
  ['w', 7 * 86_400],
  ['y', 365 * 86_400],
];

/**
 * Parses a Pyroscope time parameter into unix ms:
 * - missing or blank → `fallbackMs`;
 * - `now`, `now-1h`, `now+30m`, compound `now-1h30m` (units s, m/min, h, d, w, M/mon = 30 d,
 *   y = 365 d; `_`, `,` and spaces ignored);
 * - digits only: 8 digits forming a valid date = `YYYYMMDD` (UTC midnight); otherwise unix time
 *   by digit count: 13 = ms, 16 = µs, 19 = ns, anything else = seconds (sub-ms precision is
 *   truncated);
 * - an RFC 3339 timestamp (`2026-11-25T06:00:00Z`).
 *
 * Unlike Pyroscope, which silently reads garbage as "now", anything else throws
 * `ValidationError` `KPROF_QUERY_BAD_TIME` naming the input.
 */
export function parseTime(input: string | undefined, nowMs: number, fallbackMs: number): number {
  if (input === undefined) return fallbackMs;
  const s = input.trim().replace(/[_, ]/g, '');
  if (s === '') return fallbackMs;
  let ms: number | undefined;
  if (/^\d+$/.test(s)) ms = parseDigits(s);
  else if (s.startsWith('now')) ms = parseRelative(s.slice(3), nowMs);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) ms = Date.parse(s);
  if (ms === undefined || !Number.isFinite(ms)) throw badTime(input);
  if (ms < 0 || ms > MAX_TIME_MS) {
    throw new ValidationError(
      'KPROF_QUERY_BAD_TIME',
      `time ${JSON.stringify(input)} is outside 1970-01-01..9999-12-31`,
    );
  }
  return ms;
}

/**
 * Parses Pyroscope's `from`/`until` pair. `until` defaults to now, `from` to
 * `until - defaultRangeMs`. Throws `ValidationError` `KPROF_QUERY_BAD_TIME` for an unreadable
 * time, `KPROF_QUERY_BAD_TIME_RANGE` when from ≥ until, and `LimitError`
 * `KPROF_QUERY_RANGE_TOO_LONG` past `maxRangeMs`.
 */
export function parseTimeRange(
  from: string | undefined,
  until: string | undefined,
  nowMs: number,
  opts: TimeRangeOptions,
): { fromMs: number; untilMs: number } {
  const untilMs = parseTime(until, nowMs, nowMs);
  const fromMs = parseTime(from, nowMs, untilMs - (opts.defaultRangeMs ?? DEFAULT_RANGE_MS));
  if (fromMs >= untilMs) {
    throw new ValidationError(
      'KPROF_QUERY_BAD_TIME_RANGE',
      `from (${JSON.stringify(from ?? '')} = ${iso(fromMs)}) must be before until (${JSON.stringify(until ?? 'now')} = ${iso(untilMs)})`,
    );
  }
  if (untilMs - fromMs > opts.maxRangeMs) {
    throw new LimitError(
      'KPROF_QUERY_RANGE_TOO_LONG',
      `time range is ${hours(untilMs - fromMs)} h, over the limit of ${hours(opts.maxRangeMs)} h; query a shorter range or raise the query range limit`,
    );
  }
  return { fromMs, untilMs };
}

function parseDigits(s: string): number | undefined {
  if (s.length === 8) {
    const y = Number(s.slice(0, 4));
    const mo = Number(s.slice(4, 6));
    const d = Number(s.slice(6, 8));
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    // Only a real calendar date counts (Go's time.Parse rejects 20230231); else it is unix seconds.
    if (y > 1900 && back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return ms;
  }
  if (s.length > 19) return undefined;
  const n = BigInt(s);
  switch (s.length) {
    case 13:
      return Number(n);
    case 16:
      return Number(n / 1000n);
    case 19:
      return Number(n / 1_000_000n);
    default:
      return Number(n) * 1000;
  }
}

function parseRelative(rest: string, nowMs: number): number | undefined {
  if (rest === '') return nowMs;
  const sign = rest[0] === '-' ? -1 : rest[0] === '+' ? 1 : 0;
  if (sign === 0) return undefined;
  const body = rest.slice(1);
  const part = /(\d+)([A-Za-z]+)/y;
  let offsetS = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const m = part.exec(body);
    if (m === null) return undefined;
    const unit = UNIT_SECONDS.find(([prefix]) => (m[2] as string).startsWith(prefix));
    if (unit === undefined) return undefined;
    offsetS += Number(m[1]) * unit[1];
    at = part.lastIndex;
  }
  if (body === '') return undefined;
  return nowMs + sign * offsetS * 1000;
}

function badTime(input: string): ValidationError {
  return new ValidationError(
    'KPROF_QUERY_BAD_TIME',
    `cannot read time ${JSON.stringify(input)}; use now, now-1h (units s m h d w M y), unix seconds/ms/µs/ns, YYYYMMDD or RFC 3339`,
  );
}

function iso(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS ? new Date(ms).toISOString() : String(ms);
}

function hours(ms: number): string {
  return (ms / 3_600_000).toFixed(1).replace(/\.0$/, '');
}
