// Markdown summary of one scrape-scale run.
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const cores = (c) => c.toFixed(3);

export function renderMarkdown(r) {
  const o = r.options;
  const row = (name, w) => `| ${name} | ${cores(w.meanCores)} | ${cores(w.p95Cores)} | ${cores(w.maxCores)} | ${mib(w.peakRssBytes)} | ${mib(w.hwmBytes)} |`;
  const m = r.scrapeMetrics;
  const lines = [
    `# scrape-scale ${r.startedAt}${o.quick ? ' (quick)' : ''}`,
    '',
    `${o.targets} targets × cpu + mem every ${o.intervalSeconds} s; ${o.warmupSeconds} s warm-up, ${o.durationSeconds} s measured.`,
    `Machine: ${r.machine.cpus} × ${r.machine.model}, load average at end ${r.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}, Node ${r.machine.node}.`,
    '',
    '| process | CPU mean (cores) | CPU p95 (1 s) | CPU max (1 s) | peak RSS (sampled) | VmHWM |',
    '|---|---|---|---|---|---|',
    row('server-lite, scraping', r.serverLite),
    row('server-lite, zero targets (idle)', r.idleServerLite),
    row('target fleet (1 Node process)', r.targetFleet),
    '',
    `server-lite RSS every 30 s (MiB): ${(r.serverLiteTimeline ?? []).map((t) => t.rssMiB).join(', ')}.`,
    '',
    `Targets: cpu profiles ${r.profileSizes.cpu.join('/')} B, heap ${r.profileSizes.heap.join('/')} B gzipped (as captured, scaled per target).`,
    '',
    `Expected scrapes per profile in the window: ${r.expectedScrapesPerProfile.toFixed(0)}; the targets saw cpu ${r.targetsSaw.cpu}, heap ${r.targetsSaw.heap} requests (${r.targetsSaw.aborted} aborted by the client, ${r.targetsSaw.notFound} 404).`,
    `Seen from the targets: ${r.targetsSaw.missedSlots} missed slots (gap ≥ 1.5 intervals) and ${r.targetsSaw.late} late requests (gap > interval + 10 %, min 1 s) between consecutive requests of one target and profile; longest gap ${(r.targetsSaw.maxGapMs / 1000).toFixed(2)} s.`,
    `server-lite counted ${m.successes} successful and ${m.failures} failed scrapes (kprof_scrape_total) against ${(2 * r.expectedScrapesPerProfile).toFixed(0)} slots.`,
    // kprof_scrape_missed_total{job,reason} gets a series on its first increment: no series means none counted.
    `Missed scrapes (server-lite's kprof_scrape_missed_total${m.missedSeries.length ? `: ${m.missedSeries.join(', ')}` : ', no series: nothing counted'}): **${m.missedOrLate}**.`,
    `Target health at end: ${JSON.stringify(r.health.byHealth)} of ${r.health.active} active (${JSON.stringify(r.health.byProfile)}); ${r.health.withError} with lastError${r.health.topErrors.length ? `: ${r.health.topErrors.map(([e, n]) => `${n}× ${e}`).join('; ')}` : ''}.`,
    '',
    '<details><summary>kprof_scrape_* over the window</summary>',
    '',
    '```',
    ...Object.entries(m.series).map(([k, v]) => `${k} ${v}`),
    '```',
    '</details>',
    '',
  ];
  return lines.join('\n');
}
