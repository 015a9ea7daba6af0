import type { RollupLevel } from './rollup-levels.js';

/** How to read one series over [fromMs, untilMs): rollup buckets plus raw time ranges. */
export interface MergePlan {
  /** Rollup buckets to read; each lies fully inside the range and they never overlap. */
  readonly rollups: { readonly level: number; readonly bucketStart: number }[];
  /** Half-open [from, until) ranges to read raw profiles from, ascending, disjoint from the buckets. */
  readonly raw: [number, number][];
}

/**
 * Plans an exact merge of [fromMs, untilMs): the coarsest available rollup buckets that fit
 * fully inside the range, finer levels for what they leave, raw profiles for the ragged edges
 * and for buckets with no rollup. Every instant of the range is covered exactly once, so the
 * merged totals equal a merge of the raw profiles. `levels` are coarsest first and nest;
 * `has(level, bucketStart)` says whether a usable rollup exists.
 */
export function planMerge(
  fromMs: number,
  untilMs: number,
  levels: readonly RollupLevel[],
  has: (level: number, bucketStart: number) => boolean,
): MergePlan {
  const rollups: { level: number; bucketStart: number }[] = [];
  const raw: [number, number][] = [];
  const addRaw = (a: number, b: number): void => {
    const last = raw[raw.length - 1];
    if (last !== undefined && last[1] === a) last[1] = b;
    else raw.push([a, b]);
  };
  const cover = (a: number, b: number, i: number): void => {
    if (a >= b) return;
    const level = levels[i];
    if (level === undefined) return addRaw(a, b);
    const size = level.sizeMs;
    // Buckets start at multiples of the size; only non-negative ones are ever built.
    const first = Math.max(0, Math.ceil(a / size) * size);
    const last = Math.floor(b / size) * size;
    if (first >= last) return cover(a, b, i + 1);
    cover(a, first, i + 1);
    let gapStart = first;
    for (let t = first; t < last; t += size) {
      if (!has(level.level, t)) continue;
      cover(gapStart, t, i + 1);
      rollups.push({ level: level.level, bucketStart: t });
      gapStart = t + size;
    }
    cover(gapStart, b, i + 1);
  };
  cover(fromMs, untilMs, 0);
  return { rollups, raw };
}
