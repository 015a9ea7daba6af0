/** One rollup level: profiles of a series pre-merged per aligned bucket of `sizeMs`. */
export interface RollupLevel {
  /** Stored in `rollups.level`; never reused for another size. */
  readonly level: number;
  /** Bucket width, ms; buckets start at multiples of it (unix epoch aligned). */
  readonly sizeMs: number;
}

/**
 * Rollup levels, coarsest first; each size divides the next coarser one so buckets nest. An hour
 * holds 360 profiles of a 10 s pusher: a 24 h query merges ~23 hour rollups and at most ~2 × 59
 * minutes of raw profiles at the ragged edges, instead of 8,640 raw blobs; a 30-day one merges
 * one day rollup per series and daily block. Rollups are per row group (all sample types of a
 * label set in one blob). A 10-minute level was dropped in block schema v6: on heavy profiles
 * (a 300-handler Node service's wall profiles, where stacks differ a lot from one profile to the
 * next) its rollups added 30 % to the raw blobs' bytes (a 10-minute rollup ≈ 18 raw ones) while
 * an hour's 1 h-range merge reads only 360 raw blobs per group without it. The sizes are baked
 * into each block's triggers (block-schema.ts) and recorded in its meta.
 */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { level: 3, sizeMs: 86_400_000 },
  { level: 2, sizeMs: 3_600_000 },
];

/**
 * The levels a block of `windowMs` keeps: those whose buckets tile its window (a bucket wider than
 * the block, or one straddling its edge, never lies inside it, so its rollup would never be read). The day level lets a 30-day
 * query merge one rollup per series and daily block instead of 24.
 */
export function rollupLevelsFor(windowMs: number): readonly RollupLevel[] {
  return ROLLUP_LEVELS.filter((l) => l.sizeMs <= windowMs && windowMs % l.sizeMs === 0);
}
