// Reading server-lite's own account of its scraping: Prometheus text from /metrics and the
// Prometheus-shaped /api/v1/targets.

/** Parses Prometheus text exposition into a Map of `name{labels}` → value (comments skipped). */
export function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{.*\})?)\s+(\S+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

// Series that count scrapes which did not happen on time.
const MISSED_OR_LATE = /missed|late|skipped|overrun/;

/**
 * Every `kprof_scrape_*` counter's change between two readings (gauges: the end value), and the
 * sum of those whose name says missed, late, skipped or overrun.
 */
export function scrapeCounters(start, end) {
  const series = {};
  let missedOrLate = 0;
  const missedSeries = [];
  for (const [key, value] of end) {
    if (!key.startsWith('kprof_scrape_')) continue;
    const name = key.replace(/\{.*$/, '');
    const isCounter = /_total$|_count$|_sum$/.test(name) || /_bucket$/.test(name);
    if (/_bucket$/.test(name)) continue;
    const v = isCounter ? value - (start.get(key) ?? 0) : value;
    series[key] = v;
    if (isCounter && MISSED_OR_LATE.test(name)) {
      missedOrLate += v;
      missedSeries.push(key);
    }
  }
  let successes = 0;
  let failures = 0;
  for (const [key, v] of Object.entries(series)) {
    if (!key.startsWith('kprof_scrape_total{')) continue;
    if (/result="success"/.test(key)) successes += v;
    else failures += v;
  }
  return { series, missedOrLate, missedSeries, successes, failures };
}

/** Active targets by health, by profile, how many carry a lastError, and a few of those errors. */
export function countHealth(targetsJson) {
  const active = targetsJson?.data?.activeTargets ?? [];
  const byHealth = {};
  const byProfile = {};
  const errors = {};
  let withError = 0;
  for (const t of active) {
    byHealth[t.health] = (byHealth[t.health] ?? 0) + 1;
    const p = t.labels?.__profile_name__ ?? t.discoveredLabels?.__profile_name__ ?? 'unknown';
    byProfile[p] = (byProfile[p] ?? 0) + 1;
    if (t.lastError) {
      withError++;
      errors[t.lastError] = (errors[t.lastError] ?? 0) + 1;
    }
  }
  const topErrors = Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 5);
  return { active: active.length, dropped: (targetsJson?.data?.droppedTargets ?? []).length, byHealth, byProfile, withError, topErrors };
}
