import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { foldedToProfile } from '../src/ingest/folded-to-profile.js';
import type { IngestProfile } from '../src/model/ingest-profile.js';
import { ProfileStore } from '../src/store/profile-store.js';
import { mergedValue } from '../src/store/merge-stacks.js';
import { makeTempDir } from './helpers/profiles.js';

const tmp = makeTempDir('kprof-store-');
afterAll(() => tmp.cleanup());
const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };

function folded(text: string, app: string, labels: Record<string, string>, startMs: number): IngestProfile {
  return foldedToProfile(text, { app, labels }, meta, { startMs, endMs: startMs + 10_000, receivedBytes: text.length }, { maxSamples: 1000, maxStackDepth: 100 });
}

function totals(store: ProfileStore, seriesIds: number[], fromMs: number, untilMs: number): Record<string, number> {
  const m = store.mergeStacks(seriesIds, fromMs, untilMs, 1000);
  const out: Record<string, number> = {};
  for (const id of m.stackIds) out[store.frames(id).join(';')] = mergedValue(m.values, id);
  return out;
}

describe('ProfileStore', () => {
  it('merges the same with a dense array and with a map, and after reopening', () => {
    const dir = join(tmp.dir, 'merge');
    const dense = ProfileStore.open(dir);
    dense.writeBatch([folded('a;b 3\na;c 2\n', 'app.cpu', { env: 'x' }, 1_000), folded('a;b 1\nd 7\n', 'app.cpu', { env: 'x' }, 20_000)]);
    dense.writeBatch([folded('a;b 5\n', 'app.cpu', { env: 'y' }, 30_000)]);
    const ids = dense.series().map((s) => s.id);
    const want = { 'a;b': 9, 'a;c': 2, d: 7 };
    expect(totals(dense, ids, 0, 60_000)).toEqual(want);
    expect(totals(dense, ids, 0, 20_000)).toEqual({ 'a;b': 3, 'a;c': 2 });
    dense.close();

    const sparse = ProfileStore.open(dir, { denseMergeMaxStacks: 0 });
    onTestFinished(() => sparse.close());
    expect(sparse.series().map((s) => [s.name, s.labels])).toEqual([
      ['app.cpu', { env: 'x' }],
      ['app.cpu', { env: 'y' }],
    ]);
    expect(totals(sparse, ids, 0, 60_000)).toEqual(want);
    expect(sparse.integrityCheck()).toBe('ok');
  });

  it('interns each name and call path once', () => {
    const store = ProfileStore.open(join(tmp.dir, 'intern'));
    onTestFinished(() => store.close());
    store.writeBatch([folded('a;b 1\na;c 1\n', 'p.cpu', {}, 0)]);
    const before = store.stackCount;
    store.writeBatch([folded('a;c 4\na;b 2\n', 'p.cpu', {}, 10_000), folded('a;b 1\n', 'q.cpu', {}, 10_000)]);
    expect(store.stackCount).toBe(before);
    expect(store.stackCount).toBe(4); // root, a, a;b, a;c
  });

  it('refuses the query past query.max-profiles', () => {
    const store = ProfileStore.open(join(tmp.dir, 'limit'));
    onTestFinished(() => store.close());
    store.writeBatch([folded('a 1\n', 'p.cpu', {}, 0), folded('a 1\n', 'p.cpu', {}, 10_000)]);
    expect(() => store.mergeStacks([1], 0, 60_000, 1)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_TOO_MANY_PROFILES' }));
  });
});
