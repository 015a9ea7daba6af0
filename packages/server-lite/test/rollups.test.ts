// Rollups on a real server and a real database on disk: exact totals across bucket boundaries
// before and after building, late profiles and retention invalidating rollups, upgrading a v1
// database in place, and a kill -9 at an arbitrary point of background builds.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DB_FILE_NAME, ProfileStore } from '../src/store/profile-store.js';
import { mergedValue } from '../src/store/merge-stacks.js';
import { encodeSamples } from '../src/store/sample-blob.js';
import { SCHEMA_VERSION, V1_SCHEMA, migrate } from '../src/store/schema.js';
import { collapsedTotals, makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';
import type { KprofServer } from '../src/server.js';

const tmp = makeTempDir('kprof-rollups-');
afterAll(() => tmp.cleanup());

const HOUR = 3_600;
// Profiles every 60 s over 3 h, starting on an hour boundary at least 5 h ago (seconds).
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 5 * HOUR;
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
  { name: 'inside one 10-min bucket', from: T0 + 130, until: T0 + 470 },
  { name: 'exactly one 10-min bucket', from: T0 + 600, until: T0 + 1200 },
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
    const built = server.store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(built.more).toBe(false);
    // 3 h × (6 ten-minute + 1 hour) buckets (the background builder may have built some already).
    const db = new Database(join(tmp.dir, 'exact', DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    expect(db.prepare('SELECT level, count(*) AS n FROM rollups GROUP BY level ORDER BY level').all()).toEqual([
      { level: 1, n: 18 },
      { level: 2, n: 3 },
    ]);
    expect(server.store.pendingRollups()).toBe(0);
    for (const r of ranges) {
      const stats = server.store.mergeStats;
      const got = await renderTotals(server, 'roll.cpu', r.from, r.until);
      expect(got, r.name).toEqual(before.get(r.name));
      const after = server.store.mergeStats;
      if (r.name !== 'inside one 10-min bucket') expect(after.rollupBlobs, r.name).toBeGreaterThan(stats.rollupBlobs);
    }
    // The whole 3 h: three hour rollups (twice: collapsed and JSON), no raw blob.
    const stats = server.store.mergeStats;
    await renderTotals(server, 'roll.cpu', T0, T0 + 3 * HOUR);
    expect(server.store.mergeStats.rollupBlobs - stats.rollupBlobs).toBe(6);
    expect(server.store.mergeStats.rawBlobs - stats.rawBlobs).toBe(0);
    expect(server.store.mergeStats.staleRollups).toBe(0);
  });

  it('drop a bucket whose profiles change (late profile, retention) and rebuild it', async () => {
    const server = await startTestServer(join(tmp.dir, 'late'));
    const all = [...starts];
    await ingestAll(server, 'late.cpu', all);
    server.store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(server.store.pendingRollups()).toBe(0);
    // A late profile lands inside the first hour (and its 10-min bucket).
    all.push(T0 + 305);
    await ingestAll(server, 'late.cpu', all, COUNT);
    // Its two buckets' rollups were dropped with the insert (the background builder may already
    // have rebuilt them, with the late profile counted): none still counts the old 10 / 60.
    const db = new Database(join(tmp.dir, 'late', DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    const firstBuckets = (): unknown[] => db.prepare('SELECT level, profile_count FROM rollups WHERE bucket_start = ? ORDER BY level').all(T0 * 1000);
    expect([[], [{ level: 1, profile_count: 11 }], [{ level: 1, profile_count: 11 }, { level: 2, profile_count: 61 }]]).toContainEqual(firstBuckets());
    const range = { from: T0, until: T0 + 3 * HOUR };
    const got = await renderTotals(server, 'late.cpu', range.from, range.until);
    expect(got.totals).toEqual(expected(all, range.from, range.until));
    expect(got.timeline).toBe(sum(expected(all, range.from, range.until)));
    expect(server.store.mergeStats.staleRollups).toBe(0);
    server.store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(server.store.pendingRollups()).toBe(0);
    expect(firstBuckets()).toEqual([
      { level: 1, profile_count: 11 },
      { level: 2, profile_count: 61 },
    ]);
    expect((await renderTotals(server, 'late.cpu', range.from, range.until)).totals).toEqual(expected(all, range.from, range.until));

    // Retention deletes the first 90 minutes of profiles; their rollups go in the same transaction.
    const cutoffMs = (T0 + 5400) * 1000;
    expect(server.store.deleteOlderThan(cutoffMs, 100_000)).toBe(91);
    const rollupsBefore = db.prepare('SELECT level, bucket_start FROM rollups WHERE bucket_start < ? ORDER BY 1, 2').all(cutoffMs) as { level: number; bucket_start: number }[];
    expect(rollupsBefore).toEqual([]);
    const kept = all.map((at) => (at * 1000 < cutoffMs ? -1 : at));
    expect((await renderTotals(server, 'late.cpu', range.from, range.until)).totals).toEqual(expected(kept, range.from, range.until));
    // The partly deleted hour is rebuilt from what is left; fully deleted buckets get no rollup.
    server.store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    const rebuilt = db.prepare('SELECT level, bucket_start, profile_count FROM rollups WHERE bucket_start < ? ORDER BY 1, 2').all(cutoffMs) as unknown[];
    expect(rebuilt).toEqual([{ level: 2, bucket_start: (T0 + HOUR) * 1000, profile_count: 30 }]);
    expect((await renderTotals(server, 'late.cpu', range.from, range.until)).totals).toEqual(expected(kept, range.from, range.until));
  });

  it('upgrades a version-1 database in place and rolls up its profiles', () => {
    const dir = join(tmp.dir, 'v1');
    // A v1 database as the previous release wrote it: one series, stacks main;a and main;b.
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, DB_FILE_NAME));
    db.exec(V1_SCHEMA);
    db.pragma('user_version = 1');
    db.prepare('INSERT INTO names (id, name) VALUES (1, ?), (2, ?), (3, ?)').run('main', 'a', 'b');
    db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (1, 0, 1), (2, 1, 2), (3, 1, 3)').run();
    db.prepare("INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (1, 'old.cpu', '{}', 'gospy', 100, 'samples', 'sum')").run();
    const insert = db.prepare('INSERT INTO profiles (series_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)');
    for (let i = 0; i < 120; i++) insert.run((T0 + i * 60) * 1000, (T0 + i * 60 + 10) * 1000, 3 + i, encodeSamples([2, 3], [3, i]));
    db.close();

    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    const check = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      check.close();
    });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.pendingRollups()).toBe(12 + 2);
    const raw = store.mergeStacks([1], T0 * 1000, (T0 + 2 * HOUR) * 1000, 1000);
    expect(raw.rollupBlobs).toBe(0);
    const want = { a: 3 * 120, b: (119 * 120) / 2 };
    expect({ a: mergedValue(raw.values, 2), b: mergedValue(raw.values, 3) }).toEqual(want);
    store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    const rolled = store.mergeStacks([1], T0 * 1000, (T0 + 2 * HOUR) * 1000, 1000);
    expect({ a: mergedValue(rolled.values, 2), b: mergedValue(rolled.values, 3) }).toEqual(want);
    expect({ rollupBlobs: rolled.rollupBlobs, rawBlobs: rolled.rawBlobs }).toEqual({ rollupBlobs: 2, rawBlobs: 0 });
    expect(rolled.points.map((p) => p.total)).toEqual(raw.points.map((p) => p.total));
  });

  it('upgrades a version-2 database: its plain blobs and new scaled blobs merge and roll up exactly', () => {
    const dir = join(tmp.dir, 'v2');
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, DB_FILE_NAME));
    migrate(db, 2);
    db.prepare('INSERT INTO names (id, name) VALUES (1, ?), (2, ?)').run('main', 'a');
    db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (1, 0, 1), (2, 1, 2)').run();
    db.prepare("INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (1, 'old.wall', '{}', 'nodespy', 100, 'nanoseconds', 'sum')").run();
    // A v2 blob as written before scaling: stack 1 = 2 periods, stack 2 (delta 1) = 3 periods, plain varints.
    const period = 10_971_000;
    const varint = (v: number): number[] => (v < 0x80 ? [v] : [(v % 128) | 0x80, ...varint(Math.floor(v / 128))]);
    const legacy = Buffer.from([...varint(1), ...varint(2 * period), ...varint(1), ...varint(3 * period)]);
    db.prepare('INSERT INTO profiles (series_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)').run(T0 * 1000, (T0 + 10) * 1000, 5 * period, legacy);
    db.close();

    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    const check = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      check.close();
    });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // v3 drops the (start_ms) index; retention walks the per-group index (v4).
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'profiles'").pluck().all()).toEqual(['profiles_by_group_time_totals']);
    // A profile written now, into the same 10-minute bucket, gets the scaled form.
    const scaled = encodeSamples([1, 2], [400 * period, 100 * period]);
    expect([scaled[0], scaled[1]]).toEqual([0x80, 0x00]);
    expect(scaled.length).toBeLessThan([...varint(1), ...varint(400 * period), ...varint(1), ...varint(100 * period)].length);
    const writer = new Database(join(dir, DB_FILE_NAME));
    // The upgrade made series 1 the one-column row group 1.
    writer.prepare('INSERT INTO profiles (group_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)').run((T0 + 60) * 1000, (T0 + 70) * 1000, 500 * period, scaled);
    writer.close();
    const want = { main: 402 * period, a: 103 * period };
    const raw = store.mergeStacks([1], T0 * 1000, (T0 + HOUR) * 1000, 1000);
    expect({ main: mergedValue(raw.values, 1), a: mergedValue(raw.values, 2) }).toEqual(want);
    store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    const rolled = store.mergeStacks([1], T0 * 1000, (T0 + HOUR) * 1000, 1000);
    expect(rolled.rollupBlobs).toBeGreaterThan(0);
    expect({ main: mergedValue(rolled.values, 1), a: mergedValue(rolled.values, 2) }).toEqual(want);
  });

  it('dequeues a bucket that cannot be built (damaged blob) and builds the rest', () => {
    const dir = join(tmp.dir, 'damaged');
    ProfileStore.open(dir).close();
    const db = new Database(join(dir, DB_FILE_NAME));
    onTestFinished(() => {
      db.close();
    });
    db.prepare('INSERT INTO names (id, name) VALUES (1, ?)').run('main');
    db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (1, 0, 1)').run();
    db.prepare("INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (1, 'bad.cpu', '{}', 'gospy', 100, 'samples', 'sum')").run();
    db.prepare('INSERT INTO group_columns (group_id, col, series_id) VALUES (1, 0, 1)').run();
    const insert = db.prepare('INSERT INTO profiles (group_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)');
    // First 10 minutes: a truncated varint; next 10 minutes: a good blob.
    insert.run(T0 * 1000, (T0 + 10) * 1000, 5, Buffer.from([0x81]));
    insert.run((T0 + 600) * 1000, (T0 + 610) * 1000, 5, encodeSamples([1], [5]));
    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    expect(store.pendingRollups()).toBe(3);
    const r = store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(r.error).toMatchObject({ code: 'KPROF_STORE_CORRUPT_BLOB' });
    expect(store.pendingRollups()).toBe(0);
    // The damaged 10-minute bucket and the hour that contains it failed; the good bucket was built.
    expect(store.mergeStats.failedBuilds).toBe(2);
    expect(db.prepare('SELECT level, bucket_start FROM rollups').all()).toEqual([{ level: 1, bucket_start: (T0 + 600) * 1000 }]);
    const good = store.mergeStacks([1], (T0 + 600) * 1000, (T0 + 1200) * 1000, 10);
    expect({ value: mergedValue(good.values, 1), rollupBlobs: good.rollupBlobs }).toEqual({ value: 5, rollupBlobs: 1 });
  });

  it('survives kill -9 during background builds: nothing double counted, the rest rebuilt', async () => {
    const dataDir = join(tmp.dir, 'crash');
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'cli.ts'), '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KPROF_CONFIG: '' },
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`kprof-server exited with ${code}`)));
    });
    const fake = { url } as KprofServer;
    await ingestAll(fake, 'crash.cpu', starts);
    // The builder's first run starts 1 s after listening; kill as soon as a second connection
    // sees its first rollups committed, wherever the build is by then.
    const watch = new Database(join(dataDir, DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      watch.close();
    });
    await expect.poll(() => (watch.prepare('SELECT count(*) AS n FROM rollups').get() as { n: number }).n, { timeout: 20_000, interval: 5 }).toBeGreaterThan(0);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const store = ProfileStore.open(dataDir);
    onTestFinished(() => store.close());
    expect(store.integrityCheck()).toBe('ok');
    const check = (): void => {
      let rollupBlobs = 0;
      for (const r of ranges) {
        const m = store.mergeStacks([store.series()[0]!.id], r.from * 1000, r.until * 1000, 10_000);
        rollupBlobs += m.rollupBlobs ?? 0;
        const got = new Map<string, number>();
        for (const id of m.stackIds) got.set(store.frames(id).join(';'), mergedValue(m.values, id));
        expect(got, r.name).toEqual(expected(starts, r.from, r.until));
      }
      expect(rollupBlobs).toBeGreaterThan(0);
    };
    check();
    store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(store.pendingRollups()).toBe(0);
    check();
    expect(store.mergeStats.staleRollups).toBe(0);
  });
});
