import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.js';
import { type RollupLevel, rollupLevelsFor } from './rollup-levels.js';
import { STACK_CHUNKS_TABLE, chunkStackTable } from './stack-rows.js';

/**
 * Version of a block file's schema (SQLite `user_version`). Version 5 was the first block format:
 * the tables of a v4 database (see legacy-schema.ts) scoped to one time window, with the window
 * in `block_meta`. Version 6 rolls up per row group (every sample type of a label set in one
 * blob, as a profile row) instead of per series, stores the stack trie in chunks
 * (stack-rows.ts) and names without a unique index; {@link upgradeBlockSchema} converts a v5
 * block.
 */
export const BLOCK_SCHEMA_VERSION = 6;

// The start of the rollup bucket of `sizeMs` holding `row`'s profile (SQL expression).
function bucket(row: string, sizeMs: number): string {
  return `${row}.start_ms - ${row}.start_ms % ${sizeMs}`;
}

/**
 * The schema of one block. Names and the stack trie are the block's own (ids start at 1 in every
 * block; queries join blocks by frame names, never by id). A row holds one upload's label set with
 * its sample types as columns (row group); rollups are per row group too.
 */
function blockSchema(levels: readonly RollupLevel[]): string {
  return `
CREATE TABLE block_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
-- Names are unique (the writer interns them; kprof-server check verifies), without an index
-- that would store every name twice.
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
${STACK_CHUNKS_TABLE}
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  spy_name TEXT NOT NULL,
  sample_rate INTEGER NOT NULL,
  units TEXT NOT NULL,
  aggregation TEXT NOT NULL,
  UNIQUE (name, labels)
);
-- The series of each row group, by column.
CREATE TABLE group_columns (
  group_id INTEGER NOT NULL,
  col INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  PRIMARY KEY (group_id, col)
) WITHOUT ROWID;
-- One row per upload and label set: the totals of columns 0–3 as integers (NULL past the row's
-- width), further totals as varints, and the samples of every column (column-blob.ts).
CREATE TABLE profiles (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  total INTEGER NOT NULL,
  total_1 INTEGER,
  total_2 INTEGER,
  total_3 INTEGER,
  more_totals BLOB,
  samples BLOB NOT NULL
);
CREATE INDEX profiles_by_group_time_totals ON profiles (group_id, start_ms, total, total_1, total_2, total_3, more_totals);
${rollupSchema(levels)}`;
}

/**
 * The rollup tables and the triggers that keep them exact: any profile inserted into or deleted
 * from a bucket drops that bucket's rollup of the row's group and queues it for a rebuild, in the
 * writing transaction. A rollup holds the group's columns like a profile row (column-blob.ts).
 */
function rollupSchema(levels: readonly RollupLevel[]): string {
  const onChange = (row: string): string =>
    levels
      .map(
        (l) => `  DELETE FROM rollups WHERE group_id = ${row}.group_id AND bucket_start = ${bucket(row, l.sizeMs)} AND level = ${l.level};
  INSERT OR IGNORE INTO rollup_pending (level, bucket_start, group_id) VALUES (${l.level}, ${bucket(row, l.sizeMs)}, ${row}.group_id);`,
      )
      .join('\n');
  const triggers =
    levels.length === 0
      ? ''
      : `CREATE TRIGGER profiles_rollup_insert AFTER INSERT ON profiles BEGIN
${onChange('NEW')}
END;
CREATE TRIGGER profiles_rollup_delete AFTER DELETE ON profiles BEGIN
${onChange('OLD')}
END;`;
  return `
CREATE TABLE rollups (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  level INTEGER NOT NULL,
  profile_count INTEGER NOT NULL,
  total INTEGER NOT NULL,
  total_1 INTEGER,
  total_2 INTEGER,
  total_3 INTEGER,
  more_totals BLOB,
  samples BLOB NOT NULL,
  UNIQUE (group_id, bucket_start, level)
);
-- Buckets whose rollup is missing or stale; the rollup builder drains it.
CREATE TABLE rollup_pending (
  level INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  group_id INTEGER NOT NULL,
  PRIMARY KEY (level, bucket_start, group_id)
) WITHOUT ROWID;
${triggers}
`;
}

