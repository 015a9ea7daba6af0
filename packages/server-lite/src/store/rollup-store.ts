import type Database from 'better-sqlite3';
import { InternalError, KprofError } from '../errors.js';
import { ROLLUP_LEVELS, type RollupLevel } from './rollup-levels.js';
import { planMerge } from './rollup-plan.js';
import type { QueryBudget } from './query-budget.js';
import { decodeColumn, encodeColumns, encodeMoreTotals, INLINE_TOTALS, moreTotal } from './column-blob.js';
import { StackSums } from './stack-sums.js';
import { packBlob, unpackBlob } from './blob-packing.js';

/** Start time and total of every profile of one series in a range, ascending by time. */
export interface SeriesPoints {
  readonly times: number[];
  readonly totals: number[];
}

/**
 * Where a series' profiles are stored: `[group id, column]` per row group that holds it (one
 * usually; more when its client changed the set of sample types it sends).
 */
export type SeriesPlaces = (seriesId: number) => readonly (readonly [number, number])[];

/** Blobs one merge read. */
export interface BlobCounts {
  /** Rollup blobs merged. */
  rollupBlobs: number;
  /** Raw profile blobs merged. */
  rawBlobs: number;
}

/** Cumulative counters of rollup upkeep, for tests and benchmarks. */
export interface RollupStats {
  /** Rollups ignored because their profile count or total no longer matched the raw profiles. */
  staleRollups: number;
  /** Rollups written. */
  rollupsBuilt: number;
  /** Buckets whose build failed (e.g. a damaged blob); they are dequeued and read raw. */
  failedBuilds: number;
}

/** Options for {@link RollupStore.buildPending}. */
export interface BuildOptions {
  /** A bucket is built once its end is this far in the past, ms. Default 60,000. */
  readonly settleMs?: number;
  /** Stop after this much wall time, ms (at least one bucket is built). Default 100. */
  readonly budgetMs?: number;
}

/** What one {@link RollupStore.buildPending} call did. */
export interface BuildResult {
  /** Buckets processed (rollups written, or dropped because the bucket is empty). */
  readonly built: number;
  /** True when settled buckets are still queued (the budget ran out). */
  readonly more: boolean;
  /** The first error of a bucket that could not be built (it was dequeued; queries read it raw). */
  readonly error?: unknown;
}

const DEFAULT_SETTLE_MS = 60_000;
const DEFAULT_BUDGET_MS = 100;
const PENDING_CHUNK = 64;

// A row of totals as the statements return them: total, total_1, total_2, total_3, more_totals
// from `offset` on (see block-schema.ts).
type TotalsRow = readonly (number | Buffer | null)[];

/**
 * Rollup reads and builds on a block's database. A rollup is the merge of one row group's
 * profiles in one aligned bucket, every column (sample type) at once as in a profile row
 * (column-blob.ts), stored with the profile count and each column's total. Exactness rests on
 * three things: the schema's triggers drop a bucket's rollup in the same transaction that inserts
 * or deletes any of its profiles; a build reads and writes in one transaction; and every read
 * checks a rollup's count and column total against the profiles' (group, time, totals) index
 * and ignores it on mismatch. A series is a column of one or more groups.
 */
export class RollupStore {
  readonly stats: RollupStats = { staleRollups: 0, rollupsBuilt: 0, failedBuilds: 0 };
  readonly #db: Database.Database;
  readonly #levels: readonly RollupLevel[];
  readonly #sizeByLevel: Map<number, number>;
  #prepared: ReturnType<typeof prepare> | undefined;
  readonly #places: SeriesPlaces;
  readonly #groupWidth: (groupId: number) => number;

  /** `groupWidth(g)`: columns of row group `g` (0 when unknown). */
  constructor(db: Database.Database, places: SeriesPlaces, groupWidth: (groupId: number) => number, levels: readonly RollupLevel[] = ROLLUP_LEVELS) {
    this.#db = db;
    this.#places = places;
    this.#groupWidth = groupWidth;
    this.#levels = levels;
    this.#sizeByLevel = new Map(levels.map((l) => [l.level, l.sizeMs]));
  }

  // Prepared on first use: a single-file database of kprof 0.1 is only read row by row and has
  // another rollup table.
  get #stmts(): ReturnType<typeof prepare> {
    return (this.#prepared ??= prepare(this.#db));
  }

