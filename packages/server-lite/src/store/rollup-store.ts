import type Database from 'better-sqlite3';
import { KprofError } from '../errors.js';
import { ROLLUP_LEVELS, type RollupLevel } from './rollup-levels.js';
import { planMerge } from './rollup-plan.js';
import { decodeColumn, INLINE_TOTALS, moreTotal } from './column-blob.js';
import { decodeSamples, encodeSamples } from './sample-blob.js';
import { StackSums } from './stack-sums.js';

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

/**
 * Rollup reads and builds on the store's database. A rollup is the merge of one series' profiles
 * in one aligned bucket, stored with their count and total. Exactness rests on three things: the
 * schema's triggers drop a bucket's rollups in the same transaction that inserts or deletes any of
 * its profiles; a build reads and writes in one transaction; and every read checks a rollup's
 * count and total against the profiles' (group, time, totals) index and ignores it on mismatch.
 * Profiles are rows of row groups (see schema.ts v4); a series is a column of one or more groups.
 */
export class RollupStore {
  readonly stats: RollupStats = { staleRollups: 0, rollupsBuilt: 0, failedBuilds: 0 };
  readonly #db: Database.Database;
  readonly #levels: readonly RollupLevel[];
  readonly #sizeByLevel: Map<number, number>;
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #places: SeriesPlaces;

  constructor(db: Database.Database, places: SeriesPlaces, levels: readonly RollupLevel[] = ROLLUP_LEVELS) {
    this.#db = db;
    this.#places = places;
    this.#levels = levels;
    this.#sizeByLevel = new Map(levels.map((l) => [l.level, l.sizeMs]));
    this.#stmts = prepare(db);
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
      const t = inline ? r[1] : moreTotal(r[1] as Buffer | null, col);
      if (typeof t !== 'number') throw new KprofError('KPROF_STORE_CORRUPT_BLOB', `a stored profile row of group ${groupId} has no total for column ${col + 1}; the database may be damaged (run PRAGMA integrity_check)`);
      totals[i] = t;
    }
    return { times, totals };
  }

  /**
   * Adds every sample of `seriesId`'s profiles in [fromMs, untilMs) to `add`, reading rollups of
   * `levels` (default all) where they fit and match `points` (the same range's points), raw blobs
   * elsewhere. Returns how many blobs of each kind it read.
   */
  mergeSeries(
    seriesId: number,
    fromMs: number,
    untilMs: number,
    points: SeriesPoints,
    add: (stackId: number, value: number) => void,
    levels: readonly RollupLevel[] = this.#levels,
  ): BlobCounts {
    const counts: BlobCounts = { rollupBlobs: 0, rawBlobs: 0 };
    const usable = new Map<string, number>();
    if (levels.length > 0 && points.times.length > 0) {
      const prefix = prefixSums(points.totals);
      for (const r of this.#stmts.rollupsIn.iterate(seriesId, fromMs, untilMs) as Iterable<[number, number, number, number, number]>) {
        const [id, bucketStart, level, count, total] = r;
        const size = this.#sizeByLevel.get(level);
        if (size === undefined || bucketStart + size > untilMs || !levels.some((l) => l.level === level)) continue;
        const lo = lowerBound(points.times, bucketStart);
        const hi = lowerBound(points.times, bucketStart + size);
        if (hi - lo !== count || prefix[hi]! - prefix[lo]! !== total) {
          this.stats.staleRollups++;
          continue;
        }
        usable.set(`${level}:${bucketStart}`, id);
      }
    }
    const plan = planMerge(fromMs, untilMs, levels, (level, t) => usable.has(`${level}:${t}`));
    for (const r of plan.rollups) {
      const row = this.#stmts.rollupSamples.get(usable.get(`${r.level}:${r.bucketStart}`)) as [Buffer];
      decodeSamples(row[0], add);
      counts.rollupBlobs++;
    }
    const places = plan.raw.length > 0 ? this.#places(seriesId) : [];
    for (const [a, b] of plan.raw) {
      for (const [groupId, col] of places) {
        for (const row of this.#stmts.rawSamples.iterate(groupId, a, b) as Iterable<[Buffer]>) {
          decodeColumn(row[0], col, add);
          counts.rawBlobs++;
        }
      }
    }
    return counts;
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
        for (const [bucketStart, seriesId] of rows) {
          try {
            this.#db.transaction(() => this.#buildOne(level, finer, seriesId, bucketStart))();
          } catch (err) {
            // A bucket that cannot be merged (a damaged blob) must not block the queue behind it.
            this.#stmts.deletePending.run(level.level, bucketStart, seriesId);
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

  #buildOne(level: RollupLevel, finer: readonly RollupLevel[], seriesId: number, bucketStart: number): void {
    this.#stmts.deletePending.run(level.level, bucketStart, seriesId);
    this.#stmts.deleteRollup.run(seriesId, bucketStart, level.level);
    // Negative buckets (profiles before 1970) are never rolled up; the planner never asks for them.
    if (bucketStart < 0) return;
    const end = bucketStart + level.sizeMs;
    const points = this.points(seriesId, bucketStart, end);
    if (points.times.length === 0) return;
    const merged = new StackSums();
    this.mergeSeries(seriesId, bucketStart, end, points, (id, v) => merged.add(id, v), finer);
    const { ids, values } = merged.sorted();
    let total = 0;
    for (const t of points.totals) total += t;
    this.#stmts.insertRollup.run(seriesId, bucketStart, level.level, points.times.length, total, encodeSamples(ids, values));
    this.stats.rollupsBuilt++;
  }
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
    rawSamples: db.prepare('SELECT samples FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ?').raw(),
    rollupsIn: db
      .prepare('SELECT id, bucket_start, level, profile_count, total FROM rollups WHERE series_id = ? AND bucket_start >= ? AND bucket_start < ?')
      .raw(),
    rollupSamples: db.prepare('SELECT samples FROM rollups WHERE id = ?').raw(),
    pendingCount: db.prepare('SELECT count(*) FROM rollup_pending').raw(),
    pendingSettled: db.prepare('SELECT bucket_start, series_id FROM rollup_pending WHERE level = ? AND bucket_start <= ? ORDER BY bucket_start LIMIT ?').raw(),
    deletePending: db.prepare('DELETE FROM rollup_pending WHERE level = ? AND bucket_start = ? AND series_id = ?'),
    deleteRollup: db.prepare('DELETE FROM rollups WHERE series_id = ? AND bucket_start = ? AND level = ?'),
    insertRollup: db.prepare('INSERT INTO rollups (series_id, bucket_start, level, profile_count, total, samples) VALUES (?, ?, ?, ?, ?, ?)'),
  };
}
