// The work the demo's routes do: one function that burns CPU and one that keeps memory alive,
// named so they are easy to find in a flamegraph.
import { createHash } from 'node:crypto';

/** Burns CPU for about `ms` milliseconds with repeated hashing; returns a digest so it cannot be optimised away. */
export function burnCpu(ms: number): string {
  const until = performance.now() + ms;
  let digest = 'kprof';
  while (performance.now() < until) {
    for (let i = 0; i < 200; i++) digest = createHash('sha256').update(digest).digest('hex');
  }
  return digest;
}

/** Parses and re-serialises JSON, a second CPU-bound shape that shows up beside burnCpu. */
export function renderReport(rows: number): number {
  const data = Array.from({ length: rows }, (_, i) => ({ id: i, name: `user-${i}`, score: (i * 7919) % 1000 }));
  return JSON.stringify(JSON.parse(JSON.stringify(data))).length;
}

// JS objects, not Buffers: a Buffer's bytes live outside the V8 heap, where the heap profiler does not sample.
const retained: Array<Array<{ id: number; payload: string }>> = [];
const MAX_RETAINED_KIB = 16 * 1024;
let sequence = 0;

/** Allocates about `kib` KiB of small records and keeps the most recent 16 MiB alive (a bounded cache). */
export function retainRecords(kib: number): number {
  for (let i = 0; i < kib; i++) retained.push(recordBatch());
  if (retained.length > MAX_RETAINED_KIB) retained.splice(0, retained.length - MAX_RETAINED_KIB);
  return retained.length;
}

/** One KiB or so of records: the allocation site the heap profile shows. */
function recordBatch(): Array<{ id: number; payload: string }> {
  const batch = new Array<{ id: number; payload: string }>(16);
  for (let j = 0; j < batch.length; j++) batch[j] = { id: j, payload: `record-${sequence++}-${j}` };
  return batch;
}