  /** Start time and total of each profile of `seriesId` starting in [fromMs, untilMs), from the covering index. */
  points(seriesId: number, fromMs: number, untilMs: number): SeriesPoints {
    const places = this.#places(seriesId);
    if (places.length === 1) return this.#groupPoints(places[0]![0], places[0]![1], fromMs, untilMs);
    // Several groups: merge their points by time (stable, so ties keep group order).
    const parts = places.map(([groupId, col]) => this.#groupPoints(groupId, col, fromMs, untilMs));
    const order: [number, number][] = [];
    parts.forEach((part, p) => part.times.forEach((_t, i) => order.push([p, i])));
    order.sort((a, b) => parts[a[0]]!.times[a[1]]! - parts[b[0]]!.times[b[1]]!);
    return { times: order.map(([p, i]) => parts[p]!.times[i]!), totals: order.map(([p, i]) => parts[p]!.totals[i]!) };
  }

  #groupPoints(groupId: number, col: number, fromMs: number, untilMs: number): SeriesPoints {
    // all() rather than iterate(): one native call instead of one per row, 3–5× faster here,
    // and the rows are a few small values each.
    // The column's own total column: no blob is read (better-sqlite3 copies every blob it returns).
    const inline = col < INLINE_TOTALS;
    const rows = (inline ? this.#stmts.points[col]! : this.#stmts.pointsMore).all(groupId, fromMs, untilMs) as [number, number | Buffer | null][];
    const times = new Array<number>(rows.length);
    const totals = new Array<number>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      times[i] = r[0];
      totals[i] = checkedTotal(inline ? r[1] : moreTotal(r[1] as Buffer | null, col), groupId, col);
    }
    return { times, totals };
  }

  /**
   * Adds every sample of `seriesId`'s profiles in [fromMs, untilMs) to `add`, reading rollups of
   * `levels` (default all) where they fit and match the profiles (`points`: the same range's),
   * raw blobs elsewhere. Takes the blobs of each group from `budget` before reading them.
   * Returns how many blobs of each kind it read.
   */
  mergeSeries(
    seriesId: number,
    fromMs: number,
    untilMs: number,
    points: SeriesPoints,
    add: (stackId: number, value: number) => void,
    budget: QueryBudget,
    levels: readonly RollupLevel[] = this.#levels,
  ): BlobCounts {
    const counts: BlobCounts = { rollupBlobs: 0, rawBlobs: 0 };
    const places = this.#places(seriesId);
    for (const [groupId, col] of places) {
      const pts = places.length === 1 ? points : this.#groupPoints(groupId, col, fromMs, untilMs);
      if (pts.times.length === 0) continue;
      const prefix = prefixSums(pts.totals);
      const usable = this.#usableRollups(groupId, fromMs, untilMs, levels, pts.times, (row, lo, hi) => prefix[hi]! - prefix[lo]! === columnTotal(row, 0, col, groupId));
      const plan = planMerge(fromMs, untilMs, levels, (level, t) => usable.has(`${level}:${t}`));
      let reads = plan.rollups.length;
      for (const [a, b] of plan.raw) reads += lowerBound(pts.times, b) - lowerBound(pts.times, a);
      budget.takeProfiles(reads);
      for (const r of plan.rollups) {
        const row = this.#stmts.rollupSamples.get(usable.get(`${r.level}:${r.bucketStart}`)) as [Buffer];
        decodeColumn(row[0], col, add);
        counts.rollupBlobs++;
      }
      for (const [a, b] of plan.raw) {
        for (const row of this.#stmts.rawSamples.iterate(groupId, a, b) as Iterable<[Buffer]>) {
          decodeColumn(row[0], col, add);
          counts.rawBlobs++;
        }
      }
    }
    return counts;
  }

