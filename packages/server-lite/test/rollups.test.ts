// Rollups on a real server and real blocks on disk: exact totals across bucket boundaries before
// and after building, late profiles invalidating rollups, a damaged blob, and a kill -9 at an
// arbitrary point of background builds.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { foldedToProfile } from '../src/ingest/folded-to-profile.js';
import { blockFileName } from '../src/store/block-window.js';
import { BLOCKS_DIR, ProfileStore } from '../src/store/profile-store.js';
import { encodeSamples } from '../src/store/sample-blob.js';
import { collapsedTotals, makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';
import type { KprofServer } from '../src/server.js';
import { startServerLiteCli } from '@kprof/test-support';

const tmp = makeTempDir('kprof-rollups-');
afterAll(() => tmp.cleanup());

const HOUR = 3_600;
const DAY = 86_400;
// Profiles every 60 s over 3 h from 02:00 yesterday (seconds): all in yesterday's one-day block.
const DAY_START = (Math.floor(Date.now() / 1000 / DAY) - 1) * DAY;
const T0 = DAY_START + 2 * HOUR;
// The block file holding them, in a server's data directory.
const blockOf = (dataDir: string): string => join(dataDir, BLOCKS_DIR, blockFileName(DAY_START * 1000, 0));
const STEP = 60;
const COUNT = 180;

// Folded text of profile i: stacks and values vary with i so every bucket merges differently.
function folded(i: number): string {
  return `main;handler${i % 5};leaf${i % 3} ${(i % 7) + 1}\nmain;gc ${1 + (i % 2)}\nmain;handler${i % 5} ${i % 4}\n`;
}

// What a merge of the profiles starting in [from, until) must give, per stack.
function expected(starts: readonly number[], from: number, until: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [i, at] of starts.entries()) {
    if (at < from || at >= until) continue;
    for (const line of folded(i).trim().split('\n')) {
      const [stack, v] = line.split(' ') as [string, string];
      if (Number(v) > 0) out.set(stack, (out.get(stack) ?? 0) + Number(v));
    }
  }
  return out;
}

