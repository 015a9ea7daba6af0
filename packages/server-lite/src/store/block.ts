import Database from 'better-sqlite3';
import { ConfigError, LimitError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import type { Forest } from '../model/stack-tree.js';
import { type BlockMeta, createBlockSchema, readBlockMeta, upgradeBlockSchema } from './block-schema.js';
import { DENSE_MERGE_MAX_STACKS, type MergedStacks, type ProfilePoint, mergeSeriesStacks } from './merge-stacks.js';
import { type BuildOptions, type BuildResult, RollupStore } from './rollup-store.js';
import { type NewSymbols, type ProfileRow, countNewSymbols, encodeProfileRows } from './row-encoder.js';
import { type BlockSeries, type CatalogChanges, SeriesCatalog, labelsKey } from './series-catalog.js';
import { migrate } from './legacy-schema.js';
import { rollupLevelsFor } from './rollup-levels.js';
import { StackInterner } from './stack-interner.js';
import { StackRows } from './stack-rows.js';
import { fileBytes } from './file-bytes.js';

/** Cumulative read-path counters of a {@link Block} since it was opened. */
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

/** A row of a single-file database of kprof 0.1, read to move it into a block (legacy-import.ts). */
export interface LegacyRow {
  readonly id: number;
  readonly startMs: number;
  readonly endMs: number;
  /** The series of the row's columns, in column order. */
  readonly series: readonly BlockSeries[];
  readonly samples: Uint8Array;
}

/** Options for opening a {@link Block}. */
export interface BlockOptions {
  /**
   * Open for reading only (the query side, while another connection writes): every read first
   * picks up the series, groups, names and stacks written since, in the same read transaction.
   */
  readonly readOnly?: boolean;
  /** Largest trie merged into a dense array; bigger ones use a map. Default 4,000,000 nodes. */
  readonly denseMergeMaxStacks?: number;
}

/**
 * One block: the profiles of one time window in their own SQLite file (WAL, synchronous=NORMAL)
 * with the window's own interned names, stack trie, series and rollups (block-schema.ts). Rows
 * hold an upload's label set with its sample types as columns (column-blob.ts). One instance is
 * the only writer of its file; `writeBatch` runs one transaction, so a crash loses at most the
 * batch in flight. The stack trie is read from disk on first use (a block opened only for its
 * series or time points never loads it). Everything here is synchronous (better-sqlite3).
 */
export class Block {
  readonly path: string;
  /** The window and rollup levels; undefined for a single-file database of kprof 0.1 (legacy-schema.ts). */
  readonly meta: BlockMeta | undefined;
  readonly #db: Database.Database;
  #trie: StackInterner | undefined;
  readonly #catalog = new SeriesCatalog();
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #stackRows: StackRows;
  readonly #rollups: RollupStore;
  readonly #queryBlobs = { rollupBlobs: 0, rawBlobs: 0 };
  readonly #denseMergeMaxStacks: number;
  readonly #readOnly: boolean;
  #closed = false;

  private constructor(path: string, db: Database.Database, meta: BlockMeta | undefined, options: BlockOptions) {
    this.path = path;
    this.meta = meta;
    this.#denseMergeMaxStacks = options.denseMergeMaxStacks ?? DENSE_MERGE_MAX_STACKS;
    this.#readOnly = options.readOnly ?? false;
    this.#db = db;
    this.#stmts = prepare(db);
    this.#stackRows = new StackRows(db);
    this.#rollups = new RollupStore(
      db,
      (seriesId) => this.#catalog.placesOf(seriesId),
      (groupId) => this.#catalog.groups.get(groupId)?.length ?? 0,
      meta?.levels ?? rollupLevelsFor(3_600_000),
    );
    this.#catalog.load(db);
  }

  /** Creates a new, empty block file at `path` for `meta`'s window. */
  static create(path: string, meta: BlockMeta, options: BlockOptions = {}): Block {
    return Block.#openFile(path, options, (db) => {
      createBlockSchema(db, meta);
      return meta;
    });
  }

  /** Opens an existing block file. Throws `ConfigError` `KPROF_STORE_OPEN_FAILED`, `KPROF_STORE_BAD_BLOCK`, `KPROF_STORE_SCHEMA_TOO_NEW`. */
  static open(path: string, options: BlockOptions = {}): Block {
    return Block.#openFile(path, options, (db) => {
      const meta = readBlockMeta(db, path);
      return options.readOnly === true ? meta : upgradeBlockSchema(db, meta);
    });
  }

  /** Opens the single-file database of kprof 0.1 (schema v1–v4, upgraded to v4 in place) to move its profiles into blocks. */
  static openLegacy(path: string): Block {
    return Block.#openFile(path, {}, (db) => {
      migrate(db);
      return undefined;
    });
  }

  static #openFile(path: string, options: BlockOptions, schema: (db: Database.Database) => BlockMeta | undefined): Block {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: options.readOnly ?? false, fileMustExist: options.readOnly ?? false });
      // A new file's pages are 8 KB (set before WAL, which fixes the size). Rows are ~1 KB: 4 KB
      // pages lose ~10 % to tails no further row fits in; 16 KB ones lose most of a page in each
      // of the block's small tables. Heavy Node profiles, 1 h in a block: 0.208× the gzipped
      // input at 8 KB, 0.217× at 16 KB, 0.251× at 4 KB.
      if (db.pragma('page_count', { simple: true }) === 0 && options.readOnly !== true) db.pragma('page_size = 8192');
      if (options.readOnly !== true) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = OFF');
      db.pragma('busy_timeout = 5000');
      return new Block(path, db, schema(db), options);
    } catch (err) {
      db?.close();
      if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('KPROF_')) throw err;
      throw new ConfigError('KPROF_STORE_OPEN_FAILED', `cannot open the database ${path}: ${(err as Error).message}; check data-dir / --data-dir`, { cause: err });
    }
  }

  /** Every series, in id order. */
  series(): BlockSeries[] {
    this.#freshCatalog();
    return this.#catalog.series();
  }

  // A reader's catalog catch-up with the writer (series and groups only grow).
  #freshCatalog(): void {
    // One read transaction: the series and group rows come from the same snapshot.
    if (this.#readOnly) this.#db.transaction(() => this.#catalog.load(this.#db))();
  }

  /** Number of stack trie nodes (for sizing query arrays). */
  get stackCount(): number {
    return this.#stacks().stackCount;
  }

  /** The nodes on the paths of `stackIds` with their values, for `StackTree.addForest` (see {@link StackInterner.forest}). */
  forest(stackIds: readonly number[], valueOf: (id: number) => number): Forest {
    return this.#stacks().forest(stackIds, valueOf);
  }

  /** Frames of a stack, root first. */
  frames(stackId: number): string[] {
    return this.#stacks().frames(stackId);
  }

  /**
   * Stores profiles in one transaction: interns names and stacks, creates missing series and row
   * groups, inserts one row per profile and label set holding every series (sample type) of that
   * label set as a column. On failure nothing of the batch is stored and the in-memory caches are
   * rolled back.
   */
  /** Returns the names and stack nodes each profile added to the block. */
  writeBatch(profiles: readonly IngestProfile[]): NewSymbols[] {
    return this.#write(profiles, undefined);
  }

  /** True when the block has the series `input` with labels key `labels`. */
  hasSeries(input: Pick<IngestProfile['series'][number]['series'], 'name'>, labels: string): boolean {
    return this.#catalog.has(input, labels);
  }

  /** Series of an application key (series-catalog.ts `appKey`) in this block. */
  seriesOfApp(app: string): number {
    return this.#catalog.seriesOfApp(app);
  }

  /** Series of a tenant ('' without multi-tenancy) in this block. */
  seriesOfTenant(tenant: string): number {
    return this.#catalog.seriesOfTenant(tenant);
  }

  /** {@link countNewSymbols} against this block's trie (read from disk if not loaded). */
  countNewSymbols(profile: IngestProfile): NewSymbols {
    return countNewSymbols(profile, this.#stacks());
  }

  // One write transaction; `alsoInTransaction` runs in it after the rows.
  #write(profiles: readonly IngestProfile[], alsoInTransaction: (() => void) | undefined): NewSymbols[] {
    this.#checkOpen();
    const added: NewSymbols[] = [];
    const changes: CatalogChanges = { series: [], groups: [] };
    try {
      this.#db.transaction(() => {
        const rows: ProfileRow[] = [];
        const trie = this.#stacks();
        for (const p of profiles) {
          const names = trie.names.length;
          const stacks = trie.stackCount;
          encodeProfileRows(p, trie, this.#catalog, changes, rows);
          added.push({ names: trie.names.length - names, stacks: trie.stackCount - stacks });
        }
        const { names, stacks } = this.#stacks().pending();
        for (const [id, name] of names) this.#stmts.insertName.run(id, name);
        this.#stackRows.write(stacks);
        for (const s of changes.series) {
          this.#stmts.insertSeries.run(s.id, s.name, labelsKey(s.labels), s.meta.spyName, s.meta.sampleRate, s.meta.units, s.meta.aggregation);
        }
        for (const g of changes.groups) this.#catalog.groups.get(g)!.forEach((seriesId, col) => this.#stmts.insertGroupColumn.run(g, col, seriesId));
        for (const r of rows) this.#stmts.insertProfile.run(r);
        alsoInTransaction?.();
      })();
      this.#stacks().commit();
      return added;
    } catch (err) {
      this.#stacks().rollback();
      this.#catalog.rollback(changes);
      throw err;
    }
  }

  /**
   * Highest row id of kprof 0.1's single-file database moved into this block (0 when none): an
   * interrupted import skips the rows at or below it.
   */
  get legacyUpto(): number {
    const row = this.#db.prepare("SELECT value FROM block_meta WHERE key = 'legacy_upto'").pluck().get() as string | undefined;
    return row === undefined ? 0 : Number(row);
  }

  /** {@link writeBatch} for rows of a single-file database, recording `uptoRowId` as {@link legacyUpto} in the same transaction. */
  writeLegacyRows(profiles: readonly IngestProfile[], uptoRowId: number): void {
    this.#write(profiles, () => this.#db.prepare("INSERT OR REPLACE INTO block_meta (key, value) VALUES ('legacy_upto', ?)").run(String(uptoRowId)));
  }

  /** Rows of a single-file database after row id `afterId`, in id order, at most `limit`. */
  rows(afterId: number, limit: number): LegacyRow[] {
    const rows = this.#stmts.rowsAfter.all(afterId, limit) as { id: number; group_id: number; start_ms: number; end_ms: number; samples: Uint8Array }[];
    const byId = new Map(this.#catalog.series().map((s) => [s.id, s]));
    return rows.map((r) => ({
      id: r.id,
      startMs: r.start_ms,
      endMs: r.end_ms,
      series: (this.#catalog.groups.get(r.group_id) ?? []).map((id) => byId.get(id)!),
      samples: r.samples,
    }));
  }

  /** Number of profile rows. */
  rowCount(): number {
    return this.#stmts.rowCount.get() as number;
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
      if (this.#readOnly) this.#refresh();
      const merged = mergeSeriesStacks(this.#rollups, seriesIds, { fromMs, untilMs, maxProfiles, stackCount: this.#stacks().stackCount, denseMaxStacks: this.#denseMergeMaxStacks });
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

  /** Bytes of the block's files on disk, WAL included. */
  fileBytes(): number {
    return fileBytes(this.path) + fileBytes(`${this.path}-wal`);
  }

  /** Forgets the loaded stack trie (it is read again on next use). */
  dropTrie(): void {
    this.#trie = undefined;
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
    this.#freshCatalog();
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
    if (!this.#readOnly) this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  // The stack trie, read from disk on first use.
  #stacks(): StackInterner {
    if (this.#trie === undefined) {
      this.#trie = new StackInterner({ forWriting: !this.#readOnly });
      this.#loadTrie(this.#trie);
    }
    return this.#trie;
  }

  // Reads the names and stack nodes the trie does not have yet (ids only grow).
  #loadTrie(trie: StackInterner): void {
    for (const r of this.#stmts.namesFrom.iterate(trie.names.length) as Iterable<{ id: number; name: string }>) trie.loadName(r.id, r.name);
    this.#stackRows.read(trie.stackCount, (id, parent, nameId) => trie.loadStack(id, parent, nameId));
    trie.commit();
  }

  // A reader's catch-up with the writer, inside the caller's read transaction: what it reads next
  // refers only to series, groups and stacks it then knows.
  #refresh(): void {
    this.#catalog.load(this.#db);
    if (this.#trie !== undefined) this.#loadTrie(this.#trie);
  }

  /** Bytes of memory the block holds for its stack trie and names (0 until the trie is loaded). */
  get trieBytes(): number {
    return this.#trie?.bytes ?? 0;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LimitError('KPROF_STORE_CLOSED', 'the store is closed (server shutting down)');
  }
}

function prepare(db: Database.Database) {
  return {
    insertName: db.prepare('INSERT INTO names (id, name) VALUES (?, ?)'),
    insertSeries: db.prepare(
      'INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertGroupColumn: db.prepare('INSERT INTO group_columns (group_id, col, series_id) VALUES (?, ?, ?)'),
    insertProfile: db.prepare(
      'INSERT INTO profiles (group_id, start_ms, end_ms, total, total_1, total_2, total_3, more_totals, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    countByGroup: db.prepare('SELECT group_id, count(*) FROM profiles GROUP BY group_id').raw(),
    namesFrom: db.prepare('SELECT id, name FROM names WHERE id >= ? ORDER BY id'),
    rowsAfter: db.prepare('SELECT id, group_id, start_ms, end_ms, samples FROM profiles WHERE id > ? ORDER BY id LIMIT ?'),
    rowCount: db.prepare('SELECT count(*) FROM profiles').pluck(),
    anyProfileBetween: db.prepare('SELECT 1 FROM profiles WHERE group_id = ? AND start_ms >= ? AND start_ms < ? LIMIT 1'),
    lastProfileEnd: db.prepare('SELECT start_ms, end_ms FROM profiles WHERE group_id = ? ORDER BY start_ms DESC LIMIT 1'),
  };
}
