import type { FlameData } from './flamebearer.js';

/** Per-function sums over every frame with that name. */
export interface FunctionStat {
  name: string;
  self: number;
  /** Counted once per stack even when the function recurses. */
  total: number;
  leftSelf: number;
  leftTotal: number;
  rightSelf: number;
  rightTotal: number;
}

/** Aggregates frames by function name (the root `total` row is left out). */
export function functionStats(data: FlameData): FunctionStat[] {
  const n = data.name.length;
  const byName = new Map<number, FunctionStat>();
  const firstRowEnd = data.rowStart[1] ?? n;
  for (let i = firstRowEnd; i < n; i++) {
    const idx = data.name[i] as number;
    let s = byName.get(idx);
    if (!s) {
      s = { name: data.names[idx] as string, self: 0, total: 0, leftSelf: 0, leftTotal: 0, rightSelf: 0, rightTotal: 0 };
      byName.set(idx, s);
    }
    s.self += data.self[i] as number;
    if (data.diff) {
      s.leftSelf += data.leftSelf[i] as number;
      s.rightSelf += data.rightSelf[i] as number;
    }
    // Count total only at the outermost frame of a recursive run.
    let p = data.parent[i] as number;
    let recursive = false;
    while (p >= 0) {
      if (data.name[p] === idx) { recursive = true; break; }
      p = data.parent[p] as number;
    }
    if (recursive) continue;
    s.total += data.total[i] as number;
    if (data.diff) {
      s.leftTotal += data.leftTotal[i] as number;
      s.rightTotal += data.rightTotal[i] as number;
    }
  }
  return [...byName.values()];
}
