import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, LimitError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { StackTree } from '../model/stack-tree.js';
import type { StoredSeries } from '../model/stored-series.js';
import { Block, type MergeStats } from './block.js';
import { type BlockWindow, blockFileName, parseBlockFileName, windowOf } from './block-window.js';
import type { BuildOptions, BuildResult } from './rollup-store.js';
import { rollupLevelsFor } from './rollup-levels.js';
import { labelsKey } from './series-catalog.js';
import { WriteLimiter, type WriteLimits } from './write-limits.js';
import { QueryBudget, type ReadLimits } from './query-budget.js';

/** Options for {@link ProfileStore.open}. */
export interface ProfileStoreOptions {
  /** Width of a block's time window, ms (storage.block-duration). Default 1 day. */
  readonly blockDurationMs?: number;
  /** Memory of the newest block's stack trie and names before it is closed and a new part started, bytes (storage.head-max-bytes). */
  readonly headMaxBytes?: number;
  /** Memory of older blocks' tries kept for queries, bytes (storage.block-cache-bytes); the least recently used go first. */
  readonly blockCacheBytes?: number;
  /** Largest trie merged into a dense array; bigger ones use a map. Default 4,000,000 nodes. */
  readonly denseMergeMaxStacks?: number;
  /**
   * The query side of a store another thread writes (store-writer.ts): blocks are opened
   * read-only and every read first picks up blocks created or deleted since. Writes throw.
   */
  readonly readOnly?: boolean;
  /** Per-application and per-tenant write limits (`limits.*`); none without. */
  readonly limits?: WriteLimits;
}

/** A query's time range, unix ms, half-open. */
export interface TimeRange {
  readonly fromMs: number;
  readonly untilMs: number;
}

/** One stored profile's place in a time series: which of the queried series, when, its total. */
export interface SeriesPoint {
  /** Index of the series in the list the query was given. */
  readonly series: number;
  readonly timeMs: number;
  readonly total: number;
}

/** Profiles of some series merged over a range. */
export interface MergedSeries {
  readonly tree: StackTree;
  readonly points: SeriesPoint[];
  readonly profileCount: number;
}

/** Name of the directory of block files inside the data directory. */
export const BLOCKS_DIR = 'blocks';

const NO_LIMITS: WriteLimits = { appMaxSeries: 0, tenantMaxSeries: 0, appMaxNewStacksPerMinute: 0, appMaxNewNamesPerMinute: 0 };
const DEFAULTS = { blockDurationMs: 86_400_000, headMaxBytes: 256 * 1024 * 1024, blockCacheBytes: 256 * 1024 * 1024, readOnly: false, limits: NO_LIMITS };

/**
 * server-lite's store: profiles in time-partitioned blocks, one SQLite file per window (and part)
 * under `<data-dir>/blocks/`, each with its own names, stack trie, series and rollups (block.ts).
 * A profile goes to the block of its start time's window; queries merge the blocks overlapping
 * their range by frame names and series labels, never by id. Retention deletes whole blocks, so
 * everything of a window — profiles, series, names, stacks, rollups — goes at once, on disk and in
 * memory. Memory is bounded by configuration: only block metadata and series are read at open;
 * the newest window's trie is capped (`headMaxBytes`: past it the window continues in a new
 * part), older tries are loaded for queries (or late writes) and dropped least recently used
 * past `blockCacheBytes`.
 */
export class ProfileStore {
  readonly dataDir: string;
  readonly blocksDir: string;
  readonly #opts: Required<ProfileStoreOptions>;
  /** Open blocks, oldest window first (then part). */
  #blocks: Block[] = [];
  /** The writable part of each window: the highest. */
  readonly #writable = new Map<number, Block>();
  /** Tries loaded for queries, least recently used first. */
  readonly #trieUse = new Set<Block>();
  readonly #limiter: WriteLimiter;
  #closed = false;

  private constructor(dataDir: string, opts: Required<ProfileStoreOptions>) {
    this.dataDir = dataDir;
    this.blocksDir = join(dataDir, BLOCKS_DIR);
    this.#opts = opts;
    this.#limiter = new WriteLimiter(opts.limits);
  }

