// Markdown summary of one scrape-scale run.
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const cores = (c) => c.toFixed(3);

export function renderMarkdown(r) {
  const o = r.options;
  const row = (name, w) => `| ${name} | ${cores(w.meanCores)} | ${cores(w.p95Cores)} | ${cores(w.maxCores)} | ${mib(w.peakRssBytes)} | ${mib(w.hwmBytes)} |`;
  const m = r.scrapeMetrics;
  const h = r.health;
  const lines = [
    `# scrape-scale ${r.startedAt}${o.quick ? ' (quick)' : ''}`,
    '',
    `${o.targets} targets × cpu + mem every ${o.intervalSeconds} s; ${o.warmupSeconds} s warm-up, ${o.durationSeconds} s measured.`,
    `Machine: ${r.machine.cpus} × ${r.machine.model}, load average (1/5/15 min) before the run ${r.machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}, at the window's start ${r.machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at its end ${r.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}, Node ${r.machine.node}.`,
    '',
    '| process | CPU mean (cores) | CPU p95 (1 s) | CPU max (1 s) | peak RSS (sampled) | VmHWM |',
    '|---|---|---|---|---|---|',
    row('server-lite, scraping', r.serverLite),
    row('server-lite, zero targets (idle)', r.idleServerLite),
    row('target fleet (1 Node process)', r.targetFleet),
    '',
    `server-lite RSS every 30 s (MiB): ${(r.serverLiteTimeline ?? []).map((t) => t.rssMiB).join(', ')}.`,
    `Late / missed slots so far, every 30 s: ${(r.serverLiteTimeline ?? []).map((t) => `${t.late}/${t.missed}`).join(', ')}; 1-min load average: ${(r.serverLiteTimeline ?? []).map((t) => t.load1.toFixed(1)).join(', ')}.`,
    '',
    `Targets: cpu profiles ${r.profileSizes.cpu.join('/')} B, heap ${r.profileSizes.heap.join('/')} B gzipped (as captured, scaled per target).`,
    '',
    `Expected scrapes per profile in the window: ${r.expectedScrapesPerProfile.toFixed(0)}; the targets saw cpu ${r.targetsSaw.cpu}, heap ${r.targetsSaw.heap} requests (${r.targetsSaw.aborted} aborted by the client, ${r.targetsSaw.notFound} 404).`,
    `Seen from the targets: ${r.targetsSaw.missedSlots} missed slots (gap ≥ 1.5 intervals) and ${r.targetsSaw.late} late requests (gap > interval + 10 %, min 1 s) between consecutive requests of one target and profile; longest gap ${(r.targetsSaw.maxGapMs / 1000).toFixed(2)} s.`,
    `server-lite counted ${m.successes} successful and ${m.failures} failed scrapes (kprof_scrape_total) against ${(2 * r.expectedScrapesPerProfile).toFixed(0)} slots.`,
    `server-lite's slots in the window (kprof_scrape_slots_total): **${m.slots.onTime} on time, ${m.slots.late} late, ${m.slots.missed} missed**${m.slots.missed ? ` (kprof_scrape_missed_total by reason: ${JSON.stringify(m.missedByReason)})` : ''}; store write errors: ${m.storeErrors.retry} retried, ${m.storeErrors.drop} dropped.`,
    `Per target since start, warm-up included (/api/v1/targets slots): ${h.slots.due} due, ${h.slots.onTime} on time, ${h.slots.late} late, ${h.slots.missed} missed${h.slots.missed ? ` ${JSON.stringify(h.slots.missedByReason)}` : ''}; ${h.targetsWithLate} targets with a late slot, ${h.targetsWithMissed} with a missed one; ${h.droppedProfiles} profiles dropped by the store.`,
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
