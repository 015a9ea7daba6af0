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
 * 8,640 raw blobs. A 1-minute level was left out: it would merge only 6 profiles while its blobs
 * (the union of their stacks) cost more disk than it saves time. The sizes are baked into the
 * schema's triggers: changing them needs a schema migration.
 */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { level: 2, sizeMs: 3_600_000 },
  { level: 1, sizeMs: 600_000 },
];
