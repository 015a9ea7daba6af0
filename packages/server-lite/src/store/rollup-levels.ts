/** One rollup level: profiles of a series pre-merged per aligned bucket of `sizeMs`. */
export interface RollupLevel {
  /** Stored in `rollups.level`; never reused for another size. */
  readonly level: number;
  /** Bucket width, ms; buckets start at multiples of it (unix epoch aligned). */
  readonly sizeMs: number;
}

/**
 * Rollup levels, coarsest first; each size divides the next coarser one so buckets nest.
 * 10 min holds 60 profiles of a 10 s pusher, 1 h holds 6 of those: a 24 h query merges ~23 hour
 * rollups, a few 10-minute ones and at most ~2 × 59 raw profiles at the ragged edges, instead of
 * 8,640 raw blobs. Measured (bench/server-query, real Node and Go profiles): a 10-minute rollup
 * blob is ~4× a raw one and replaces 60 of them (+7 % blob bytes), an hour one ~4.5× (+1 %). A
 * 1-minute level would replace only 6 raw blobs per rollup, so it would cost several times more
 * disk per blob saved; it was left out. The sizes are baked into the schema's triggers: changing
 * them needs a schema migration.
 */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { level: 3, sizeMs: 86_400_000 },
  { level: 2, sizeMs: 3_600_000 },
  { level: 1, sizeMs: 600_000 },
];

/**
 * The levels a block of `windowMs` keeps: those whose buckets tile its window (a bucket wider than
 * the block, or one straddling its edge, never lies inside it, so its rollup would never be read). The day level lets a 30-day
 * query merge one rollup per series and daily block instead of 24.
 */
export function rollupLevelsFor(windowMs: number): readonly RollupLevel[] {
  return ROLLUP_LEVELS.filter((l) => l.sizeMs <= windowMs && windowMs % l.sizeMs === 0);
}
