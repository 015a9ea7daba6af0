// Schema v4 (one row per upload and label set, every sample type a column) upgrades a v3 database
// in place. The v3 database here was written by a real v3 kprof-server (test/fixtures/v3-store);
// after the upgrade every series must read exactly as in a fresh v4 database of the same pushes,
// also once new multi-column rows join the old one-column rows of the same series, and after
// rollups are built over both.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { DB_FILE_NAME, type ProfileStore } from '../src/store/profile-store.js';
import { mergedValue } from '../src/store/merge-stacks.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { makeTempDir } from './helpers/profiles.js';
import { ingest, startTestServer } from './helpers/test-server.js';

interface Push {
  readonly file: string;
  readonly params: Record<string, string>;
}
const fixtures = join(__dirname, 'fixtures', 'v3-store');
const { pushes, rangeMs } = JSON.parse(readFileSync(join(fixtures, 'pushes.json'), 'utf8')) as { pushes: Push[]; rangeMs: [number, number] };
const [fromMs, untilMs] = rangeMs;
const tmp = makeTempDir('kprof-upgrade-');
afterAll(() => tmp.cleanup());

// Everything a query can ask of each series, keyed by name and labels (ids differ between stores).
function snapshot(store: ProfileStore): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of store.series()) {
    const merged = store.mergeStacks([s.id], fromMs, untilMs, 10_000);
    const stacks: Record<string, number> = {};
    for (const id of merged.stackIds) stacks[store.frames(id).join(';')] = mergedValue(merged.values, id);
    out[`${s.name}${JSON.stringify(s.labels)}`] = {
      meta: s.meta,
      points: store.profilePoints([s.id], fromMs, untilMs, 10_000).map((p) => [p.timeMs, p.total]),
      stacks,
      lastEnd: store.lastProfileEndMs(s.id),
      inRange: store.hasProfilesBetween(s.id, fromMs, untilMs),
    };
  }
  return out;
}

async function pushAll(server: KprofServer, list: readonly Push[]): Promise<void> {
  for (const p of list) expect(await ingest(server, p.params, readFileSync(join(fixtures, p.file)))).toMatchObject({ status: 200 });
}

describe('schema v3 → v4 upgrade', () => {
  it('keeps every series of a real v3 database readable, alone and next to new multi-column rows, raw and rolled up', async () => {
    const upgradedDir = join(tmp.dir, 'upgraded');
    mkdirSync(upgradedDir, { recursive: true });
    copyFileSync(join(fixtures, DB_FILE_NAME), join(upgradedDir, DB_FILE_NAME));
    const v3 = new Database(join(upgradedDir, DB_FILE_NAME), { readonly: true });
    const v3Rows = v3.prepare('SELECT count(*) FROM profiles').pluck().get() as number;
    expect(v3.pragma('user_version', { simple: true })).toBe(3);
    v3.close();

    const upgraded = await startTestServer(upgradedDir);
    const fresh = await startTestServer(join(tmp.dir, 'fresh'));
    await pushAll(fresh, pushes);
    const check = new Database(join(upgradedDir, DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      check.close();
    });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // In place: the v3 rows are still there, one per series and profile (4 pushes: 3 × 9 + 2).
    expect(check.prepare('SELECT count(*) FROM profiles').pluck().get()).toBe(v3Rows);
    expect(v3Rows).toBe(29);
    // The fresh store holds the same pushes in one row per push and label set.
    expect(upgraded.store.profileCount()).toBe(29);
    expect(fresh.store.profileCount()).toBe(29);
    const want = snapshot(fresh.store);
    expect(Object.keys(want)).toHaveLength(11);
    expect(snapshot(upgraded.store)).toEqual(want);

    // New pushes (one in an old bucket) go to multi-column rows; the series now span both kinds.
    const more = pushes.map((p, i) => ({ ...p, params: { ...p.params, from: String(Number(p.params.from) + 60 * (i + 1)), until: String(Number(p.params.until) + 60 * (i + 1)) } }));
    await pushAll(upgraded, more);
    await pushAll(fresh, more);
    expect(check.prepare('SELECT count(*) FROM profiles').pluck().get()).toBe(v3Rows + 3 * 3 + 1);
    const multi = check.prepare('SELECT samples FROM profiles WHERE total_1 IS NOT NULL').pluck().all() as Buffer[];
    expect(multi).toHaveLength(3 * 3 + 1);
    for (const b of multi) expect([b[0], b[1]]).toEqual([0x81, 0x00]);
    const mixed = snapshot(fresh.store);
    expect(snapshot(upgraded.store)).toEqual(mixed);
    expect(mixed).not.toEqual(want);

    for (const server of [upgraded, fresh]) {
      server.store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 });
      expect(server.store.pendingRollups()).toBe(0);
    }
    expect(snapshot(upgraded.store)).toEqual(mixed);
    expect(upgraded.store.mergeStats.rollupsBuilt).toBeGreaterThan(0);
    expect(upgraded.store.mergeStats.staleRollups).toBe(0);
    expect(upgraded.store.integrityCheck()).toBe('ok');
  });
});
