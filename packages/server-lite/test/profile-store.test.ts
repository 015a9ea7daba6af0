// The block store on a real data directory: profiles land in the block of their window, queries
// join blocks by frame names and labels, retention deletes whole blocks (files and everything in
// them), and the newest window moves to a new part when its trie passes the memory cap.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { foldedToProfile } from '../src/ingest/folded-to-profile.js';
import type { IngestProfile } from '../src/model/ingest-profile.js';
import { BLOCKS_DIR, ProfileStore, type ProfileStoreOptions } from '../src/store/profile-store.js';
import { makeTempDir } from './helpers/profiles.js';

const tmp = makeTempDir('kprof-store-');
afterAll(() => tmp.cleanup());
const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };
const MIN = 60_000;

function folded(text: string, app: string, labels: Record<string, string>, startMs: number): IngestProfile {
  return foldedToProfile(text, { app, labels }, meta, { startMs, endMs: startMs + 10_000, receivedBytes: text.length }, { maxSamples: 1000, maxStackDepth: 100 });
}

function open(name: string, options: ProfileStoreOptions = {}): ProfileStore {
  const store = ProfileStore.open(join(tmp.dir, name), { blockDurationMs: 10 * MIN, ...options });
  onTestFinished(() => store.close());
  return store;
}

// Merged totals per stack (root-first frames joined by ';') of every series named `name`.
function totals(store: ProfileStore, name: string, fromMs: number, untilMs: number): Record<string, number> {
  const series = store.series().filter((s) => s.name === name);
  const out: Record<string, number> = {};
  for (const { frames, value } of store.merge(series, { fromMs, untilMs }, { maxProfiles: 1000, maxListedProfiles: 1000 }).tree.stacks()) out[frames.join(';')] = value;
  return out;
}

