// Pools per-process records into per-arm summaries, label totals and bootstrap comparisons, and
// renders them as markdown. Shared by run.mjs and report.mjs (re-rendering a saved run).
import { ARMS } from './arms.mjs';
import { renderComparisons, renderLabelTable, renderMarkdown } from './markdown-report.mjs';
import { bootstrapMedianRatio, summarize } from './summary-stats.mjs';

const METRICS = ['cpuUsPerReq', 'reqPerSec', 'p99Ms', 'rssMB', 'uploads', 'uploadKB', 'cpuUtilization'];

/** CPU/request and req/s of each arm against none, and of the SDK arms against the raw engine. */
function compareArms(records, arms) {
  const values = (arm, metric) => records.filter((r) => r.arm === arm).map((r) => r[metric]);
  const pairs = arms.filter((a) => a !== 'none').map((a) => [a, 'none']);
  if (arms.includes('raw-pprof')) {
    for (const a of arms) if (a.startsWith('kprof-sdk') || a.startsWith('pyroscope')) pairs.push([a, 'raw-pprof']);
  }
  const out = [];
  for (const metric of ['cpuUsPerReq', 'reqPerSec']) {
    for (const [arm, against] of pairs) out.push({ metric, arm, against, ...bootstrapMedianRatio(values(arm, metric), values(against, metric)) });
  }
  return out;
}

export function poolResults(records, arms) {
  const summaries = {};
  for (const arm of arms) {
    const rs = records.filter((r) => r.arm === arm);
    summaries[arm] = Object.fromEntries(METRICS.map((k) => [k, summarize(rs.map((r) => r[k]))]));
  }
  const labelTotals = {};
  for (const r of records) {
    const t = (labelTotals[r.arm] ??= { timeProfiles: 0, routeSamples: 0, labelledRight: 0, labelledWrong: 0, unlabelled: 0 });
    for (const k of Object.keys(t)) t[k] += r.routeLabels[k];
  }
  const comparisons = compareArms(records, arms);
  const armNotes = arms.map((a) => `- \`${a}\`: ${ARMS[a].about}`).join('\n');
  const markdown = [renderMarkdown(summaries, arms), renderComparisons(comparisons), renderLabelTable(labelTotals, arms), armNotes]
    .filter(Boolean).join('\n\n');
  return { summaries, labelTotals, comparisons, markdown };
}

/** First line of a report: what ran, where, how long. */
export function renderHeader(meta) {
  const o = meta.options;
  return `sdk-overhead${o.quick ? ' (QUICK smoke run — not for quoting)' : ''}${meta.complete === false ? ' (INTERRUPTED: partial)' : ''}: ${meta.startedAt}, node ${meta.node}, ` +
    `${meta.cpus}× ${meta.cpuModel}; ${o.processes} processes/arm, ${o.warmupSeconds}s warm-up + ${o.durationSeconds}s measured, ` +
    `${o.connections} connections; load avg at start ${meta.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}` +
    (meta.sdk ? `; @kprof/sdk ${meta.sdk.commit}${meta.sdk.dirty ? ' (uncommitted changes)' : ''}, dist ${meta.sdk.distDigest}` : '') +
    (meta.failures?.length ? `; ${meta.failures.length} failed process attempts` : '');
}
