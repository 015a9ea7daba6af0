/** Time presets offered in the query bar, in Pyroscope's relative syntax. */
export const TIME_PRESETS: ReadonlyArray<{ label: string; from: string }> = [
  { label: '15m', from: 'now-15m' }, { label: '1h', from: 'now-1h' }, { label: '6h', from: 'now-6h' },
  { label: '24h', from: 'now-24h' }, { label: '7d', from: 'now-7d' },
];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Shows a time parameter: unix seconds as local `YYYY-MM-DD HH:MM:SS`, relative ones as they are. */
export function displayTime(v: string): string {
  if (!/^\d{9,10}$/.test(v)) return v;
  const d = new Date(Number(v) * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Reads what a person typed as a time parameter: `now`, `now-1h` and unix timestamps pass
 * through for the server to parse; a date (`2026-11-25 06:00`, local time) becomes unix
 * seconds. Returns null for anything else.
 */
export function parseTimeInput(v: string): string | null {
  const t = v.trim();
  if (/^now(-\d+[smhdwMy])?$/.test(t) || /^\d+$/.test(t)) return t;
  const ms = Date.parse(t.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : String(Math.floor(ms / 1000));
}
