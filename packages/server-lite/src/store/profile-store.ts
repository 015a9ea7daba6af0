import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, LimitError } from '../errors.js';
import type { IngestProfile, SeriesInput } from '../model/ingest-profile.js';
import type { StoredSeries } from '../model/stored-series.js';
import { countOldestPerSeries } from './oldest-profiles.js';
import { type BuildOptions, type BuildResult, RollupStore, type SeriesPoints } from './rollup-store.js';
import { encodeColumns, encodeMoreTotals, INLINE_TOTALS } from './column-blob.js';
import { migrate } from './schema.js';
import { StackInterner } from './stack-interner.js';

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

// A row to insert: group id, start, end, the totals of columns 0–3 (null past the row's width),
// the further columns' totals, samples.
type ProfileRow = [number, number, number, number, number | null, number | null, number | null, Buffer | null, Buffer];

// One series' merged samples in one profile: stack ids ascending, their values, the sum.
interface ColumnInput {
  readonly seriesId: number;
  readonly ids: number[];
  readonly values: number[];
  readonly total: number;
}

// Packing factor for (stack id, sample position) sort keys; see #encodeProfile.
const SAMPLE_SLOT = 2 ** 26;

/** Merged values by stack id: a dense array, or a map for very large tries. */
export type MergedValues = Float64Array | Map<number, number>;

/** Reads one stack's merged value. */
export function mergedValue(values: MergedValues, stackId: number): number {
  return values instanceof Float64Array ? values[stackId]! : (values.get(stackId) ?? 0);
}

