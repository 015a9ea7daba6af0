import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.js';
import type { RollupLevel } from './rollup-levels.js';

/**
 * Version of a block file's schema (SQLite `user_version`). Version 5 is the first block format:
 * the tables of a v4 database (see legacy-schema.ts) scoped to one time window, with the window
 * in `block_meta`.
 */
export const BLOCK_SCHEMA_VERSION = 5;

// The start of the rollup bucket of `sizeMs` holding `row`'s profile (SQL expression).
function bucket(row: string, sizeMs: number): string {
  return `${row}.start_ms - ${row}.start_ms % ${sizeMs}`;
}

/**
 * The schema of one block. Names and the stack trie are the block's own (ids start at 1 in every
 * block; queries join blocks by frame names, never by id). A row holds one upload's label set with
 * its sample types as columns (row group); the triggers keep rollups exact: any profile inserted
 * into or deleted from a bucket drops that bucket's rollups of the row's series and queues them
 * for a rebuild, in the writing transaction.
 */
function blockSchema(levels: readonly RollupLevel[]): string {
  const onChange = (row: string): string =>
    levels
      .map(
        (l) => `  DELETE FROM rollups WHERE bucket_start = ${bucket(row, l.sizeMs)} AND level = ${l.level} AND series_id IN (SELECT series_id FROM group_columns WHERE group_id = ${row}.group_id);
  INSERT OR IGNORE INTO rollup_pending (level, bucket_start, series_id) SELECT ${l.level}, ${bucket(row, l.sizeMs)}, series_id FROM group_columns WHERE group_id = ${row}.group_id;`,
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
CREATE TABLE block_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
-- The stack trie: a stack is the node of its leaf frame; parent 0 is the root.
CREATE TABLE stacks (
  id INTEGER PRIMARY KEY,
  parent INTEGER NOT NULL,
  name_id INTEGER NOT NULL
);
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
CREATE TABLE rollups (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  level INTEGER NOT NULL,
  profile_count INTEGER NOT NULL,
  total INTEGER NOT NULL,
  samples BLOB NOT NULL,
  UNIQUE (series_id, bucket_start, level)
);
-- Buckets whose rollup is missing or stale; the rollup builder drains it.
CREATE TABLE rollup_pending (
  level INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  PRIMARY KEY (level, bucket_start, series_id)
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
  const rows = version === BLOCK_SCHEMA_VERSION ? (db.prepare('SELECT key, value FROM block_meta').all() as { key: string; value: string }[]) : [];
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  const startMs = Number(meta.get('start_ms'));
  const endMs = Number(meta.get('end_ms'));
  const part = Number(meta.get('part'));
  if (!Number.isSafeInteger(startMs) || !Number.isSafeInteger(endMs) || !(startMs < endMs) || !Number.isSafeInteger(part)) {
    throw new ConfigError('KPROF_STORE_BAD_BLOCK', `${path} is not a kprof block (schema version ${version}, no valid block_meta); move it out of the blocks directory`);
  }
  return { startMs, endMs, part, levels: JSON.parse(meta.get('levels') ?? '[]') as RollupLevel[] };
}
