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

/** Sum of the change of counter `name` over the window, per value of `label` (series without it are skipped). */
function deltaBy(start, end, name, label) {
  const out = {};
  for (const [key, value] of end) {
    if (!key.startsWith(`${name}{`)) continue;
    const m = new RegExp(`[{,]${label}="([^"]*)"`).exec(key);
    if (!m) continue;
    out[m[1]] = (out[m[1]] ?? 0) + value - (start.get(key) ?? 0);
  }
  return out;
}

/**
 * server-lite's own account of the window, read from its counters (not inferred): every
 * `kprof_scrape_*` series (counters as the change, gauges as the end value); slots by outcome
 * (`kprof_scrape_slots_total`: on_time, late, missed) and missed slots by reason
 * (`kprof_scrape_missed_total`); failed store writes by action; scrapes by result.
 */
export function scrapeCounters(start, end) {
  if (![...end.keys()].some((k) => k.startsWith('kprof_scrape_slots_total{'))) {
    throw new Error('server-lite exposes no kprof_scrape_slots_total series: rebuild packages/server-lite/dist from a tree with slot accounting');
  }
  const series = {};
  for (const [key, value] of end) {
    if (!key.startsWith('kprof_scrape_')) continue;
    const name = key.replace(/\{.*$/, '');
    if (/_bucket$/.test(name)) continue;
    const isCounter = /_total$|_count$|_sum$/.test(name);
    series[key] = isCounter ? value - (start.get(key) ?? 0) : value;
  }
  const outcomes = deltaBy(start, end, 'kprof_scrape_slots_total', 'outcome');
  const slots = { onTime: outcomes.on_time ?? 0, late: outcomes.late ?? 0, missed: outcomes.missed ?? 0 };
  const missedByReason = deltaBy(start, end, 'kprof_scrape_missed_total', 'reason');
  const storeErrors = deltaBy(start, end, 'kprof_scrape_store_errors_total', 'action');
  const results = deltaBy(start, end, 'kprof_scrape_total', 'result');
  const successes = results.success ?? 0;
  const failures = Object.entries(results).reduce((n, [r, v]) => (r === 'success' ? n : n + v), 0);
  return { series, slots, missedByReason, storeErrors: { retry: storeErrors.retry ?? 0, drop: storeErrors.drop ?? 0 }, successes, failures };
}

/**
 * Active targets by health, by profile, how many carry a lastError (and a few of those errors),
 * and the per-target slot counts and dropped profiles summed over all targets (since each loop
 * started, so warm-up included).
 */
export function countHealth(targetsJson) {
  const active = targetsJson?.data?.activeTargets ?? [];
  const byHealth = {};
  const byProfile = {};
  const errors = {};
  let withError = 0;
  const slots = { due: 0, onTime: 0, late: 0, missed: 0, missedByReason: {} };
  let targetsWithMissed = 0;
  let targetsWithLate = 0;
  let droppedProfiles = 0;
  for (const t of active) {
    if (t.slots === undefined) throw new Error('/api/v1/targets has no slots: rebuild packages/server-lite/dist from a tree with slot accounting');
    for (const k of ['due', 'onTime', 'late', 'missed']) slots[k] += t.slots[k];
    for (const [r, n] of Object.entries(t.slots.missedByReason)) slots.missedByReason[r] = (slots.missedByReason[r] ?? 0) + n;
    if (t.slots.missed > 0) targetsWithMissed++;
    if (t.slots.late > 0) targetsWithLate++;
    droppedProfiles += t.droppedProfiles;
    byHealth[t.health] = (byHealth[t.health] ?? 0) + 1;
    const p = t.labels?.__profile_name__ ?? t.discoveredLabels?.__profile_name__ ?? 'unknown';
    byProfile[p] = (byProfile[p] ?? 0) + 1;
    if (t.lastError) {
      withError++;
      errors[t.lastError] = (errors[t.lastError] ?? 0) + 1;
    }
  }
  const topErrors = Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 5);
  return { active: active.length, dropped: (targetsJson?.data?.droppedTargets ?? []).length, byHealth, byProfile, withError, topErrors, slots, targetsWithMissed, targetsWithLate, droppedProfiles };
}