// Tries up to this many nodes are merged into a dense array (32 MiB at the limit).
const DENSE_MERGE_MAX_STACKS = 4_000_000;

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
  readonly #series = new Map<number, StoredSeries>();
  readonly #seriesByKey = new Map<string, number>();
  // Row groups: the series of each group's columns, the group of each column list, and the
  // (group, column) places of each series (a series may be in several groups over time).
  readonly #groups = new Map<number, readonly number[]>();
  readonly #groupByKey = new Map<string, number>();
  readonly #placesBySeries = new Map<number, [number, number][]>();
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #rollups: RollupStore;
  readonly #queryBlobs = { rollupBlobs: 0, rawBlobs: 0 };
  readonly #denseMergeMaxStacks: number;
  #closed = false;
  #nextSeriesId = 1;
  #nextGroupId = 1;

  private constructor(path: string, db: Database.Database, options: ProfileStoreOptions) {
    this.path = path;
    this.#denseMergeMaxStacks = options.denseMergeMaxStacks ?? DENSE_MERGE_MAX_STACKS;
    this.#db = db;
    this.#stmts = prepare(db);
    this.#rollups = new RollupStore(db, (seriesId) => this.#placesBySeries.get(seriesId) ?? []);
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
    return [...this.#series.values()];
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
    const newSeries: StoredSeries[] = [];
    const newGroups: number[] = [];
    try {
      this.#db.transaction(() => {
        const rows: ProfileRow[] = [];
        for (const p of profiles) this.#encodeProfile(p, rows, newSeries, newGroups);
        const { names, stacks } = this.#interner.pending();
        for (const [id, name] of names) this.#stmts.insertName.run(id, name);
        for (const [id, parent, nameId] of stacks) this.#stmts.insertStack.run(id, parent, nameId);
        for (const s of newSeries) {
          this.#stmts.insertSeries.run(s.id, s.name, labelsKey(s.labels), s.meta.spyName, s.meta.sampleRate, s.meta.units, s.meta.aggregation);
        }
        for (const g of newGroups) this.#groups.get(g)!.forEach((seriesId, col) => this.#stmts.insertGroupColumn.run(g, col, seriesId));
        for (const r of rows) this.#stmts.insertProfile.run(r);
      })();
      this.#interner.commit();
    } catch (err) {
      this.#interner.rollback();
      if (newSeries.length > 0) this.#nextSeriesId = newSeries[0]!.id;
      for (const s of newSeries) {
        this.#series.delete(s.id);
        this.#seriesByKey.delete(seriesKey(s.name, s.labels));
      }
      if (newGroups.length > 0) this.#nextGroupId = newGroups[0]!;
      for (const g of newGroups) {
        const members = this.#groups.get(g)!;
        this.#groups.delete(g);
        this.#groupByKey.delete(members.join(','));
        for (const seriesId of members) {
          const places = this.#placesBySeries.get(seriesId)!.filter(([group]) => group !== g);
          if (places.length > 0) this.#placesBySeries.set(seriesId, places);
          else this.#placesBySeries.delete(seriesId);
        }
      }
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
    return this.#db.transaction(() => this.#mergeStacks(seriesIds, fromMs, untilMs, maxProfiles))();
  }

  #mergeStacks(seriesIds: readonly number[], fromMs: number, untilMs: number, maxProfiles: number): MergedStacks {
    let count = 0;
    const bySeries: [number, SeriesPoints][] = [];
    for (const id of seriesIds) {
      const pts = this.#rollups.points(id, fromMs, untilMs);
      count += pts.times.length;
      if (count > maxProfiles) {
        throw new LimitError(
          'KPROF_QUERY_TOO_MANY_PROFILES',
          `the query selects over ${maxProfiles} profiles (query.max-profiles); narrow the labels or time range`,
        );
      }
      bySeries.push([id, pts]);
    }
    const stackIds: number[] = [];
    const points: ProfilePoint[] = [];
    // A dense array indexed by stack id is fastest, but with a huge trie (8 bytes per node per
    // query) a map of only the touched stacks is kinder to memory.
    const dense = this.#interner.stackCount <= this.#denseMergeMaxStacks;
    const values: MergedValues = dense ? new Float64Array(this.#interner.stackCount) : new Map<number, number>();
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
      const n = this.#rollups.mergeSeries(seriesId, fromMs, untilMs, pts, add);
      rollupBlobs += n.rollupBlobs;
      rawBlobs += n.rawBlobs;
      for (let i = 0; i < pts.times.length; i++) points.push({ seriesId, timeMs: pts.times[i]!, total: pts.totals[i]! });
    }
    this.#queryBlobs.rollupBlobs += rollupBlobs;
    this.#queryBlobs.rawBlobs += rawBlobs;
    return { stackIds, values, points, profileCount: points.length, rollupBlobs, rawBlobs };
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
      for (const [groupId, members] of this.#groups) {
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
      for (const [groupId, n] of countOldestPerSeries(this.#groups.keys(), count, read)) {
        deleted += this.#stmts.deleteOldestInGroup.run(groupId, n).changes * this.#groups.get(groupId)!.length;
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
    for (const [groupId] of this.#placesBySeries.get(seriesId) ?? []) {
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
    return (this.#placesBySeries.get(seriesId) ?? []).some(([groupId]) => this.#stmts.anyProfileBetween.get(groupId, fromMs, untilMs) !== undefined);
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
    for (const [groupId, rows] of this.#stmts.countByGroup.all() as [number, number][]) n += rows * (this.#groups.get(groupId)?.length ?? 1);
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

  #encodeProfile(p: IngestProfile, rows: ProfileRow[], newSeries: StoredSeries[], newGroups: number[]): void {
    const interner = this.#interner;
    // Each of the profile's distinct names is interned once (one map lookup), not once per frame.
    const nameIds = new Int32Array(p.names.length);
    for (let i = 0; i < p.names.length; i++) nameIds[i] = interner.nameId(p.names[i]!);
    const { frameStart, frameNames, stackStart, stackLocs } = p;
    const locationCount = frameStart.length - 1;
    // Consecutive samples share their root-side locations, so a one-entry cache per location
    // (last parent stack → resulting stack) skips most trie lookups.
    const lastParent = new Int32Array(locationCount).fill(-1);
    const lastChild = new Int32Array(locationCount);
    // Stack ids are resolved lazily: a sample used by no series costs nothing.
    const stackIds = new Int32Array(stackStart.length - 1).fill(-1);
    const stackOf = (si: number): number => {
      let id = stackIds[si]!;
      if (id >= 0) return id;
      id = 0;
      for (let i = stackStart[si + 1]! - 1; i >= stackStart[si]!; i--) {
        const li = stackLocs[i]!;
        if (lastParent[li] === id) {
          id = lastChild[li]!;
          continue;
        }
        const parent = id;
        for (let j = frameStart[li]!; j < frameStart[li + 1]!; j++) id = interner.child(id, nameIds[frameNames[j]!]!);
        lastParent[li] = parent;
        lastChild[li] = id;
      }
      stackIds[si] = id;
      return id;
    };
    // The series of one label set come from the same samples: they share one row (a column each).
    const byLabels = new Map<string, ColumnInput[]>();
    // Builders share one labels object among a label set's types: stringify each object once.
    const keyOf = new Map<Readonly<Record<string, string>>, string>();
    for (const s of p.series) {
      let labels = keyOf.get(s.series.labels);
      if (labels === undefined) keyOf.set(s.series.labels, (labels = labelsKey(s.series.labels)));
      const seriesId = this.#seriesId(s.series, labels, newSeries);
      const n = s.sampleIndices.length;
      // Sort (stack id, sample position) pairs packed in one float: a native numeric sort, no
      // per-pair objects. Stack ids stay below 2^25 and positions below 2^26, so keys are exact.
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = stackOf(s.sampleIndices[i]!) * SAMPLE_SLOT + i;
      keys.sort();
      const ids: number[] = [];
      const values: number[] = [];
      let total = 0;
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        const id = Math.floor(k / SAMPLE_SLOT);
        const v = s.values[k - id * SAMPLE_SLOT]!;
        total += v;
        if (ids.length > 0 && ids[ids.length - 1] === id) values[values.length - 1]! += v;
        else {
          ids.push(id);
          values.push(v);
        }
      }
      const column: ColumnInput = { seriesId, ids, values, total };
      const list = byLabels.get(labels);
      if (list === undefined) byLabels.set(labels, [column]);
      else list.push(column);
    }
    for (const columns of byLabels.values()) {
      // Columns in series id order, so a label set's group is the same whatever order the
      // types came in. The same series twice (two sample types named alike) gets a second row.
      columns.sort((a, b) => a.seriesId - b.seriesId);
      let rest = columns;
      while (rest.length > 0) {
        const take: ColumnInput[] = [];
        const later: ColumnInput[] = [];
        for (const c of rest) (take.length > 0 && take[take.length - 1]!.seriesId === c.seriesId ? later : take).push(c);
        rows.push(this.#groupRow(take, p.startMs, p.endMs, newGroups));
        rest = later;
      }
    }
  }

  #groupRow(columns: readonly ColumnInput[], startMs: number, endMs: number, newGroups: number[]): ProfileRow {
    const groupId = this.#groupId(columns.map((c) => c.seriesId), newGroups);
    const totals = columns.map((c) => c.total);
    if (columns.length === 1) return [groupId, startMs, endMs, totals[0]!, null, null, null, null, encodeColumns(columns[0]!.ids, [columns[0]!.values])];
    // The union of the columns' stack ids (each ascending), and each column's value per id (0 = none).
    const union: number[] = [];
    const pos = columns.map(() => 0);
    for (;;) {
      let next = Infinity;
      for (let c = 0; c < columns.length; c++) {
        const ids = columns[c]!.ids;
        if (pos[c]! < ids.length && ids[pos[c]!]! < next) next = ids[pos[c]!]!;
      }
      if (next === Infinity) break;
      union.push(next);
      for (let c = 0; c < columns.length; c++) if (columns[c]!.ids[pos[c]!] === next) pos[c]!++;
    }
    const values = columns.map((c) => {
      const out = new Float64Array(union.length);
      for (let i = 0, j = 0; i < c.ids.length; i++) {
        while (union[j] !== c.ids[i]) j++;
        out[j] = c.values[i]!;
      }
      return out;
    });
    const inline = (c: number): number | null => (c < INLINE_TOTALS && c < totals.length ? totals[c]! : null);
    return [groupId, startMs, endMs, totals[0]!, inline(1), inline(2), inline(3), encodeMoreTotals(totals), encodeColumns(union, values)];
  }

  #groupId(members: number[], newGroups: number[]): number {
    const key = members.join(',');
    const existing = this.#groupByKey.get(key);
    if (existing !== undefined) return existing;
    const id = this.#nextGroupId++;
    this.#addGroup(id, members);
    newGroups.push(id);
    return id;
  }

  #addGroup(groupId: number, members: readonly number[]): void {
    this.#groups.set(groupId, members);
    this.#groupByKey.set(members.join(','), groupId);
    members.forEach((seriesId, col) => {
      const places = this.#placesBySeries.get(seriesId);
      if (places === undefined) this.#placesBySeries.set(seriesId, [[groupId, col]]);
      else places.push([groupId, col]);
    });
  }

  #seriesId(input: SeriesInput, labels: string, newSeries: StoredSeries[]): number {
    const key = `${input.name}\u0000${labels}`;
    const existing = this.#seriesByKey.get(key);
    if (existing !== undefined) return existing;
    const id = this.#nextSeriesId++;
    const s: StoredSeries = { id, name: input.name, labels: sortLabels(input.labels), meta: input.meta };
    this.#series.set(id, s);
    this.#seriesByKey.set(key, id);
    newSeries.push(s);
    return id;
  }

  #load(): void {
    for (const r of this.#db.prepare('SELECT id, name FROM names ORDER BY id').iterate() as Iterable<{ id: number; name: string }>) {
      this.#interner.loadName(r.id, r.name);
    }
    for (const r of this.#db.prepare('SELECT id, parent, name_id FROM stacks ORDER BY id').raw().iterate() as Iterable<[number, number, number]>) {
      this.#interner.loadStack(r[0], r[1], r[2]);
    }
    this.#interner.commit();
    const rows = this.#db.prepare('SELECT id, name, labels, spy_name, sample_rate, units, aggregation FROM series ORDER BY id').all() as {
      id: number;
      name: string;
      labels: string;
      spy_name: string;
      sample_rate: number;
      units: string;
      aggregation: string;
    }[];
    for (const r of rows) {
      const labels = JSON.parse(r.labels) as Record<string, string>;
      this.#series.set(r.id, {
        id: r.id,
        name: r.name,
        labels,
        meta: { spyName: r.spy_name, sampleRate: r.sample_rate, units: r.units, aggregation: r.aggregation === 'average' ? 'average' : 'sum' },
      });
      this.#seriesByKey.set(seriesKey(r.name, labels), r.id);
      this.#nextSeriesId = r.id + 1;
    }
    let members: number[] = [];
    let current = -1;
    for (const [groupId, seriesId] of this.#db.prepare('SELECT group_id, series_id FROM group_columns ORDER BY group_id, col').raw().iterate() as Iterable<[number, number]>) {
      if (groupId !== current) {
        if (current >= 0) this.#addGroup(current, members);
        current = groupId;
        members = [];
      }
      members.push(seriesId);
    }
    if (current >= 0) this.#addGroup(current, members);
    // Rows come in group order, so the last group is the highest (no spread of every id: that
    // overflows the call stack past ~150,000 groups, as many as a large v3 database's series).
    this.#nextGroupId = Math.max(current, 0) + 1;
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

function sortLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(sortLabels(labels));
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}\u0000${labelsKey(labels)}`;
}
