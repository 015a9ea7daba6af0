import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { STACK_CHUNKS_TABLE, StackRows, chunkStackTable } from './stack-rows.js';

// A trie of `n` nodes: node i hangs under i - 1 or, every 7th, under the root; names cycle.
const nodes = (from: number, n: number): [number, number, number][] => Array.from({ length: n }, (_, k) => [from + k, (from + k) % 7 === 0 ? 0 : from + k - 1, 1 + ((from + k) % 300)]);

function readAll(rows: StackRows, fromId: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  rows.read(fromId, (id, parent, nameId) => out.push([id, parent, nameId]));
  return out;
}

describe('StackRows', () => {
  it.each([
    { name: 'chunks, several writes', layout: 'chunks', writes: [5000, 3, 1200] },
    { name: 'a table row per node (schema v5)', layout: 'table', writes: [300, 20] },
  ])('$name: reads back every node from any id on', ({ layout, writes }) => {
    const db = new Database(':memory:');
    db.exec(layout === 'chunks' ? STACK_CHUNKS_TABLE : 'CREATE TABLE stacks (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, name_id INTEGER NOT NULL)');
    const rows = new StackRows(db);
    let next = 1;
    const all: [number, number, number][] = [];
    for (const n of writes) {
      const part = nodes(next, n);
      rows.write(part);
      all.push(...part);
      next += n;
    }
    expect(readAll(rows, 1)).toEqual(all);
    // From the middle of a chunk: only the nodes from there on.
    expect(readAll(rows, 4097)).toEqual(all.slice(4096));
    expect(readAll(rows, next)).toEqual([]);
  });

  it('moves a v5 stacks table into chunks', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE stacks (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, name_id INTEGER NOT NULL)');
    const all = nodes(1, 9000);
    new StackRows(db).write(all);
    chunkStackTable(db);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual(['stack_chunks']);
    expect(db.prepare('SELECT count(*) FROM stack_chunks').pluck().get()).toBe(3);
    expect(readAll(new StackRows(db), 1)).toEqual(all);
  });
});