async function ingestAll(server: KprofServer, name: string, starts: readonly number[], first = 0): Promise<void> {
  for (let c = first; c < starts.length; c += 20) {
    const statuses = await Promise.all(
      starts.slice(c, c + 20).map((at, k) =>
        ingest(server, { name, from: String(at), until: String(at + 10) }, folded(c + k), { 'content-type': 'text/plain' }).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
}

async function renderTotals(server: KprofServer, query: string, from: number, until: number): Promise<{ totals: Map<string, number>; timeline: number }> {
  const res = await get(server, '/render', { query, from: String(from), until: String(until), format: 'collapsed' });
  expect(res.status).toBe(200);
  const json = JSON.parse((await get(server, '/render', { query, from: String(from), until: String(until) })).text) as { timeline: { samples: number[] } };
  return { totals: collapsedTotals(res.text), timeline: json.timeline.samples.reduce((a, b) => a + b, 0) };
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const starts = Array.from({ length: COUNT }, (_, i) => T0 + i * STEP);
const ranges = [
  { name: 'inside one hour', from: T0 + 130, until: T0 + 2470 },
  { name: 'exactly one hour', from: T0 + HOUR, until: T0 + 2 * HOUR },
  { name: 'ragged, across hours', from: T0 + 1330, until: T0 + 2 * HOUR + 1870 },
  { name: 'everything', from: T0 - 60, until: T0 + 4 * HOUR },
];

describe('rollups', () => {
  it('give the same totals as raw profiles across bucket boundaries, and are used', async () => {
    const server = await startTestServer(join(tmp.dir, 'exact'));
    await ingestAll(server, 'roll.cpu{pod=a}', starts);
    const before = new Map<string, Awaited<ReturnType<typeof renderTotals>>>();
    for (const r of ranges) {
      const got = await renderTotals(server, 'roll.cpu', r.from, r.until);
      expect(got.totals, r.name).toEqual(expected(starts, r.from, r.until));
      before.set(r.name, got);
    }
    // (The background builder may have started on these already; totals must not care.)
    const built = await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(built.more).toBe(false);
    // 3 h: three hour buckets (the background builder may have built some already).
    const db = new Database(blockOf(join(tmp.dir, 'exact')), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    // Plus the day's rollup (the block is one day wide).
    expect(db.prepare('SELECT level, count(*) AS n FROM rollups GROUP BY level ORDER BY level').all()).toEqual([
      { level: 2, n: 3 },
      { level: 3, n: 1 },
    ]);
    expect(await server.maintenance.pendingRollups()).toBe(0);
    for (const r of ranges) {
      const stats = server.store.mergeStats;
      const got = await renderTotals(server, 'roll.cpu', r.from, r.until);
      expect(got, r.name).toEqual(before.get(r.name));
      const after = server.store.mergeStats;
      if (r.name !== 'inside one hour') expect(after.rollupBlobs, r.name).toBeGreaterThan(stats.rollupBlobs);
    }
    // The whole 3 h: three hour rollups (twice: collapsed and JSON), no raw blob.
    const stats = server.store.mergeStats;
    await renderTotals(server, 'roll.cpu', T0, T0 + 3 * HOUR);
    expect(server.store.mergeStats.rollupBlobs - stats.rollupBlobs).toBe(6);
    expect(server.store.mergeStats.rawBlobs - stats.rawBlobs).toBe(0);
    expect(server.store.mergeStats.staleRollups).toBe(0);
  });

  it('drop a bucket whose profiles change (a late profile) and rebuild it', async () => {
    const server = await startTestServer(join(tmp.dir, 'late'));
    const all = [...starts];
    await ingestAll(server, 'late.cpu', all);
    await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(await server.maintenance.pendingRollups()).toBe(0);
    // A late profile lands inside the first hour.
    all.push(T0 + 305);
    await ingestAll(server, 'late.cpu', all, COUNT);
    // Its hour's rollup was dropped with the insert (the background builder may already have
    // rebuilt it, with the late profile counted): none still counts the old 60.
    const db = new Database(blockOf(join(tmp.dir, 'late')), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    const firstBuckets = (): unknown[] => db.prepare('SELECT level, profile_count FROM rollups WHERE bucket_start = ? ORDER BY level').all(T0 * 1000);
    expect([[], [{ level: 2, profile_count: 61 }]]).toContainEqual(firstBuckets());
    const range = { from: T0, until: T0 + 3 * HOUR };
    const got = await renderTotals(server, 'late.cpu', range.from, range.until);
    expect(got.totals).toEqual(expected(all, range.from, range.until));
    expect(got.timeline).toBe(sum(expected(all, range.from, range.until)));
    expect(server.store.mergeStats.staleRollups).toBe(0);
    await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(await server.maintenance.pendingRollups()).toBe(0);
    expect(firstBuckets()).toEqual([{ level: 2, profile_count: 61 }]);
    expect((await renderTotals(server, 'late.cpu', range.from, range.until)).totals).toEqual(expected(all, range.from, range.until));
  });

  it('dequeues a bucket that cannot be built (damaged blob) and builds the rest', () => {
    const dir = join(tmp.dir, 'damaged');
    // A good profile in the second hour (stack `main` = id 1, row group 1), written by the store.
    const first = ProfileStore.open(dir);
    first.writeBatch([
      foldedToProfile('main 5\n', { app: 'bad.cpu', labels: {} }, { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' }, { startMs: (T0 + HOUR) * 1000, endMs: (T0 + HOUR + 10) * 1000, receivedBytes: 7 }, { maxSamples: 10, maxStackDepth: 10 }),
    ]);
    first.close();
    // The first hour gets a truncated varint.
    const db = new Database(blockOf(dir));
    onTestFinished(() => {
      db.close();
    });
    db.prepare('INSERT INTO profiles (group_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)').run(T0 * 1000, (T0 + 10) * 1000, 5, Buffer.from([0x81]));
    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    // Two hours and their day.
    expect(store.pendingRollups()).toBe(3);
    const r = store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(r.error).toMatchObject({ code: 'KPROF_STORE_CORRUPT_BLOB' });
    expect(store.pendingRollups()).toBe(0);
    // The damaged hour and the day that contains it failed; the good hour was built.
    expect(store.mergeStats.failedBuilds).toBe(2);
    expect(db.prepare('SELECT level, bucket_start FROM rollups').all()).toEqual([{ level: 2, bucket_start: (T0 + HOUR) * 1000 }]);
    const before = store.mergeStats.rollupBlobs;
    const good = store.merge(store.series(), { fromMs: (T0 + HOUR) * 1000, untilMs: (T0 + 2 * HOUR) * 1000 }, { maxProfiles: 10, maxListedProfiles: 10 });
    expect({ total: good.tree.total(), rollupBlobs: store.mergeStats.rollupBlobs - before }).toEqual({ total: 5, rollupBlobs: 1 });
  });

  it('does not store a rollup that does not sum to its profiles, and merges them raw instead', () => {
    const dir = join(tmp.dir, 'mismatch');
    const first = ProfileStore.open(dir);
    const meta = { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' } as const;
    first.writeBatch([0, 60].map((s) => foldedToProfile('main;work 5\nmain 2\n', { app: 'mm.cpu', labels: {} }, meta, { startMs: (T0 + s) * 1000, endMs: (T0 + s + 10) * 1000, receivedBytes: 1 }, { maxSamples: 10, maxStackDepth: 10 })));
    first.close();
    // One profile's recorded total no longer matches its samples (7).
    const db = new Database(blockOf(dir));
    onTestFinished(() => {
      db.close();
    });
    db.prepare('UPDATE profiles SET total = 8 WHERE start_ms = ?').run(T0 * 1000);
    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    const r = store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(r.error).toMatchObject({ code: 'KPROF_STORE_ROLLUP_MISMATCH' });
    expect(db.prepare('SELECT count(*) AS n FROM rollups').get()).toEqual({ n: 0 });
    const m = store.merge(store.series(), { fromMs: T0 * 1000, untilMs: (T0 + HOUR) * 1000 }, { maxProfiles: 10, maxListedProfiles: 10 });
    expect({ total: m.tree.total(), rollupBlobs: store.mergeStats.rollupBlobs }).toEqual({ total: 14, rollupBlobs: 0 });
  });

  it('bound a merge by blobs read (a rollup counts once) and by profiles listed', () => {
    const store = ProfileStore.open(join(tmp.dir, 'budget'));
    onTestFinished(() => store.close());
    const meta = { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' } as const;
    store.writeBatch(
      starts.map((at, i) =>
        foldedToProfile(folded(i), { app: 'budget.cpu', labels: {} }, meta, { startMs: at * 1000, endMs: (at + 10) * 1000, receivedBytes: 1 }, { maxSamples: 10, maxStackDepth: 10 }),
      ),
    );
    // Everything: 180 profiles in three whole hours (02:00–05:00 of a day the range does not cover).
    const range = { fromMs: (T0 - 60) * 1000, untilMs: (T0 + 4 * HOUR) * 1000 };
    const merge = (maxProfiles: number, maxListedProfiles: number): string => {
      try {
        const m = store.merge(store.series(), range, { maxProfiles, maxListedProfiles });
        return `total ${m.tree.total()}, ${m.profileCount} profiles`;
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    const want = `total ${sum(expected(starts, T0 - 60, T0 + 4 * HOUR))}, ${COUNT} profiles`;
    const cases: [string, boolean, number, number, string][] = [
      ['raw: every profile is read', false, COUNT, COUNT, want],
      ['raw: one profile over', false, COUNT - 1, COUNT, 'KPROF_QUERY_TOO_MANY_PROFILES'],
      ['rolled up: three hour blobs', true, 3, COUNT, want],
      ['rolled up: one blob over', true, 2, COUNT, 'KPROF_QUERY_TOO_MANY_PROFILES'],
      ['rolled up: still lists every profile', true, 3, COUNT - 1, 'KPROF_QUERY_TOO_MANY_LISTED_PROFILES'],
    ];
    for (const [name, built, maxProfiles, maxListed, result] of cases) {
      if (built) store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
      expect(merge(maxProfiles, maxListed), name).toBe(result);
    }
  });

  it('survives kill -9 during background builds: nothing double counted, the rest rebuilt', async () => {
    const dataDir = join(tmp.dir, 'crash');
    const cli = await startServerLiteCli(['--data-dir', dataDir]);
    const fake = { url: cli.url } as KprofServer;
    await ingestAll(fake, 'crash.cpu', starts);
    // The builder's first run starts 1 s after listening; kill as soon as a second connection
    // sees its first rollups committed, wherever the build is by then.
    const watch = new Database(blockOf(dataDir), { readonly: true });
    onTestFinished(() => {
      watch.close();
    });
    await expect.poll(() => (watch.prepare('SELECT count(*) AS n FROM rollups').get() as { n: number }).n, { timeout: 20_000, interval: 5 }).toBeGreaterThan(0);
    cli.child.kill('SIGKILL');
    await cli.exited;

    const store = ProfileStore.open(dataDir);
    onTestFinished(() => store.close());
    expect(store.integrityCheck()).toBe('ok');
    const check = (): void => {
      const before = store.mergeStats.rollupBlobs;
      for (const r of ranges) {
        const m = store.merge(store.series(), { fromMs: r.from * 1000, untilMs: r.until * 1000 }, { maxProfiles: 10_000, maxListedProfiles: 10_000 });
        const got = new Map<string, number>();
        for (const { frames, value } of m.tree.stacks()) got.set(frames.join(';'), value);
        expect(got, r.name).toEqual(expected(starts, r.from, r.until));
      }
      expect(store.mergeStats.rollupBlobs).toBeGreaterThan(before);
    };
    check();
    store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(store.pendingRollups()).toBe(0);
    check();
    expect(store.mergeStats.staleRollups).toBe(0);
  });
});
