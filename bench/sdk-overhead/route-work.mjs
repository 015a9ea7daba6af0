// The CPU work one bench request does: build a JSON document, serialise it, hash it, parse it
// back. Calibrated (iterations) to roughly 1.3 ms of CPU per request on the bench machine, the
// route cost the reference figures were measured with.
import { createHash } from 'node:crypto';

/** Default number of build→stringify→hash→parse rounds; ~1.3 ms CPU on a 2-core AMD EPYC VM. */
export const DEFAULT_WORK_ITERATIONS = 30;

function buildDocument(id, round) {
  const items = [];
  for (let i = 0; i < 40; i++) {
    items.push({ id: id * 1000 + i, name: `item-${round}-${i}`, tags: ['a', 'b', String(i % 7)], score: (i * 37) % 101 });
  }
  return { id, round, items };
}

/** Runs the route's CPU work and returns a small summary (so nothing is optimised away). */
export function doRouteWork(id, iterations) {
  let digest = '';
  let count = 0;
  for (let r = 0; r < iterations; r++) {
    const text = JSON.stringify(buildDocument(id, r));
    digest = createHash('sha256').update(text).update(digest).digest('hex');
    count += JSON.parse(text).items.length;
  }
  return { id, digest, count };
}

// One entry point per route, so a profile shows which route a sample came from by its stack and
// the bench can check the route label the profiler attached to it (label-check.mjs).
export function renderUser(id, iterations) { return doRouteWork(id, iterations); }
export function renderOrder(id, iterations) { return doRouteWork(id, iterations); }
