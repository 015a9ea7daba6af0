import { describe, expect, it } from 'vitest';
import type { RollupLevel } from './rollup-levels.js';
import { planMerge } from './rollup-plan.js';

const H = 3_600_000;
const M10 = 600_000;
// The planner takes any nested levels; three of them exercise its fallbacks (the store keeps day
// and hour, rollup-levels.ts).
const levels: readonly RollupLevel[] = [
  { level: 3, sizeMs: 24 * H },
  { level: 2, sizeMs: H },
  { level: 1, sizeMs: M10 },
];

// Which level covers each 10 s slot of the range (raw = 0), to check exact-once coverage.
function coverage(from: number, until: number, plan: ReturnType<typeof planMerge>): Map<number, number> {
  const by = new Map<number, number>();
  const mark = (a: number, b: number, level: number): void => {
    for (let t = a; t < b; t += 10_000) {
      expect(by.has(t), `slot ${t} covered twice`).toBe(false);
      by.set(t, level);
    }
  };
  for (const r of plan.rollups) mark(r.bucketStart, r.bucketStart + levels.find((l) => l.level === r.level)!.sizeMs, r.level);
  for (const [a, b] of plan.raw) mark(a, b, 0);
  for (let t = from; t < until; t += 10_000) expect(by.has(t), `slot ${t} not covered`).toBe(true);
  expect(by.size).toBe((until - from) / 10_000);
  return by;
}

describe('planMerge', () => {
  const base = 1_000 * H;
  it.each([
    { name: 'inside one 10-min bucket', from: base + 10_000, until: base + 300_000, rollups: 0 },
    { name: 'exactly one 10-min bucket', from: base, until: base + M10, rollups: 1 },
    { name: 'exactly one hour', from: base, until: base + H, rollups: 1 },
    { name: 'ragged 1 h', from: base + 130_000, until: base + H + 130_000, rollups: 5 },
    { name: 'ragged 24 h', from: base + 130_000, until: base + 24 * H + 130_000, rollups: 23 + 5 },
    { name: 'starts on a boundary, ends inside', from: base, until: base + 2 * H + 70_000, rollups: 2 },
  ])('$name: every slot once, $rollups buckets', ({ from, until, rollups }) => {
    const plan = planMerge(from, until, levels, () => true);
    coverage(from, until, plan);
    expect(plan.rollups).toHaveLength(rollups);
  });

  it('falls back to finer levels and raw where rollups are missing', () => {
    const from = base;
    const until = base + 3 * H;
    // Hour 1 has no hour rollup; its third 10-min bucket has none either.
    const plan = planMerge(from, until, levels, (level, t) => !(level === 2 && t === base + H) && !(level === 1 && t === base + H + 2 * M10));
    const by = coverage(from, until, plan);
    expect(by.get(base)).toBe(2);
    expect(by.get(base + H)).toBe(1);
    expect(by.get(base + H + 2 * M10)).toBe(0);
    expect(by.get(base + H + 3 * M10)).toBe(1);
    expect(plan.raw).toEqual([[base + H + 2 * M10, base + H + 3 * M10]]);
  });

  it('uses raw only when no rollup exists, as one range', () => {
    expect(planMerge(base + 5, base + 5 * H, levels, () => false)).toEqual({ rollups: [], raw: [[base + 5, base + 5 * H]] });
  });
});
