// Turns pooled per-arm summaries into the markdown table printed to stdout and kept in results/.

const METRIC_NAMES = { cpuUsPerReq: 'CPU per request', reqPerSec: 'req/s' };
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const ratio = (x, base) => (Number.isFinite(x) && Number.isFinite(base) && base !== 0 ? x / base : NaN);

function cell(s, digits) {
  return `${fmt(s.median, digits)} (${fmt(s.p25, digits)}–${fmt(s.p75, digits)})`;
}
function ratioCell(s, base) {
  return `×${fmt(ratio(s.median, base.median), 2)} (${fmt(ratio(s.p25, base.median), 2)}–${fmt(ratio(s.p75, base.median), 2)})`;
}

/** summaries: { [arm]: { cpuUsPerReq, reqPerSec, p99Ms, rssMB, uploads, uploadKB } } each from summarize(). */
export function renderMarkdown(summaries, arms) {
  const base = summaries.none;
  const lines = [
    '| arm | n | CPU µs/req | CPU ×none | req/s | req/s ×none | p99 ms | p99 ×none | RSS MB | RSS −none MB | uploads in window | KB pushed in window |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const arm of arms) {
    const s = summaries[arm];
    if (!s) continue;
    lines.push([
      arm, s.cpuUsPerReq.n,
      cell(s.cpuUsPerReq, 0), ratioCell(s.cpuUsPerReq, base.cpuUsPerReq),
      cell(s.reqPerSec, 0), ratioCell(s.reqPerSec, base.reqPerSec),
      cell(s.p99Ms, 1), ratioCell(s.p99Ms, base.p99Ms),
      cell(s.rssMB, 0), `+${fmt(s.rssMB.median - base.rssMB.median, 0)}`,
      fmt(s.uploads.median, 1), fmt(s.uploadKB.median, 0),
    ].join(' | ').replace(/^/, '| ').concat(' |'));
  }
  lines.push('', 'Cells: median (p25–p75) over processes; ratios are arm quartiles ÷ the none arm\'s median.');
  return lines.join('\n');
}

/** labelTotals: { [arm]: { timeProfiles, routeSamples, labelledRight, labelledWrong, unlabelled } } summed over processes. */
export function renderLabelTable(labelTotals, arms) {
  const pct = (x, n) => (n > 0 ? `${((100 * x) / n).toFixed(1)} %` : '–');
  const rows = arms.filter((a) => labelTotals[a]?.timeProfiles > 0).map((a) => {
    const t = labelTotals[a];
    return `| ${a} | ${t.timeProfiles} | ${t.routeSamples} | ${pct(t.labelledRight, t.routeSamples)} | ` +
      `${pct(t.labelledWrong, t.routeSamples)} | ${pct(t.unlabelled, t.routeSamples)} |`;
  });
  if (rows.length === 0) return '';
  return ['Route labels in the pushed time profiles (samples under renderUser/renderOrder, all processes):', '',
    '| arm | time profiles | route samples | right route label | other route\'s label | no route label |',
    '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** comparisons: [{ arm, against, metric, ratio, low, high }] → one line each. */
export function renderComparisons(comparisons) {
  if (comparisons.length === 0) return '';
  return ['Ratios of medians with 95 % bootstrap intervals (processes resampled):', '',
    ...comparisons.map((c) => `- ${METRIC_NAMES[c.metric] ?? c.metric}: ${c.arm} / ${c.against} = ×${fmt(c.ratio, 3)} (${fmt(c.low, 3)}–${fmt(c.high, 3)})`)].join('\n');
}
