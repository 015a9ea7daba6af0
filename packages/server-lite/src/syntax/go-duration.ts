const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * Parses a Go `time.ParseDuration` string (`10s`, `1m30s`, `1.5h`, `500ms`, `0`) into
 * milliseconds. Returns `undefined` for anything Go would reject. Negative durations are
 * rejected too: no scrape setting can use one.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.startsWith('+') ? text.slice(1) : text;
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let totalMs = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (m === null) return undefined;
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return undefined;
    const unitMs = UNIT_MS[unit];
    if (unitMs === undefined) return undefined;
    totalMs += Number(`${intPart || '0'}.${fracPart ?? '0'}`) * unitMs;
    rest = rest.slice(whole.length);
  }
  return totalMs;
}

/** Formats milliseconds the way Go's `time.Duration.String()` does for whole units (`10s`, `1m30s`, `500ms`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h > 0) {
    out += `${h}h`;
    rest -= h * 3_600_000;
  }
  const m = Math.floor(rest / 60_000);
  if (h > 0 || m > 0) {
    out += `${m}m`;
    rest -= m * 60_000;
  }
  const s = rest / 1000;
  return `${out}${Number.isInteger(s) ? s : Number(s.toFixed(9))}s`;
}
