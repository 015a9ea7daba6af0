/**
 * What the UI times with User Timing measures named `kprof:<interaction>`. `*-to-paint` ends
 * when the flamegraph is drawn; `*-to-table` when the functions table, filled in the task after
 * the flamegraph's frame, is too.
 */
export type Interaction = 'load-to-paint' | 'query-to-paint' | 'load-to-table' | 'query-to-table' | 'zoom' | 'search';

/** Runs `fn` in the first task after the next animation frame, i.e. once the browser has painted. */
export function afterNextPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

/**
 * Records two User Timing measures for an interaction that started at `startMs` (the
 * `performance.now()` time base, e.g. an event's `timeStamp`; 0 = navigation start):
 * `kprof:<name>` ends now, once the canvas is drawn and the DOM updated synchronously;
 * `kprof:<name>:frame` ends in the first task after the next animation frame, when the browser
 * has painted it. Only the latest pair per name is kept, so a long session does not pile them up.
 * Read them with `performance.getEntriesByName('kprof:zoom')` (the UI benchmark does).
 */
export function measureInteraction(name: Interaction, startMs: number): void {
  const sync = `kprof:${name}`;
  const frame = `${sync}:frame`;
  performance.clearMeasures(sync);
  performance.measure(sync, { start: startMs, end: performance.now() });
  afterNextPaint(() => {
    performance.clearMeasures(frame);
    performance.measure(frame, { start: startMs, end: performance.now() });
  });
}