  /**
   * Opens (creating if needed) the store in `dataDir`: reads every block's metadata and series,
   * nothing more. Throws `ConfigError` `KPROF_STORE_OPEN_FAILED` (and the block errors of
   * {@link Block.open}).
   */
  static open(dataDir: string, options: ProfileStoreOptions = {}): ProfileStore {
    const opts = { ...DEFAULTS, denseMergeMaxStacks: 4_000_000, ...options };
    const store = new ProfileStore(dataDir, opts);
    try {
      mkdirSync(store.blocksDir, { recursive: true });
    } catch (err) {
      throw new ConfigError('KPROF_STORE_OPEN_FAILED', `cannot create ${store.blocksDir}: ${(err as Error).message}; check data-dir / --data-dir`, { cause: err });
    }
    try {
      for (const path of store.#blockFiles()) store.#add(store.#openBlock(path));
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  #blockFiles(): string[] {
    return readdirSync(this.blocksDir)
      .filter((name) => parseBlockFileName(name) !== undefined)
      .map((name) => join(this.blocksDir, name));
  }

  #openBlock(path: string): Block {
    return Block.open(path, { denseMergeMaxStacks: this.#opts.denseMergeMaxStacks, readOnly: this.#opts.readOnly });
  }

  // The query side's catch-up with the writer: opens blocks created since and closes deleted ones.
  // A block the writer is still creating (no schema yet) is skipped until a later read.
  #sync(): void {
    if (!this.#opts.readOnly || this.#closed) return;
    const present = new Set(this.#blockFiles());
    const known = new Set(this.#blocks.map((b) => b.path));
    const gone = this.#blocks.filter((b) => !present.has(b.path));
    if (gone.length > 0) this.#forget(gone);
    for (const path of present) {
      if (known.has(path)) continue;
      try {
        this.#add(this.#openBlock(path));
      } catch {
        // Not readable yet: the writer's first transaction on it has not committed.
      }
    }
  }

  /** Blocks, oldest first. */
  get blocks(): readonly Block[] {
    this.#sync();
    return this.#blocks;
  }

  /**
   * Stores profiles: each in the block of its start time's window (created when missing), one
   * transaction per block. A batch that spans windows commits block by block: when one block's
   * transaction fails, the blocks before it stay committed and the error is thrown.
   */
  writeBatch(profiles: readonly IngestProfile[]): void {
    this.#checkWritable();
    const byWindow = new Map<number, IngestProfile[]>();
    for (const p of profiles) {
      // A profile without samples stores nothing, not even its window's block.
      if (p.series.length === 0) continue;
      const start = windowOf(p.startMs, this.#opts.blockDurationMs).startMs;
      const list = byWindow.get(start);
      if (list === undefined) byWindow.set(start, [p]);
      else list.push(p);
    }
    for (const [start, list] of byWindow) {
      const block = this.#writableBlock(start);
      block.writeBatch(list).forEach((added, i) => this.#limiter.record(list[i]!, added));
      this.#touch(block);
    }
    // Tries of windows written to earlier (late profiles, a day ago) count against the same cache
    // as the ones queries load: otherwise the writer keeps every block's until retention.
    this.#evictTries();
  }

  /**
   * {@link writeBatch} for groups of profiles (a group is one request's profiles): each group is
   * checked against the write limits first (write-limits.ts) and refused alone when over one; the
   * rest are written. Returns per group `undefined` once stored or its `LimitError`. A store error
   * fails every group of the call (the write batcher's sink contract).
   */
  writeGroups(groups: readonly (readonly IngestProfile[])[]): unknown[] {
    this.#checkWritable();
    const refused = this.#limiter.admit(groups, (p) => this.#existingWritable(windowOf(p.startMs, this.#opts.blockDurationMs).startMs));
    this.writeBatch(groups.filter((_g, i) => refused[i] === undefined).flat());
    return refused;
  }

  /**
   * Writes rows of kprof 0.1's single-file database (legacy-import.ts), each to the block of its
   * window, skipping rows a block already took (its `legacyUpto`), so a resumed import repeats
   * nothing. Rows must come in ascending `rowId`. Returns the number written.
   */
  importLegacyRows(rows: readonly { rowId: number; profile: IngestProfile }[]): number {
    this.#checkWritable();
    const byWindow = new Map<number, { rowId: number; profile: IngestProfile }[]>();
    for (const r of rows) {
      const start = windowOf(r.profile.startMs, this.#opts.blockDurationMs).startMs;
      const list = byWindow.get(start);
      if (list === undefined) byWindow.set(start, [r]);
      else list.push(r);
    }
    let written = 0;
    for (const [start, list] of byWindow) {
      const done = Math.max(0, ...this.#blocks.filter((b) => b.meta!.startMs === start).map((b) => b.legacyUpto));
      const todo = list.filter((r) => r.rowId > done);
      if (todo.length === 0) continue;
      this.#writableBlock(start).writeLegacyRows(
        todo.map((r) => r.profile),
        todo[todo.length - 1]!.rowId,
      );
      written += todo.length;
    }
    return written;
  }

  /**
   * Every series with a profile in `range` (every stored series without one), once per name and
   * label set however many blocks hold it.
   */
  series(range?: TimeRange): StoredSeries[] {
    this.#checkOpen();
    this.#sync();
    const out = new Map<string, StoredSeries>();
    for (const block of this.#overlapping(range)) {
      for (const s of block.series()) {
        const key = seriesKey(s);
        if (out.has(key)) continue;
        if (range !== undefined && !block.hasProfilesBetween(s.id, range.fromMs, range.untilMs)) continue;
        out.set(key, { name: s.name, labels: s.labels, meta: s.meta });
      }
    }
    return [...out.values()];
  }

  /**
   * Merges every profile of `series` in `range` into one tree: per block, the block's rollups for
   * whole buckets inside the range and raw rows elsewhere (block.ts), joined across blocks by
   * frame names. Throws `LimitError` past `limits` (`KPROF_QUERY_TOO_MANY_PROFILES`: blobs read,
   * a rollup counting once; `KPROF_QUERY_TOO_MANY_LISTED_PROFILES`: profiles listed).
   */
  merge(series: readonly StoredSeries[], range: TimeRange, limits: ReadLimits): MergedSeries {
    this.#checkOpen();
    this.#sync();
    const tree = new StackTree();
    const points: SeriesPoint[] = [];
    const budget = new QueryBudget(limits);
    for (const { block, ids, indexOf } of this.#local(series, range)) {
      const merged = block.mergeStacks(ids, Math.max(range.fromMs, block.meta!.startMs), Math.min(range.untilMs, block.meta!.endMs), budget);
      this.#touch(block);
      tree.addForest(block.forest(merged.stackIds, (id) => mergedValueOf(merged.values, id)));
      for (const p of merged.points) points.push({ series: indexOf.get(p.seriesId)!, timeMs: p.timeMs, total: p.total });
    }
    this.#evictTries();
    return { tree, points, profileCount: points.length };
  }

  /** Start time and total of every profile of `series` in `range`, without reading samples; bounded like {@link merge}. */
  points(series: readonly StoredSeries[], range: TimeRange, limits: ReadLimits): SeriesPoint[] {
    this.#checkOpen();
    this.#sync();
    const points: SeriesPoint[] = [];
    const budget = new QueryBudget(limits);
    for (const { block, ids, indexOf } of this.#local(series, range)) {
      const local = block.profilePoints(ids, range.fromMs, range.untilMs, budget);
      for (const p of local) points.push({ series: indexOf.get(p.seriesId)!, timeMs: p.timeMs, total: p.total });
    }
    return points;
  }

  /** End time (unix ms) of the newest profile of `series`, or undefined when it has none. */
  lastSeen(series: StoredSeries): number | undefined {
    this.#checkOpen();
    this.#sync();
    const key = seriesKey(series);
    for (let i = this.#blocks.length - 1; i >= 0; i--) {
      const block = this.#blocks[i]!;
      const local = block.series().find((s) => seriesKey(s) === key);
      const end = local === undefined ? undefined : block.lastProfileEndMs(local.id);
      if (end !== undefined) return end;
    }
    return undefined;
  }

  /** Builds queued rollups of settled buckets, block by block, within one budget (see {@link Block.buildRollups}). */
  buildRollups(nowMs: number, opts: BuildOptions = {}): BuildResult {
    this.#checkWritable();
    const budgetMs = opts.budgetMs ?? 100;
    const started = performance.now();
    let built = 0;
    let error: unknown;
    for (const block of [...this.#blocks].reverse()) {
      const left = budgetMs - (performance.now() - started);
      if (left <= 0) return { built, more: true, ...(error !== undefined ? { error } : {}) };
      const r = block.buildRollups(nowMs, { ...opts, budgetMs: left });
      built += r.built;
      error ??= r.error;
      if (r.more) return { built, more: true, ...(error !== undefined ? { error } : {}) };
    }
    return { built, more: false, ...(error !== undefined ? { error } : {}) };
  }

  /** Buckets queued for a rollup build, over every block. */
  pendingRollups(): number {
    this.#checkOpen();
    return this.#blocks.reduce((n, b) => n + b.pendingRollups(), 0);
  }

  /** Read-path counters summed over the open blocks. */
  get mergeStats(): MergeStats {
    const sum = { rollupBlobs: 0, rawBlobs: 0, staleRollups: 0, rollupsBuilt: 0, failedBuilds: 0 };
    for (const b of this.#blocks) for (const [k, v] of Object.entries(b.mergeStats)) sum[k as keyof typeof sum] += v;
    return sum;
  }

  /**
   * Deletes every block whose window ended at or before `cutoffMs` (all of its profiles are older
   * than the cutoff); returns the number of blocks deleted.
   */
  deleteBlocksBefore(cutoffMs: number): number {
    this.#checkWritable();
    return this.#deleteWhile((b) => b.meta!.endMs <= cutoffMs);
  }

  /**
   * Deletes the oldest blocks while the data directory's blocks take more than `maxBytes`, never
   * the newest window; returns the number deleted.
   */
  deleteOldestOver(maxBytes: number): number {
    this.#checkWritable();
    let total = this.#blocks.reduce((n, b) => n + b.fileBytes(), 0);
    const newest = this.#blocks.at(-1)?.meta!.startMs;
    return this.#deleteWhile((b) => {
      if (total <= maxBytes || b.meta!.startMs === newest) return false;
      total -= b.fileBytes();
      return true;
    });
  }

  /** Bytes of the block files on disk (WAL included). */
  sizes(): { fileBytes: number } {
    this.#checkOpen();
    this.#sync();
    return { fileBytes: this.#blocks.reduce((n, b) => n + b.fileBytes(), 0) };
  }

  /** Memory held by loaded stack tries, bytes (the newest window's and the query cache's). */
  get trieBytes(): number {
    return this.#blocks.reduce((n, b) => n + b.trieBytes, 0);
  }

  /** Number of stored series profiles: a row counts once per series it holds. */
  profileCount(): number {
    this.#sync();
    return this.#blocks.reduce((n, b) => n + b.profileCount(), 0);
  }

  /** `PRAGMA integrity_check` of every block: `ok`, or the problems found per block. */
  integrityCheck(): string {
    this.#sync();
    const problems = this.#blocks.map((b) => [b.path, b.integrityCheck()] as const).filter(([, r]) => r !== 'ok');
    return problems.length === 0 ? 'ok' : problems.map(([path, r]) => `${path}: ${r}`).join('\n');
  }

  /** Checkpoints and closes every block. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const b of this.#blocks) b.close();
    this.#blocks = [];
    this.#writable.clear();
    this.#trieUse.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new LimitError('KPROF_STORE_CLOSED', 'the store is closed (server shutting down)');
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#opts.readOnly) throw new Error('ProfileStore: a write on the read-only query side (writes go through the store writer)');
  }

  #add(block: Block): void {
    const meta = block.meta!;
    this.#blocks.push(block);
    this.#blocks.sort((a, b) => a.meta!.startMs - b.meta!.startMs || a.meta!.part - b.meta!.part);
    const current = this.#writable.get(meta.startMs);
    if (current === undefined || current.meta!.part < meta.part) this.#writable.set(meta.startMs, block);
  }

  // The block a window's profiles would be written to now, if it exists.
  #existingWritable(startMs: number): Block | undefined {
    const current = this.#writable.get(startMs);
    return current !== undefined && current.trieBytes <= this.#opts.headMaxBytes ? current : undefined;
  }

  // The block a window's profiles are written to: its highest part, or a new part once that
  // part's trie is over the head's memory cap (so one window cannot hold more than the cap in RAM).
  #writableBlock(startMs: number): Block {
    const current = this.#writable.get(startMs);
    if (current !== undefined && current.trieBytes <= this.#opts.headMaxBytes) return current;
    if (current !== undefined) current.dropTrie();
    const window: BlockWindow = windowOf(startMs, this.#opts.blockDurationMs);
    const part = current === undefined ? 0 : current.meta!.part + 1;
    const block = Block.create(join(this.blocksDir, blockFileName(window.startMs, part)), {
      ...window,
      part,
      levels: rollupLevelsFor(window.endMs - window.startMs),
    });
    this.#add(block);
    return block;
  }

  #overlapping(range: TimeRange | undefined): Block[] {
    if (range === undefined) return this.#blocks;
    return this.#blocks.filter((b) => b.meta!.startMs < range.untilMs && b.meta!.endMs > range.fromMs);
  }

  // Per block overlapping `range`, the block-local ids of `series` and their index in `series`.
  *#local(series: readonly StoredSeries[], range: TimeRange): Generator<{ block: Block; ids: number[]; indexOf: Map<number, number> }> {
    const wanted = new Map(series.map((s, i) => [seriesKey(s), i]));
    for (const block of this.#overlapping(range)) {
      const indexOf = new Map<number, number>();
      for (const s of block.series()) {
        const i = wanted.get(seriesKey(s));
        if (i !== undefined) indexOf.set(s.id, i);
      }
      if (indexOf.size > 0) yield { block, ids: [...indexOf.keys()], indexOf };
    }
  }

  #touch(block: Block): void {
    this.#trieUse.delete(block);
    this.#trieUse.add(block);
  }

  // Drops the least recently used tries of windows no longer written to while they hold more than the cache allows.
  #evictTries(): void {
    let bytes = 0;
    for (const b of this.#trieUse) bytes += b.trieBytes;
    for (const b of this.#trieUse) {
      if (bytes <= this.#opts.blockCacheBytes) break;
      if (this.#writable.get(b.meta!.startMs) === b && b === this.#blocks.at(-1)) continue;
      bytes -= b.trieBytes;
      b.dropTrie();
      this.#trieUse.delete(b);
    }
  }

  #deleteWhile(shouldDelete: (block: Block) => boolean): number {
    const gone: Block[] = [];
    // Blocks are in time order: the oldest go first, and a kept block stops the walk.
    for (const block of this.#blocks) {
      if (!shouldDelete(block)) break;
      gone.push(block);
    }
    this.#forget(gone);
    for (const block of gone) for (const suffix of ['', '-wal', '-shm']) rmSync(`${block.path}${suffix}`, { force: true });
    return gone.length;
  }

  // Closes `blocks` and drops them from every index (their files are deleted, or already gone).
  #forget(blocks: readonly Block[]): void {
    for (const block of blocks) {
      block.close();
      if (this.#writable.get(block.meta!.startMs) === block) this.#writable.delete(block.meta!.startMs);
      this.#trieUse.delete(block);
    }
    this.#blocks = this.#blocks.filter((b) => !blocks.includes(b));
  }
}

function seriesKey(s: Pick<StoredSeries, 'name' | 'labels'>): string {
  return `${s.name}\u0000${labelsKey(s.labels)}`;
}

function mergedValueOf(values: Float64Array | Map<number, number>, id: number): number {
  return values instanceof Float64Array ? values[id]! : (values.get(id) ?? 0);
}
