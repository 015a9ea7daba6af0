// Reads the UI's own User Timing measures (`kprof:<interaction>` and `kprof:<interaction>:frame`,
// recorded by ui/src/interaction-timing.ts) from a Playwright page.

/** Clears every kprof:* measure so the next read sees only the coming interaction. */
export async function clearMeasures(page) {
  await page.evaluate(() => {
    for (const e of performance.getEntriesByType('measure')) if (e.name.startsWith('kprof:')) performance.clearMeasures(e.name);
  });
}

/**
 * Waits (up to `timeoutMs`) for `kprof:<name>:frame` and returns both durations in ms:
 * `sync` (until the canvas and DOM were updated) and `frame` (until after the next frame); for
 * `load-to-paint` and `query-to-paint` also `fetch`, the part spent on the `/render` request.
 */
export async function readMeasure(page, name, timeoutMs = 30_000) {
  const handle = await page.waitForFunction((n) => {
    const frame = performance.getEntriesByName(`kprof:${n}:frame`, 'measure')[0];
    const sync = performance.getEntriesByName(`kprof:${n}`, 'measure')[0];
    if (!frame || !sync) return null;
    // For load and query changes, how much of it was the /render request (set by main.ts).
    const fetchMs = Number(document.querySelector('section.flamegraph')?.dataset.fetchMs);
    return { sync: sync.duration, frame: frame.duration, fetch: n.endsWith('-to-paint') && Number.isFinite(fetchMs) ? fetchMs : undefined };
  }, name, { timeout: timeoutMs, polling: 10 });
  return handle.jsonValue();
}