describe('ProfileStore (blocks)', () => {
  it('writes each profile to the block of its window and merges across blocks by frame names', () => {
    const store = open('windows');
    store.writeBatch([folded('a;b 3\na;c 2\n', 'app.cpu', { env: 'x' }, 1_000), folded('a;b 1\nd 7\n', 'app.cpu', { env: 'x' }, 11 * MIN)]);
    store.writeBatch([folded('a;b 5\n', 'app.cpu', { env: 'y' }, 25 * MIN)]);
    expect(store.blocks.map((b) => [b.meta!.startMs, b.meta!.part])).toEqual([
      [0, 0],
      [10 * MIN, 0],
      [20 * MIN, 0],
    ]);
    expect(totals(store, 'app.cpu', 0, 30 * MIN)).toEqual({ 'a;b': 9, 'a;c': 2, d: 7 });
    expect(totals(store, 'app.cpu', 0, 11 * MIN)).toEqual({ 'a;b': 3, 'a;c': 2 });
    // Each block has its own names: `d` is only in the second.
    expect(store.blocks.map((b) => b.stackCount)).toEqual([4, 4, 3]);
    expect(store.series({ fromMs: 20 * MIN, untilMs: 30 * MIN }).map((s) => s.labels)).toEqual([{ env: 'y' }]);
    expect(store.series().map((s) => s.labels)).toEqual([{ env: 'x' }, { env: 'y' }]);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('reopens with the same data, reading only block metadata and series until a query needs a trie', () => {
    const first = ProfileStore.open(join(tmp.dir, 'reopen'), { blockDurationMs: 10 * MIN });
    first.writeBatch([folded('a;b 3\n', 'p.cpu', {}, 0), folded('a;c 1\n', 'p.cpu', {}, 10 * MIN)]);
    first.close();
    const store = open('reopen');
    expect(store.trieBytes).toBe(0);
    expect(totals(store, 'p.cpu', 0, 20 * MIN)).toEqual({ 'a;b': 3, 'a;c': 1 });
    expect(store.trieBytes).toBeGreaterThan(0);
  });

  it('the writer keeps older windows\' tries only within storage.block-cache-bytes', () => {
    const store = open('writer-cache', { blockCacheBytes: 1 });
    store.writeBatch([folded('a;b 3\n', 'p.cpu', {}, 0)]);
    store.writeBatch([folded('a;c 1\n', 'p.cpu', {}, 10 * MIN)]);
    // The newest window keeps its trie (the head); the older one's is dropped.
    expect(store.blocks.map((b) => b.trieBytes > 0)).toEqual([false, true]);
    // A late profile for the older window loads its trie again and interns against it.
    store.writeBatch([folded('a;b 2\n', 'p.cpu', {}, MIN)]);
    expect(store.blocks.map((b) => b.stackCount)).toEqual([3, 3]);
    expect(totals(store, 'p.cpu', 0, 20 * MIN)).toEqual({ 'a;b': 5, 'a;c': 1 });
    expect(store.integrityCheck()).toBe('ok');
  });

  it('retention deletes whole blocks: files, series and names go with them', () => {
    const store = open('retention');
    store.writeBatch([folded('old;gone 1\n', 'old.cpu', {}, 0), folded('new;kept 1\n', 'new.cpu', {}, 10 * MIN)]);
    const dir = join(tmp.dir, 'retention', BLOCKS_DIR);
    expect(readdirSync(dir).filter((f) => f.endsWith('.db'))).toHaveLength(2);
    expect(store.deleteBlocksBefore(10 * MIN - 1)).toBe(0);
    expect(store.deleteBlocksBefore(10 * MIN)).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual([`${10 * MIN}-0.db`]);
    expect(store.series().map((s) => s.name)).toEqual(['new.cpu']);
    expect(totals(store, 'new.cpu', 0, 20 * MIN)).toEqual({ 'new;kept': 1 });
  });

  it('size retention deletes the oldest blocks but never the newest window', () => {
    const store = open('size');
    for (let i = 0; i < 4; i++) store.writeBatch([folded(`w${i};x 1\n`, 'p.cpu', {}, i * 10 * MIN)]);
    const newest = store.blocks.at(-1)!.path;
    expect(store.deleteOldestOver(1)).toBe(3);
    expect(store.blocks.map((b) => b.path)).toEqual([newest]);
    expect(existsSync(newest)).toBe(true);
  });

  it('continues a window in a new part once the head trie is over storage.head-max-bytes', () => {
    const store = open('parts', { headMaxBytes: 1 });
    store.writeBatch([folded('a;b 1\n', 'p.cpu', {}, 1_000)]);
    store.writeBatch([folded('a;b 2\n', 'p.cpu', {}, 2_000)]);
    expect(store.blocks.map((b) => b.meta!.part)).toEqual([0, 1]);
    expect(totals(store, 'p.cpu', 0, 10 * MIN)).toEqual({ 'a;b': 3 });
  });

  it('stores nothing for a profile without samples, and interns no name its stored samples do not use', () => {
    const store = open('nothing');
    store.writeBatch([folded('', 'p.cpu', {}, 0)]);
    expect(store.blocks).toHaveLength(0);
    const profile = folded('a;b 1\n', 'p.cpu', {}, 0);
    store.writeBatch([{ ...profile, names: [...profile.names, 'never-used'.repeat(1000)] }]);
    const db = new Database(store.blocks[0]!.path, { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    expect(db.prepare('SELECT name FROM names ORDER BY id').pluck().all()).toEqual(['a', 'b']);
  });

  it('refuses a merge past query.max-profiles or query.max-listed-profiles, counted over every block', () => {
    const store = open('limit');
    store.writeBatch([folded('a 1\n', 'p.cpu', {}, 0), folded('a 1\n', 'p.cpu', {}, 10 * MIN)]);
    const series = store.series();
    const range = { fromMs: 0, untilMs: 20 * MIN };
    expect(() => store.merge(series, range, { maxProfiles: 1, maxListedProfiles: 2 })).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_TOO_MANY_PROFILES' }));
    expect(() => store.merge(series, range, { maxProfiles: 2, maxListedProfiles: 1 })).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_TOO_MANY_LISTED_PROFILES' }));
    expect(() => store.points(series, range, { maxProfiles: 2, maxListedProfiles: 1 })).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_TOO_MANY_LISTED_PROFILES' }));
    expect(store.merge(series, range, { maxProfiles: 2, maxListedProfiles: 2 }).profileCount).toBe(2);
  });
});