/** What a block file says about itself. */
export interface BlockMeta {
  /** The window the block holds, unix ms, half-open [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /** Blocks of one window are numbered from 0: a new part starts when the head's memory cap is reached. */
  readonly part: number;
  /** Rollup levels the block keeps (those no wider than its window). */
  readonly levels: readonly RollupLevel[];
}

/** Creates the schema of a new, empty block. */
export function createBlockSchema(db: Database.Database, meta: BlockMeta): void {
  db.transaction(() => {
    db.exec(blockSchema(meta.levels));
    const put = db.prepare('INSERT INTO block_meta (key, value) VALUES (?, ?)');
    put.run('start_ms', String(meta.startMs));
    put.run('end_ms', String(meta.endMs));
    put.run('part', String(meta.part));
    put.run('levels', JSON.stringify(meta.levels));
    db.pragma(`user_version = ${BLOCK_SCHEMA_VERSION}`);
  })();
}

/** The oldest block schema this kprof reads (and upgrades; see {@link upgradeBlockSchema}). */
const OLDEST_BLOCK_SCHEMA = 5;

/**
 * Reads a block's meta. Throws `ConfigError` `KPROF_STORE_SCHEMA_TOO_NEW` for a block from a
 * newer kprof and `KPROF_STORE_BAD_BLOCK` for a file that is not a block.
 */
export function readBlockMeta(db: Database.Database, path: string): BlockMeta {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > BLOCK_SCHEMA_VERSION) {
    throw new ConfigError(
      'KPROF_STORE_SCHEMA_TOO_NEW',
      `block ${path} has schema version ${version}, newer than this kprof-server supports (${BLOCK_SCHEMA_VERSION}); upgrade kprof-server or use another data-dir`,
    );
  }
  const rows = version >= OLDEST_BLOCK_SCHEMA ? (db.prepare('SELECT key, value FROM block_meta').all() as { key: string; value: string }[]) : [];
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  const startMs = Number(meta.get('start_ms'));
  const endMs = Number(meta.get('end_ms'));
  const part = Number(meta.get('part'));
  if (!Number.isSafeInteger(startMs) || !Number.isSafeInteger(endMs) || !(startMs < endMs) || !Number.isSafeInteger(part)) {
    throw new ConfigError('KPROF_STORE_BAD_BLOCK', `${path} is not a kprof block (schema version ${version}, no valid block_meta); move it out of the blocks directory`);
  }
  return { startMs, endMs, part, levels: JSON.parse(meta.get('levels') ?? '[]') as RollupLevel[] };
}

/**
 * Brings a block opened for writing to {@link BLOCK_SCHEMA_VERSION}, in one transaction, and
 * returns its meta as it now is. v5 → v6: the per-series rollups and the 10-minute level are
 * dropped and every bucket of every row group is queued for a build (queries read raw profiles
 * until it is rebuilt, so answers stay exact throughout); the stack rows move into chunks.
 */
export function upgradeBlockSchema(db: Database.Database, old: BlockMeta): BlockMeta {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= BLOCK_SCHEMA_VERSION) return old;
  // v6 has no 10-minute level (rollup-levels.ts).
  const meta = { ...old, levels: rollupLevelsFor(old.endMs - old.startMs) };
  db.transaction(() => {
    db.prepare("UPDATE block_meta SET value = ? WHERE key = 'levels'").run(JSON.stringify(meta.levels));
    db.exec('DROP TRIGGER IF EXISTS profiles_rollup_insert; DROP TRIGGER IF EXISTS profiles_rollup_delete; DROP TABLE IF EXISTS rollups; DROP TABLE IF EXISTS rollup_pending;');
    db.exec(rollupSchema(meta.levels));
    for (const l of meta.levels) {
      db.prepare(`INSERT OR IGNORE INTO rollup_pending (level, bucket_start, group_id) SELECT ?, ${bucket('profiles', l.sizeMs)}, group_id FROM profiles WHERE start_ms >= 0`).run(l.level);
    }
    chunkStackTable(db);
    db.pragma(`user_version = ${BLOCK_SCHEMA_VERSION}`);
  })();
  return meta;
}