  // Rollups of `groupId` inside [fromMs, untilMs) at `levels` whose profile count matches the
  // profiles at `times` and whose totals pass `totalsMatch(row, lo, hi)` (row: the rollup's
  // totals; lo..hi: its profiles' indices in `times`), by "level:bucket start".
  #usableRollups(
    groupId: number,
    fromMs: number,
    untilMs: number,
    levels: readonly RollupLevel[],
    times: readonly number[],
    totalsMatch: (row: TotalsRow, lo: number, hi: number) => boolean,
  ): Map<string, number> {
    const usable = new Map<string, number>();
    if (levels.length === 0 || times.length === 0) return usable;
    for (const r of this.#stmts.rollupsIn.iterate(groupId, fromMs, untilMs) as Iterable<[number, number, number, number, ...(number | Buffer | null)[]]>) {
      const [id, bucketStart, level, count] = r;
      const size = this.#sizeByLevel.get(level);
      if (size === undefined || bucketStart + size > untilMs || !levels.some((l) => l.level === level)) continue;
      const lo = lowerBound(times, bucketStart);
      const hi = lowerBound(times, bucketStart + size);
      if (hi - lo !== count || !totalsMatch(r.slice(4), lo, hi)) {
        this.stats.staleRollups++;
        continue;
      }
      usable.set(`${level}:${bucketStart}`, id);
    }
    return usable;
  }

  /** Number of buckets waiting for a rollup build. */
  pendingCount(): number {
    return (this.#stmts.pendingCount.get() as [number])[0];
  }

  /**
   * Builds queued rollups of buckets that ended at least `settleMs` before `nowMs`, finest level
   * first (so coarser ones merge them), until `budgetMs` is spent. Each bucket is read and written
   * in one transaction: a crash leaves it queued, never half-counted.
   */
  buildPending(nowMs: number, opts: BuildOptions = {}): BuildResult {
    const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
    const deadline = performance.now() + (opts.budgetMs ?? DEFAULT_BUDGET_MS);
    let built = 0;
    let error: unknown;
    // Finest first: levels are listed coarsest first.
    for (let i = this.#levels.length - 1; i >= 0; i--) {
      const level = this.#levels[i]!;
      const finer = this.#levels.slice(i + 1);
      for (;;) {
        const rows = this.#stmts.pendingSettled.all(level.level, nowMs - settleMs - level.sizeMs, PENDING_CHUNK) as [number, number][];
        for (const [bucketStart, groupId] of rows) {
          try {
            this.#db.transaction(() => this.#buildOne(level, finer, groupId, bucketStart))();
          } catch (err) {
            // A bucket that cannot be merged (a damaged blob) must not block the queue behind it.
            this.#stmts.deletePending.run(level.level, bucketStart, groupId);
            this.stats.failedBuilds++;
            error ??= err;
          }
          built++;
          if (performance.now() >= deadline) return { built, more: this.#hasSettled(nowMs, settleMs), ...(error !== undefined ? { error } : {}) };
        }
        if (rows.length < PENDING_CHUNK) break;
      }
    }
    return { built, more: false, ...(error !== undefined ? { error } : {}) };
  }

  #hasSettled(nowMs: number, settleMs: number): boolean {
    return this.#levels.some((l) => this.#stmts.pendingSettled.all(l.level, nowMs - settleMs - l.sizeMs, 1).length > 0);
  }

  // Merges every column of the group's profiles in one bucket (finer rollups where usable, raw
  // rows elsewhere), each blob decoded once per column.
  #buildOne(level: RollupLevel, finer: readonly RollupLevel[], groupId: number, bucketStart: number): void {
    this.#stmts.deletePending.run(level.level, bucketStart, groupId);
    this.#stmts.deleteRollup.run(groupId, bucketStart, level.level);
    // Negative buckets (profiles before 1970) are never rolled up; the planner never asks for them.
    const width = this.#groupWidth(groupId);
    if (bucketStart < 0 || width === 0) return;
    const end = bucketStart + level.sizeMs;
    const rows = this.#stmts.groupTotals.all(groupId, bucketStart, end) as [number, ...(number | Buffer | null)[]][];
    if (rows.length === 0) return;
    const times = rows.map((r) => r[0]);
    const prefix = Array.from({ length: width }, (_, c) => prefixSums(rows.map((r) => columnTotal(r, 1, c, groupId))));
    const usable = this.#usableRollups(groupId, bucketStart, end, finer, times, (row, lo, hi) =>
      prefix.every((p, c) => p[hi]! - p[lo]! === columnTotal(row, 0, c, groupId)),
    );
    const plan = planMerge(bucketStart, end, finer, (l, t) => usable.has(`${l}:${t}`));
    // All of it in one finer rollup (a day with one hour of data): a copy would only cost disk,
    // queries read the finer one where this one is missing.
    if (plan.rollups.length === 1 && (this.#stmts.rollupCount.get(usable.get(`${plan.rollups[0]!.level}:${plan.rollups[0]!.bucketStart}`)) as [number])[0] === rows.length) return;
    const sums = new StackSums(width);
    const addAll = (packed: Buffer): void => {
      const blob = unpackBlob(packed);
      for (let c = 0; c < width; c++) decodeColumn(blob, c, (id, v) => sums.add(id, c, v));
    };
    for (const r of plan.rollups) addAll((this.#stmts.rollupSamples.get(usable.get(`${r.level}:${r.bucketStart}`)) as [Buffer])[0]);
    for (const [a, b] of plan.raw) for (const row of this.#stmts.rawSamples.iterate(groupId, a, b) as Iterable<[Buffer]>) addAll(row[0]);
    const { ids, columns } = sums.sorted();
    const totals = prefix.map((p) => p[p.length - 1]!);
    // A rollup must sum to its profiles' totals (reads check it against them): one that does not
    // is not stored, so queries of the bucket read the raw profiles.
    columns.forEach((values, c) => {
      const sum = values.reduce((a, b) => a + b, 0);
      if (sum !== totals[c]) {
        throw new InternalError('KPROF_STORE_ROLLUP_MISMATCH', `the rollup of row group ${groupId} at ${new Date(bucketStart).toISOString()} sums column ${c} to ${sum}, its profiles to ${totals[c]}; not stored`);
      }
    });
    const inline = (c: number): number | null => (c < INLINE_TOTALS && c < width ? totals[c]! : null);
    const more = width > INLINE_TOTALS ? encodeMoreTotals(totals) : null;
    this.#stmts.insertRollup.run(groupId, bucketStart, level.level, rows.length, totals[0]!, inline(1), inline(2), inline(3), more, packBlob(encodeColumns(ids, columns)));
    this.stats.rollupsBuilt++;
  }
}

// Column `col`'s total in a totals row whose `total` is at `offset`.
function columnTotal(row: TotalsRow, offset: number, col: number, groupId: number): number {
  return checkedTotal(col < INLINE_TOTALS ? row[offset + col] : moreTotal(row[offset + INLINE_TOTALS] as Buffer | null, col), groupId, col);
}

function checkedTotal(t: unknown, groupId: number, col: number): number {
  if (typeof t !== 'number') throw new KprofError('KPROF_STORE_CORRUPT_BLOB', `a stored row of group ${groupId} has no total for column ${col + 1}; the database may be damaged (run PRAGMA integrity_check)`);
  return t;
}

function prefixSums(values: readonly number[]): number[] {
  const out = new Array<number>(values.length + 1);
  out[0] = 0;
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i]! + values[i]!;
  return out;
}

// First index whose value is >= t (values ascending).
function lowerBound(values: readonly number[], t: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function prepare(db: Database.Database) {
  return {
    points: ['total', 'total_1', 'total_2', 'total_3'].map((total) =>
      db.prepare(`SELECT start_ms, ${total} FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms`).raw(),
    ),
    pointsMore: db.prepare('SELECT start_ms, more_totals FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms').raw(),
    groupTotals: db
      .prepare('SELECT start_ms, total, total_1, total_2, total_3, more_totals FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms')
      .raw(),
    rawSamples: db.prepare('SELECT samples FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ?').raw(),
    rollupsIn: db
      .prepare(
        'SELECT id, bucket_start, level, profile_count, total, total_1, total_2, total_3, more_totals FROM rollups WHERE group_id = ? AND bucket_start >= ? AND bucket_start < ?',
      )
      .raw(),
    rollupSamples: db.prepare('SELECT samples FROM rollups WHERE id = ?').raw(),
    rollupCount: db.prepare('SELECT profile_count FROM rollups WHERE id = ?').raw(),
    pendingCount: db.prepare('SELECT count(*) FROM rollup_pending').raw(),
    pendingSettled: db.prepare('SELECT bucket_start, group_id FROM rollup_pending WHERE level = ? AND bucket_start <= ? ORDER BY bucket_start LIMIT ?').raw(),
    deletePending: db.prepare('DELETE FROM rollup_pending WHERE level = ? AND bucket_start = ? AND group_id = ?'),
    deleteRollup: db.prepare('DELETE FROM rollups WHERE group_id = ? AND bucket_start = ? AND level = ?'),
    insertRollup: db.prepare(
      'INSERT INTO rollups (group_id, bucket_start, level, profile_count, total, total_1, total_2, total_3, more_totals, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
}
