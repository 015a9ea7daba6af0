// A data directory of kprof 0.1 (one `kprof.db`, schema v1–v4) moves into blocks on first start:
// every series must then read exactly as in a fresh store of the same pushes, the single file is
// gone, and an import stopped half way resumes without losing or repeating a profile. A block of
// schema v5 upgrades to v6 in place. The databases in test/fixtures/legacy-store were written by
// real kprof-servers (single-file schema v3 and v4, block schema v5) from the pushes in
// pushes.json.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { LEGACY_DB_FILE, importLegacyStore } from '../src/store/legacy-import.js';
import Database from 'better-sqlite3';
import { V1_SCHEMA } from '../src/store/legacy-schema.js';
import { BLOCKS_DIR, ProfileStore } from '../src/store/profile-store.js';
import { checkDataDir } from '../src/store/check-data-dir.js';
import { encodeSamples } from '../src/store/sample-blob.js';
import { makeTempDir } from './helpers/profiles.js';
import { ingest, startTestServer } from './helpers/test-server.js';

interface Push {
  readonly file: string;
  readonly params: Record<string, string>;
}
const fixtures = join(__dirname, 'fixtures', 'legacy-store');
const { pushes, rangeMs } = JSON.parse(readFileSync(join(fixtures, 'pushes.json'), 'utf8')) as { pushes: Push[]; rangeMs: [number, number] };
const [fromMs, untilMs] = rangeMs;
const range = { fromMs, untilMs };
// The fixtures' profiles are from 2025: keep them.
const CONFIG = 'storage:\n  max-age: 3650d\n';
const MAX_AGE_MS = 3650 * 86_400_000;
const tmp = makeTempDir('kprof-upgrade-');
afterAll(() => tmp.cleanup());

// Everything a query can ask of each series, keyed by name and labels.
function snapshot(store: ProfileStore): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of store.series(range)) {
    const stacks: Record<string, number> = {};
    for (const { frames, value } of store.merge([s], range, { maxProfiles: 10_000, maxListedProfiles: 10_000 }).tree.stacks()) stacks[frames.join(';')] = value;
    out[`${s.name}${JSON.stringify(s.labels)}`] = {
      meta: s.meta,
      points: store.points([s], range, { maxProfiles: 10_000, maxListedProfiles: 10_000 }).map((p) => [p.timeMs, p.total]),
      stacks,
      lastEnd: store.lastSeen(s),
    };
  }
  return out;
}

async function pushAll(server: KprofServer, list: readonly Push[]): Promise<void> {
  for (const p of list) expect(await ingest(server, p.params, readFileSync(join(fixtures, p.file)))).toMatchObject({ status: 200 });
}

// A data directory holding a copy of a fixture as its kprof.db.
function legacyDir(name: string, version: number): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, `kprof-v${version}.db`), join(dir, LEGACY_DB_FILE));
  return dir;
}

