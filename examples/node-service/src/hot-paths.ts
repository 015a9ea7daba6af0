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

const retained: Buffer[] = [];
const MAX_RETAINED = 4096;

/** Allocates `kib` KiB in 1 KiB buffers and keeps the most recent ones alive (a bounded cache). */
export function retainBuffers(kib: number): number {
  for (let i = 0; i < kib; i++) retained.push(Buffer.alloc(1024, i));
  if (retained.length > MAX_RETAINED) retained.splice(0, retained.length - MAX_RETAINED);
  return retained.length;
}
