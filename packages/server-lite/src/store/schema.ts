import type Database from 'better-sqlite3';
import { KprofError } from '../errors.js';

/** Version of the on-disk schema (SQLite `user_version`). Bump with a migration step. */
export const SCHEMA_VERSION = 1;

const V1 = `
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

/**
 * Creates or checks the schema. A database from a newer kprof throws `KPROF_STORE_SCHEMA_TOO_NEW`
 * rather than being modified.
 */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new KprofError(
      'KPROF_STORE_SCHEMA_TOO_NEW',
      `database schema version ${version} is newer than this kprof-server supports (${SCHEMA_VERSION}); upgrade kprof-server or use another data-dir`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    if (version < 1) db.exec(V1);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
