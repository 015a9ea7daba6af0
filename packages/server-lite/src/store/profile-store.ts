import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, LimitError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import type { StoredSeries } from '../model/stored-series.js';
import { countOldestPerSeries } from './oldest-profiles.js';
import { DENSE_MERGE_MAX_STACKS, type MergedStacks, type ProfilePoint, mergeSeriesStacks } from './merge-stacks.js';
import { type BuildOptions, type BuildResult, RollupStore } from './rollup-store.js';
import { type ProfileRow, encodeProfileRows } from './row-encoder.js';
import { type CatalogChanges, SeriesCatalog, labelsKey } from './series-catalog.js';
import { migrate } from './schema.js';
import { StackInterner } from './stack-interner.js';

/** Cumulative read-path counters of a {@link ProfileStore} since it was opened. */
export interface MergeStats {
  /** Rollup blobs merged by queries. */
  readonly rollupBlobs: number;
  /** Raw profile blobs merged by queries. */
  readonly rawBlobs: number;
  /** Rollups skipped because they no longer matched their bucket's profiles (should stay 0). */
  readonly staleRollups: number;
  /** Rollups written by builds. */
  readonly rollupsBuilt: number;
  /** Buckets whose build failed (e.g. a damaged blob); they stay raw. */
  readonly failedBuilds: number;
}

/** Options for {@link ProfileStore.open}. */
export interface ProfileStoreOptions {
  /** Largest trie merged into a dense array; bigger ones use a map. Default 4,000,000 nodes. */
  readonly denseMergeMaxStacks?: number;
}

/** File name of the database inside the data directory. */
export const DB_FILE_NAME = 'kprof.db';

/**
 * The embedded profile store: SQLite (WAL, synchronous=NORMAL) with interned names, a stack
 * trie, a series table and one compact sample blob per profile and label set, holding each of its
 * series (sample types) as a column (see schema.ts v4, column-blob.ts). One instance is the
 * only writer; `writeBatch` runs one transaction, so a crash loses at most the batch in flight.
 * Everything here is synchronous (better-sqlite3); the batcher decides when to call it.
 */
