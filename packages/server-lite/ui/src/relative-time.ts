function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD HH:MM:SS UTC` for unix ms: the absolute time behind a relative label. */
export function absoluteUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * How long ago `ms` was, seen at `nowMs`: `just now` under 5 s (and for times slightly in the
 * future, from clock skew), then `N s ago`, `N min ago` under 90 minutes, `N h ago` under 48
 * hours, else `N d ago`. Rounded down, so "2 min ago" never means 1 min 40 s.
 */
export function relativeTime(ms: number, nowMs: number): string {
  const s = Math.floor((nowMs - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 90) return `${min} min ago`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}
