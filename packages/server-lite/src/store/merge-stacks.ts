import type { QueryBudget } from './query-budget.js';
import type { RollupStore, SeriesPoints } from './rollup-store.js';

/** One stored profile's place in a series, for timelines. */
export interface ProfilePoint {
  readonly seriesId: number;
  readonly timeMs: number;
  readonly total: number;
}

/** Merged stacks of a selection: dense arrays indexed by stack id. */
export interface MergedStacks {
  /** Stack ids with a non-zero value. */
  readonly stackIds: number[];
  /** Value per stack id (only `stackIds` entries are meaningful); use {@link mergedValue}. */
  readonly values: MergedValues;
  readonly points: ProfilePoint[];
  readonly profileCount: number;
  /** Pre-merged rollup blobs read (each stands for many profiles). */
  readonly rollupBlobs?: number;
  /** Raw profile blobs read. */
  readonly rawBlobs?: number;
}

/** Merged values by stack id: a dense array, or a map for very large tries. */
export type MergedValues = Float64Array | Map<number, number>;

/** Reads one stack's merged value. */
export function mergedValue(values: MergedValues, stackId: number): number {
  return values instanceof Float64Array ? values[stackId]! : (values.get(stackId) ?? 0);
}

// Tries up to this many nodes are merged into a dense array (32 MiB at the limit).
export const DENSE_MERGE_MAX_STACKS = 4_000_000;

/** Bounds and sizes of one {@link mergeSeriesStacks}. */
export interface MergeOptions {
readonly fromMs: number;
readonly untilMs: number;
/** What the query may still read; shared by every block it reads. */
readonly budget: QueryBudget;
/** Stack ids are below this (the trie's node count). */
readonly stackCount: number;
/** Tries up to this many nodes merge into a dense array; bigger ones use a map. */
readonly denseMaxStacks: number;
}

/**
 * Sums the samples of every profile of `seriesIds` starting in [fromMs, untilMs): pre-merged
 * rollups for whole buckets inside the range, raw profiles elsewhere (the same result as
 * merging every raw profile). Takes points and blobs from `budget` before reading them (it
 * throws past its limits). Runs inside the caller's read transaction.
 */
export function mergeSeriesStacks(rollups: RollupStore, seriesIds: readonly number[], opts: MergeOptions): MergedStacks & { rollupBlobs: number; rawBlobs: number } {
  const { fromMs, untilMs, budget } = opts;
  const bySeries: [number, SeriesPoints][] = [];
  for (const id of seriesIds) {
    const pts = rollups.points(id, fromMs, untilMs);
    budget.takePoints(pts.times.length);
    bySeries.push([id, pts]);
  }
  const stackIds: number[] = [];
  const points: ProfilePoint[] = [];
  // A dense array indexed by stack id is fastest, but with a huge trie (8 bytes per node per
  // query) a map of only the touched stacks is kinder to memory.
  const dense = opts.stackCount <= opts.denseMaxStacks;
  const values: MergedValues = dense ? new Float64Array(opts.stackCount) : new Map<number, number>();
  const add =
    values instanceof Float64Array
      ? (id: number, v: number): void => {
          if (values[id] === 0) stackIds.push(id);
          values[id] = values[id]! + v;
        }
      : (id: number, v: number): void => {
          const prev = values.get(id);
          if (prev === undefined) stackIds.push(id);
          values.set(id, (prev ?? 0) + v);
        };
  let rollupBlobs = 0;
  let rawBlobs = 0;
  for (const [seriesId, pts] of bySeries) {
    const n = rollups.mergeSeries(seriesId, fromMs, untilMs, pts, add, budget);
    rollupBlobs += n.rollupBlobs;
    rawBlobs += n.rawBlobs;
    for (let i = 0; i < pts.times.length; i++) points.push({ seriesId, timeMs: pts.times[i]!, total: pts.totals[i]! });
  }
  return { stackIds, values, points, profileCount: points.length, rollupBlobs, rawBlobs };
}