export class ProfileStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #interner = new StackInterner();
  readonly #catalog = new SeriesCatalog();
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #rollups: RollupStore;
  readonly #queryBlobs = { rollupBlobs: 0, rawBlobs: 0 };
  readonly #denseMergeMaxStacks: number;
  #closed = false;

  private constructor(path: string, db: Database.Database, options: ProfileStoreOptions) {
    this.path = path;
    this.#denseMergeMaxStacks = options.denseMergeMaxStacks ?? DENSE_MERGE_MAX_STACKS;
    this.#db = db;
    this.#stmts = prepare(db);
    this.#rollups = new RollupStore(db, (seriesId) => this.#catalog.placesOf(seriesId));
    this.#load();
  }

  /** Opens (creating if needed) the store in `dataDir`. Throws `ConfigError` `KPROF_STORE_OPEN_FAILED`. */
  static open(dataDir: string, options: ProfileStoreOptions = {}): ProfileStore {
    const path = join(dataDir, DB_FILE_NAME);
    let db: Database.Database | undefined;
    try {
      mkdirSync(dataDir, { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = OFF');
      db.pragma('busy_timeout = 5000');
      migrate(db);
      return new ProfileStore(path, db, options);
    } catch (err) {
      db?.close();
      if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('KPROF_')) throw err;
      throw new ConfigError('KPROF_STORE_OPEN_FAILED', `cannot open the database ${path}: ${(err as Error).message}; check data-dir / --data-dir`, { cause: err });
    }
  }

  /** Every series, in id order. */
  series(): StoredSeries[] {
    return this.#catalog.series();
  }

  /** Number of stack trie nodes (for sizing query arrays). */
  get stackCount(): number {
    return this.#interner.stackCount;
  }

  /** Frames of a stack, root first. */
  frames(stackId: number): string[] {
    return this.#interner.frames(stackId);
  }

  /**
   * Stores profiles in one transaction: interns names and stacks, creates missing series and row
   * groups, inserts one row per profile and label set holding every series (sample type) of that
   * label set as a column. On failure nothing of the batch is stored and the in-memory caches are
   * rolled back.
   */
  writeBatch(profiles: readonly IngestProfile[]): void {
    this.#checkOpen();
    const changes: CatalogChanges = { series: [], groups: [] };
    try {
      this.#db.transaction(() => {
        const rows: ProfileRow[] = [];
        for (const p of profiles) encodeProfileRows(p, this.#interner, this.#catalog, changes, rows);
        const { names, stacks } = this.#interner.pending();
        for (const [id, name] of names) this.#stmts.insertName.run(id, name);
        for (const [id, parent, nameId] of stacks) this.#stmts.insertStack.run(id, parent, nameId);
        for (const s of changes.series) {
          this.#stmts.insertSeries.run(s.id, s.name, labelsKey(s.labels), s.meta.spyName, s.meta.sampleRate, s.meta.units, s.meta.aggregation);
        }
        for (const g of changes.groups) this.#catalog.groups.get(g)!.forEach((seriesId, col) => this.#stmts.insertGroupColumn.run(g, col, seriesId));
        for (const r of rows) this.#stmts.insertProfile.run(r);
      })();
      this.#interner.commit();
    } catch (err) {
      this.#interner.rollback();
      this.#catalog.rollback(changes);
      throw err;
    }
  }

  /**
   * Sums the samples of every profile of `seriesIds` starting in [fromMs, untilMs). Reads
   * pre-merged rollups for whole buckets inside the range and raw profiles elsewhere; the result
   * is the same as merging every raw profile. Throws `LimitError` `KPROF_QUERY_TOO_MANY_PROFILES`
   * past `maxProfiles` (counted in raw profiles, rolled up or not).
   */
  mergeStacks(seriesIds: readonly number[], fromMs: number, untilMs: number, maxProfiles: number): MergedStacks {
    this.#checkOpen();
    // One read transaction: points, rollups and raw blobs come from the same snapshot even if
    // another connection writes meanwhile (WAL readers never block writers).
    return this.#db.transaction(() => {
      const merged = mergeSeriesStacks(this.#rollups, seriesIds, { fromMs, untilMs, maxProfiles, stackCount: this.#interner.stackCount, denseMaxStacks: this.#denseMergeMaxStacks });
      this.#queryBlobs.rollupBlobs += merged.rollupBlobs;
      this.#queryBlobs.rawBlobs += merged.rawBlobs;
      return merged;
    })();
  }

  /**
   * Builds queued rollups of settled buckets (see {@link RollupStore.buildPending}; defaults:
   * settle 60 s, budget 100 ms). Called by the rollup builder's timer; tests may call it directly.
   */
  buildRollups(nowMs: number, opts: BuildOptions = {}): BuildResult {
    this.#checkOpen();
    return this.#rollups.buildPending(nowMs, opts);
  }

  /** Buckets queued for a rollup build. */
  pendingRollups(): number {
    this.#checkOpen();
    return this.#rollups.pendingCount();
  }

  /** Cumulative read-path counters: rollup and raw blobs merged, stale rollups skipped, rollups built. */
  get mergeStats(): MergeStats {
    return { ...this.#queryBlobs, ...this.#rollups.stats };
  }

  /**
   * Deletes profiles that started before `cutoffMs`, at most `limit` rows per call (in one
   * transaction; a row is one upload's label set with all its series); returns how many series
   * profiles went (a row counts once per series it holds, as {@link profileCount} does). Walks the
   * per-group (group, time) index group by group: there is no index on time alone (schema v3
   * dropped it to save its bytes per profile).
   */
  deleteOlderThan(cutoffMs: number, limit: number): number {
    this.#checkOpen();
    return this.#db.transaction(() => {
      let rows = 0;
      let deleted = 0;
      for (const [groupId, members] of this.#catalog.groups) {
        if (rows >= limit) break;
        const n = this.#stmts.deleteOlderInGroup.run(groupId, cutoffMs, limit - rows).changes;
        rows += n;
        deleted += n * members.length;
      }
      return deleted;
    })();
  }

  /**
   * Deletes the `count` oldest rows across all row groups (in one transaction); returns how many
   * series profiles went (as {@link deleteOlderThan}). A merge of the groups' start times, read in
   * pages from the per-group index, decides how many of each group's oldest rows go (see
   * {@link countOldestPerSeries}).
   */
  deleteOldest(count: number): number {
    this.#checkOpen();
    return this.#db.transaction(() => {
      const read = (groupId: number, limit: number, offset: number): number[] => this.#stmts.oldestTimes.all(groupId, limit, offset) as number[];
      let deleted = 0;
      for (const [groupId, n] of countOldestPerSeries(this.#catalog.groups.keys(), count, read)) {
        deleted += this.#stmts.deleteOldestInGroup.run(groupId, n).changes * this.#catalog.groups.get(groupId)!.length;
      }
      return deleted;
    })();
  }

  /** Bytes of the database in use (pages minus free pages), and the files' size on disk. */
  sizes(): { usedBytes: number; fileBytes: number } {
    this.#checkOpen();
    const pageSize = this.#db.pragma('page_size', { simple: true }) as number;
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const free = this.#db.pragma('freelist_count', { simple: true }) as number;
    let fileBytes = 0;
    for (const f of [this.path, `${this.path}-wal`]) {
      try {
        fileBytes += statSync(f).size;
      } catch {
        // The WAL file may not exist between checkpoints.
      }
    }
    return { usedBytes: (pages - free) * pageSize, fileBytes };
  }

  /**
   * End time (unix ms) of the series' newest stored profile, or undefined when it has none.
   * One index seek on (series_id, start_ms), so `/api/apps` can call it per series.
   */
  lastProfileEndMs(seriesId: number): number | undefined {
    this.#checkOpen();
    let newest: { start_ms: number; end_ms: number } | undefined;
    for (const [groupId] of this.#catalog.placesOf(seriesId)) {
      const row = this.#stmts.lastProfileEnd.get(groupId) as { start_ms: number; end_ms: number } | undefined;
      if (row !== undefined && (newest === undefined || row.start_ms > newest.start_ms)) newest = row;
    }
    return newest?.end_ms;
  }

  /**
   * True when the series has a profile starting in [fromMs, untilMs) (the range `mergeStacks`
   * reads). One index seek, so label and profile-type lookups can filter series by time.
   */
  hasProfilesBetween(seriesId: number, fromMs: number, untilMs: number): boolean {
    this.#checkOpen();
    return (this.#catalog.placesOf(seriesId)).some(([groupId]) => this.#stmts.anyProfileBetween.get(groupId, fromMs, untilMs) !== undefined);
  }

  /**
   * Start time and total of every profile of `seriesIds` starting in [fromMs, untilMs), without
   * reading sample blobs (for time series). Throws `LimitError` `KPROF_QUERY_TOO_MANY_PROFILES`
   * past `maxProfiles`.
   */
  profilePoints(seriesIds: readonly number[], fromMs: number, untilMs: number, maxProfiles: number): ProfilePoint[] {
    this.#checkOpen();
    const points: ProfilePoint[] = [];
    for (const seriesId of seriesIds) {
      const pts = this.#rollups.points(seriesId, fromMs, untilMs);
      if (points.length + pts.times.length > maxProfiles) {
        throw new LimitError(
          'KPROF_QUERY_TOO_MANY_PROFILES',
          `the query selects more than ${maxProfiles} profiles, over query.max-profiles (${maxProfiles}); narrow the labels or time range`,
        );
      }
      for (let i = 0; i < pts.times.length; i++) points.push({ seriesId, timeMs: pts.times[i]!, total: pts.totals[i]! });
    }
    return points;
  }

  /** Number of stored series profiles: a row counts once per series (column) it holds. */
  profileCount(): number {
    let n = 0;
    for (const [groupId, rows] of this.#stmts.countByGroup.all() as [number, number][]) n += rows * (this.#catalog.groups.get(groupId)?.length ?? 1);
    return n;
  }

  /** Runs `PRAGMA integrity_check`; returns `ok` or the problems found. */
  integrityCheck(): string {
    return (this.#db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  }

  /** Checkpoints the WAL and closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new LimitError('KPROF_STORE_CLOSED', 'the store is closed (server shutting down)');
  }

  #load(): void {
    for (const r of this.#db.prepare('SELECT id, name FROM names ORDER BY id').iterate() as Iterable<{ id: number; name: string }>) {
      this.#interner.loadName(r.id, r.name);
    }
    for (const r of this.#db.prepare('SELECT id, parent, name_id FROM stacks ORDER BY id').raw().iterate() as Iterable<[number, number, number]>) {
      this.#interner.loadStack(r[0], r[1], r[2]);
    }
    this.#interner.commit();
    this.#catalog.load(this.#db);
  }
}

function prepare(db: Database.Database) {
  return {
    insertName: db.prepare('INSERT INTO names (id, name) VALUES (?, ?)'),
    insertStack: db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (?, ?, ?)'),
    insertSeries: db.prepare(
      'INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertGroupColumn: db.prepare('INSERT INTO group_columns (group_id, col, series_id) VALUES (?, ?, ?)'),
    insertProfile: db.prepare(
      'INSERT INTO profiles (group_id, start_ms, end_ms, total, total_1, total_2, total_3, more_totals, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    deleteOlderInGroup: db.prepare(
      'DELETE FROM profiles WHERE id IN (SELECT id FROM profiles WHERE group_id = ? AND start_ms < ? ORDER BY start_ms LIMIT ?)',
    ),
    oldestTimes: db.prepare('SELECT start_ms FROM profiles WHERE group_id = ? ORDER BY start_ms LIMIT ? OFFSET ?').pluck(),
    deleteOldestInGroup: db.prepare('DELETE FROM profiles WHERE id IN (SELECT id FROM profiles WHERE group_id = ? ORDER BY start_ms LIMIT ?)'),
    countByGroup: db.prepare('SELECT group_id, count(*) FROM profiles GROUP BY group_id').raw(),
    anyProfileBetween: db.prepare('SELECT 1 FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ? LIMIT 1'),
    lastProfileEnd: db.prepare('SELECT start_ms, end_ms FROM profiles WHERE group_id = ? ORDER BY start_ms DESC LIMIT 1'),
  };
}