describe('kprof 0.1 single-file database → blocks', () => {
  let want: Record<string, unknown>;
  it('a fresh store of the same pushes is the reference', async () => {
    const fresh = await startTestServer(join(tmp.dir, 'fresh'), CONFIG);
    await pushAll(fresh, pushes);
    expect(fresh.store.profileCount()).toBe(29);
    want = snapshot(fresh.store);
    expect(Object.keys(want)).toHaveLength(11);
  });

  it.each([3, 4])('moves a real schema-v%i database into blocks on start: every series reads as in a fresh store, kprof.db is gone', async (version) => {
    const dir = legacyDir(`v${version}`, version);
    const server = await startTestServer(dir, CONFIG);
    expect(existsSync(join(dir, LEGACY_DB_FILE))).toBe(false);
    expect(server.store.profileCount()).toBe(29);
    expect(snapshot(server.store)).toEqual(want);
    // New pushes join the imported series in the same blocks.
    await pushAll(server, pushes);
    expect(server.store.profileCount()).toBe(58);
    await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(await server.maintenance.pendingRollups()).toBe(0);
    expect(server.store.integrityCheck()).toBe('ok');
  });

  it('upgrades a real block of schema v5 (a development build) to v6 on start: every series reads as in a fresh store, before and after its rollups are rebuilt per row group', async () => {
    const dir = join(tmp.dir, 'blocks-v5');
    mkdirSync(join(dir, BLOCKS_DIR), { recursive: true });
    const files = readdirSync(join(fixtures, 'blocks-v5'));
    for (const f of files) copyFileSync(join(fixtures, 'blocks-v5', f), join(dir, BLOCKS_DIR, f));
    const old = new Database(join(dir, BLOCKS_DIR, files[0]!), { readonly: true });
    const v5 = { version: old.pragma('user_version', { simple: true }), rollups: old.prepare('SELECT count(*) FROM rollups').pluck().get() };
    old.close();
    expect(v5.version).toBe(5);
    expect(v5.rollups).toBeGreaterThan(0);

    const server = await startTestServer(dir, CONFIG);
    const db = new Database(join(dir, BLOCKS_DIR, files[0]!), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]).sort();
    expect({ version: db.pragma('user_version', { simple: true }), chunks: tables.includes('stack_chunks'), stacks: tables.includes('stacks') }).toEqual({ version: 6, chunks: true, stacks: false });
    // The old rollups are gone and every bucket of every row group waits for a build; meanwhile
    // queries read raw profiles.
    expect(db.prepare('SELECT count(*) FROM rollups').pluck().get()).toBe(0);
    expect(await server.maintenance.pendingRollups()).toBeGreaterThan(0);
    expect(snapshot(server.store)).toEqual(want);
    await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
    expect(await server.maintenance.pendingRollups()).toBe(0);
    expect(db.prepare('SELECT count(DISTINCT group_id) FROM rollups').pluck().get()).toBeGreaterThan(0);
    const before = server.store.mergeStats.rollupBlobs;
    expect(snapshot(server.store)).toEqual(want);
    expect(server.store.mergeStats.rollupBlobs).toBeGreaterThan(before);
    expect(server.store.mergeStats.staleRollups).toBe(0);
    await server.close();
    expect(checkDataDir(dir).ok).toBe(true);
  });

  it('an import stopped half way resumes where each block stopped: nothing lost, nothing twice', () => {
    const dir = legacyDir('resume', 4);
    const first = ProfileStore.open(dir);
    let steps = 0;
    expect(() =>
      importLegacyStore(dir, first, {
        maxAgeMs: MAX_AGE_MS,
        nowMs: Date.now(),
        rowsPerStep: 3,
        onProgress: () => {
          // The process dies after two committed steps.
          if (++steps === 2) throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    const partial = first.profileCount();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(29);
    first.close();
    expect(existsSync(join(dir, LEGACY_DB_FILE))).toBe(true);

    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    const moved = importLegacyStore(dir, store, { maxAgeMs: MAX_AGE_MS, nowMs: Date.now(), rowsPerStep: 3 });
    expect(moved).toBeGreaterThan(0);
    expect(store.profileCount()).toBe(29);
    expect(snapshot(store)).toEqual(want);
    expect(existsSync(join(dir, LEGACY_DB_FILE))).toBe(false);
  });

  it('moves a schema-v1 database (per-series rows, plain blobs) after upgrading it to v4 in place', () => {
    const dir = join(tmp.dir, 'v1');
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, LEGACY_DB_FILE));
    db.exec(V1_SCHEMA);
    db.pragma('user_version = 1');
    db.prepare('INSERT INTO names (id, name) VALUES (1, ?), (2, ?), (3, ?)').run('main', 'a', 'b');
    db.prepare('INSERT INTO stacks (id, parent, name_id) VALUES (1, 0, 1), (2, 1, 2), (3, 1, 3)').run();
    db.prepare("INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (1, 'old.cpu', '{\"env\":\"x\"}', 'gospy', 100, 'samples', 'sum')").run();
    const insert = db.prepare('INSERT INTO profiles (series_id, start_ms, end_ms, total, samples) VALUES (1, ?, ?, ?, ?)');
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 120; i++) insert.run(t0 + i * 10_000, t0 + i * 10_000 + 10_000, 3 + i, encodeSamples([2, 3], [3, i]));
    db.close();
    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    expect(importLegacyStore(dir, store, { maxAgeMs: MAX_AGE_MS, nowMs: Date.now() })).toBe(120);
    const [series] = store.series();
    expect(series).toEqual({ name: 'old.cpu', labels: { env: 'x' }, meta: { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' } });
    const merged = store.merge([series!], { fromMs: t0, untilMs: t0 + 3_600_000 }, { maxProfiles: 1000, maxListedProfiles: 1000 });
    expect([...merged.tree.stacks()].map(({ frames, value }) => [frames.join(';'), value])).toEqual([
      ['main;a', 3 * 120],
      ['main;b', (119 * 120) / 2],
    ]);
  });

  it('leaves out rows older than storage.max-age', () => {
    const dir = legacyDir('aged', 4);
    const store = ProfileStore.open(dir);
    onTestFinished(() => store.close());
    expect(importLegacyStore(dir, store, { maxAgeMs: 60_000, nowMs: Date.now() })).toBe(0);
    expect(store.blocks).toHaveLength(0);
    expect(existsSync(join(dir, LEGACY_DB_FILE))).toBe(false);
  });
});
