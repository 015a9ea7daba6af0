/** What the UI times with User Timing measures named `kprof:<interaction>`. */
export type Interaction = 'load-to-paint' | 'query-to-paint' | 'zoom' | 'search';

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
  requestAnimationFrame(() => setTimeout(() => {
    performance.clearMeasures(frame);
    performance.measure(frame, { start: startMs, end: performance.now() });
  }, 0));
}
