// Reads the UI's own User Timing measures (`kprof:<interaction>` and `kprof:<interaction>:frame`,
// recorded by ui/src/interaction-timing.ts) from a Playwright page.
//
// Without polling: an init script observes the measures and logs each `:frame` one to the
// console, which reaches the benchmark over the DevTools protocol without running anything in
// the page. (Polling with waitForFunction evaluated Playwright's injected script on the page's
// main thread while the page was still loading — ~10 ms of compile and run inside the very
// interval being measured.) The values are read with one evaluate once the measure exists.

const OBSERVER = `new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.name.startsWith('kprof:') && e.name.endsWith(':frame')) console.debug('kprof-measure ' + e.name);
}).observe({ type: 'measure' });`;

/** Installs the measure observer in every page `context` opens from now on. */
export async function observeMeasures(context) {
  await context.addInitScript(OBSERVER);
}

/**
 * Starts waiting (up to `timeoutMs`) for the next `kprof:<name>:frame`; call it before the
 * interaction, await the result after. Resolves to both durations in ms: `sync` (until the
 * canvas and DOM were updated) and `frame` (until after the next frame); for `load-to-paint`
 * and `query-to-paint` also `fetch`, how long the view waited for the `/render` answer.
 */
export function nextMeasure(page, name, timeoutMs = 30_000) {
  const logged = page.waitForEvent('console', { predicate: (msg) => msg.text() === `kprof-measure kprof:${name}:frame`, timeout: timeoutMs });
  return logged.then(() => page.evaluate((n) => {
    const frame = performance.getEntriesByName(`kprof:${n}:frame`, 'measure').at(-1);
    const sync = performance.getEntriesByName(`kprof:${n}`, 'measure').at(-1);
    const fetchMs = Number(document.querySelector('section.flamegraph')?.dataset.fetchMs);
    return { sync: sync?.duration, frame: frame.duration, fetch: n.endsWith('-to-paint') && Number.isFinite(fetchMs) ? fetchMs : undefined };
  }, name));
}
