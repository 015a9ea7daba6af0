import type Database from 'better-sqlite3';
import { corrupt, writeVarint } from './sample-blob.js';

/** Trie nodes per stored chunk at most (an upgrade writes full ones; a write, the nodes it added). */
const CHUNK_NODES = 4096;

/**
 * The stack trie rows of a block, in either layout: `stack_chunks` (block schema v6: runs of
 * consecutive nodes in one blob, each node as varints of `id - parent` and its name id, ~3–4
 * bytes a node against ~13 for a table row) or the `stacks` table of one row per node (block
 * schema v5 and kprof 0.1's single file).
 */
export class StackRows {
  readonly #chunked: boolean;
  readonly #stmts: { readonly from: Database.Statement; readonly insert: Database.Statement };

  constructor(db: Database.Database) {
    this.#chunked = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'stack_chunks'").get() !== undefined;
    this.#stmts = this.#chunked
      ? {
          from: db.prepare('SELECT first_id, count, nodes FROM stack_chunks WHERE first_id + count > ? ORDER BY first_id').raw(),
          insert: db.prepare('INSERT INTO stack_chunks (first_id, count, nodes) VALUES (?, ?, ?)'),
        }
      : {
          from: db.prepare('SELECT id, parent, name_id FROM stacks WHERE id >= ? ORDER BY id').raw(),
          insert: db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (?, ?, ?)'),
        };
  }

  /** Calls `each(id, parent, nameId)` for every node from id `fromId` on, ids ascending. */
  read(fromId: number, each: (id: number, parent: number, nameId: number) => void): void {
    if (!this.#chunked) {
      for (const [id, parent, nameId] of this.#stmts.from.iterate(fromId) as Iterable<[number, number, number]>) each(id, parent, nameId);
      return;
    }
    for (const [first, count, nodes] of this.#stmts.from.iterate(fromId) as Iterable<[number, number, Uint8Array]>) decodeChunk(first, count, nodes, fromId, each);
  }

  /** Inserts nodes `[id, parent, nameId]` (consecutive ids, ascending), in the caller's transaction. */
  write(nodes: readonly (readonly [number, number, number])[]): void {
    if (!this.#chunked) {
      for (const [id, parent, nameId] of nodes) this.#stmts.insert.run(id, parent, nameId);
      return;
    }
    for (let i = 0; i < nodes.length; i += CHUNK_NODES) {
      const part = nodes.slice(i, i + CHUNK_NODES);
      this.#stmts.insert.run(part[0]![0], part.length, encodeChunk(part));
    }
  }
}

/** The v6 chunk table (block-schema.ts) and the statements moving a v5 `stacks` table into it. */
export const STACK_CHUNKS_TABLE = `-- The stack trie (a stack is the node of its leaf frame; parent 0 is the root) in runs of
-- consecutive node ids: per node, varints of (id - parent) and its name id (stack-rows.ts).
CREATE TABLE stack_chunks (
  first_id INTEGER PRIMARY KEY,
  count INTEGER NOT NULL,
  nodes BLOB NOT NULL
);`;

/** Moves a v5 block's `stacks` rows into `stack_chunks` and drops the table (in the caller's transaction). */
export function chunkStackTable(db: Database.Database): void {
  db.exec(STACK_CHUNKS_TABLE);
  const insert = db.prepare('INSERT INTO stack_chunks (first_id, count, nodes) VALUES (?, ?, ?)');
  // A page at a time: better-sqlite3 cannot write while a query on the connection iterates.
  const page = db.prepare('SELECT id, parent, name_id FROM stacks WHERE id > ? ORDER BY id LIMIT ?').raw();
  for (let after = 0; ; ) {
    const part = page.all(after, CHUNK_NODES) as [number, number, number][];
    if (part.length === 0) break;
    insert.run(part[0]![0], part.length, encodeChunk(part));
    after = part[part.length - 1]![0];
  }
  db.exec('DROP TABLE stacks');
}

function encodeChunk(nodes: readonly (readonly [number, number, number])[]): Buffer {
  const out = Buffer.allocUnsafe(nodes.length * 16);
  let pos = 0;
  for (const [id, parent, nameId] of nodes) {
    pos = writeVarint(out, pos, id - parent);
    pos = writeVarint(out, pos, nameId);
  }
  return Buffer.from(out.subarray(0, pos));
}

function decodeChunk(first: number, count: number, blob: Uint8Array, fromId: number, each: (id: number, parent: number, nameId: number) => void): void {
  let pos = 0;
  const read = (): number => {
    let v = 0;
    let mul = 1;
    let b = 0x80;
    while (b >= 0x80) {
      if (pos >= blob.length) throw corrupt('(stack chunk) is truncated');
      b = blob[pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    }
    return v;
  };
  for (let id = first; id < first + count; id++) {
    const back = read();
    const nameId = read();
    if (id >= fromId) each(id, id - back, nameId);
  }
  if (pos !== blob.length) throw corrupt('(stack chunk) has bytes past its nodes');
}
