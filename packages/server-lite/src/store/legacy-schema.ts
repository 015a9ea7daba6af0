import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.js';
import type { RollupLevel } from './rollup-levels.js';

/**
 * The schema of the single-file store of kprof 0.1 (`kprof.db`, versions 1–4), kept to open and
 * upgrade such a database so that its profiles can move into blocks (legacy-import.ts). New data
 * never goes here: blocks have their own schema (block-schema.ts). Its tables are written out as
 * those versions created them, even where a block's table reads the same (`series`): a frozen
 * schema must not change when the block schema does.
 */

/** Last version of the single-file schema (SQLite `user_version`). */
export const SCHEMA_VERSION = 4;

// The rollup levels of the single-file schema's triggers (one hour, ten minutes), as they were.
const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { level: 2, sizeMs: 3_600_000 },
  { level: 1, sizeMs: 600_000 },
];

/** The version-1 schema, kept as the first migration step (and for upgrade tests). */
export const V1_SCHEMA = `
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
-- One row per profile per series: (stack id, value) pairs in a compact blob.
CREATE TABLE profiles (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  total INTEGER NOT NULL,
  samples BLOB NOT NULL
);
CREATE INDEX profiles_by_series_time ON profiles (series_id, start_ms);
CREATE INDEX profiles_by_time ON profiles (start_ms);
`;

// The start of the rollup bucket of `sizeMs` holding `row`'s profile (SQL expression).
function bucket(row: string, sizeMs: number): string {
  return `${row}.start_ms - ${row}.start_ms % ${sizeMs}`;
}

// The rollup triggers on profiles: `onChange(row)` is their body for the inserted (NEW) or
// deleted (OLD) row.
function rollupTriggers(onChange: (row: string) => string): string {
  return `CREATE TRIGGER profiles_rollup_insert AFTER INSERT ON profiles BEGIN
${onChange('NEW')}
END;
CREATE TRIGGER profiles_rollup_delete AFTER DELETE ON profiles BEGIN
${onChange('OLD')}
END;`;
}

// v2: pre-merged rollups per series and coarse time bucket (see rollup-levels.ts). Triggers keep
// them exact inside the writing transaction: any profile inserted into or deleted from a bucket
// drops that bucket's rollups and queues the bucket for a rebuild, so a stored rollup always
// equals the merge of the profiles now in its bucket. The (series, time, total) index covers
// timeline reads, which need every profile's total but none of its samples.
function v2(): string {
  const onChange = (row: string): string =>
    ROLLUP_LEVELS.map(
      (l) => `  DELETE FROM rollups WHERE series_id = ${row}.series_id AND bucket_start = ${bucket(row, l.sizeMs)} AND level = ${l.level};
  INSERT OR IGNORE INTO rollup_pending (level, bucket_start, series_id) VALUES (${l.level}, ${bucket(row, l.sizeMs)}, ${row}.series_id);`,
    ).join('\n');
  return `
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
CREATE INDEX profiles_by_series_time_total ON profiles (series_id, start_ms, total);
DROP INDEX IF EXISTS profiles_by_series_time;
${rollupTriggers(onChange)}
${ROLLUP_LEVELS.map(
  (l) =>
    `INSERT OR IGNORE INTO rollup_pending (level, bucket_start, series_id) SELECT DISTINCT ${l.level}, ${bucket('profiles', l.sizeMs)}, series_id FROM profiles;`,
).join('\n')}
`;
}

// v4: one profile row per upload and label set holds every sample type of that pprof (a "row
// group": the series of its columns, in group_columns), so stack ids are stored once instead of once
// per type. `group_id` replaces `series_id`; `total` … `total_3` are the totals of columns 0–3 (NULL
// past the row's width; a NULL costs one header byte) and `more_totals` those of any further
// columns (varints), so timeline reads stay on one covering index and read plain integers.
// In place: every existing series becomes a one-column group with the series' id, so v3 rows and
// their one-column blobs stay as they are, and so do the rollups (still per series). The rollup
// triggers now queue every series of the row's group.
function v4(): string {
  const onChange = (row: string): string =>
    ROLLUP_LEVELS.map(
      (l) => `  DELETE FROM rollups WHERE bucket_start = ${bucket(row, l.sizeMs)} AND level = ${l.level} AND series_id IN (SELECT series_id FROM group_columns WHERE group_id = ${row}.group_id);
  INSERT OR IGNORE INTO rollup_pending (level, bucket_start, series_id) SELECT ${l.level}, ${bucket(row, l.sizeMs)}, series_id FROM group_columns WHERE group_id = ${row}.group_id;`,
    ).join('\n');
  return `
DROP TRIGGER IF EXISTS profiles_rollup_insert;
DROP TRIGGER IF EXISTS profiles_rollup_delete;
DROP INDEX IF EXISTS profiles_by_series_time_total;
ALTER TABLE profiles RENAME COLUMN series_id TO group_id;
ALTER TABLE profiles ADD COLUMN total_1 INTEGER;
ALTER TABLE profiles ADD COLUMN total_2 INTEGER;
ALTER TABLE profiles ADD COLUMN total_3 INTEGER;
ALTER TABLE profiles ADD COLUMN more_totals BLOB;
-- The series of each row group, by column. Group ids are their own namespace; v3 series became
-- one-column groups with their own id.
CREATE TABLE group_columns (
  group_id INTEGER NOT NULL,
  col INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  PRIMARY KEY (group_id, col)
) WITHOUT ROWID;
INSERT INTO group_columns (group_id, col, series_id) SELECT id, 0, id FROM series;
CREATE INDEX profiles_by_group_time_totals ON profiles (group_id, start_ms, total, total_1, total_2, total_3, more_totals);
${rollupTriggers(onChange)}
`;
}

/**
 * Creates or checks the schema. A database from a newer kprof throws `KPROF_STORE_SCHEMA_TOO_NEW`
 * rather than being modified. `target` (default the current version) lets upgrade tests build a
 * database of an older version with that version's own steps.
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ConfigError(
      'KPROF_STORE_SCHEMA_TOO_NEW',
      `database schema version ${version} is newer than this kprof-server supports (${SCHEMA_VERSION}); upgrade kprof-server or use another data-dir`,
    );
  }
  if (version >= target) return;
  db.transaction(() => {
    if (version < 1) db.exec(V1_SCHEMA);
    // A v1 database upgrades in place: its existing profiles are queued for rollups.
    if (version < 2 && target >= 2) db.exec(v2());
    // v3: sample blobs may carry a value scale (see sample-blob.ts); v1/v2 blobs decode unchanged,
    // but a v2 kprof-server would misread a scaled blob, so the bump makes it refuse the database
    // (KPROF_STORE_SCHEMA_TOO_NEW) instead. The (start_ms) index goes: ~16 bytes per profile row,
    // and retention walks the per-series (series, time) index instead.
    if (version < 3 && target >= 3) db.exec('DROP INDEX IF EXISTS profiles_by_time;');
    if (version < 4 && target >= 4) db.exec(v4());
    db.pragma(`user_version = ${target}`);
  })();
}
