// Retention's deletes walk the per-group index (no index on time alone since schema v3): these
// check they still pick exactly the oldest profiles across interleaved series, on a real database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { foldedToProfile } from '../ingest/folded-to-profile.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { DB_FILE_NAME, ProfileStore } from './profile-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kprof-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };

function profile(app: string, startMs: number): IngestProfile {
  return foldedToProfile('main;work 1\n', { app, labels: {} }, meta, { startMs, endMs: startMs + 10_000, receivedBytes: 12 }, { maxSamples: 10, maxStackDepth: 10 });
}

// Three series with interleaved, uneven start times (seconds): a every 10 s, b every 7 s from 3 s, c only late.
function fill(name: string): { store: ProfileStore; starts: [string, number][] } {
  const store = ProfileStore.open(join(dir, name));
  onTestFinished(() => store.close());
  const starts: [string, number][] = [];
  for (let i = 0; i < 200; i++) starts.push(['a.cpu', i * 10_000]);
  for (let i = 0; i < 150; i++) starts.push(['b.cpu', 3_000 + i * 7_000]);
  for (let i = 0; i < 20; i++) starts.push(['c.cpu', 900_000 + i * 1_000]);
  store.writeBatch(starts.map(([app, t]) => profile(app, t)));
  return { store, starts };
}

function remaining(store: ProfileStore): [string, number][] {
  const out: [string, number][] = [];
  for (const s of store.series()) for (const p of store.profilePoints([s.id], 0, 10_000_000, 100_000)) out.push([s.name, p.timeMs]);
  return out;
}

const byTime = (a: [string, number], b: [string, number]): number => a[1] - b[1] || a[0].localeCompare(b[0]);

describe('ProfileStore retention deletes', () => {
  it('deleteOldest removes exactly the oldest profiles across series, in chunks', () => {
    const { store, starts } = fill('oldest');
    const sorted = [...starts].sort(byTime);
    expect(store.deleteOldest(100)).toBe(100);
    expect(remaining(store).sort(byTime)).toEqual(sorted.slice(100));
    // Past a page boundary of one series and across all three.
    expect(store.deleteOldest(250)).toBe(250);
    expect(remaining(store).sort(byTime)).toEqual(sorted.slice(350));
    expect(store.deleteOldest(1_000)).toBe(20);
    expect(store.profileCount()).toBe(0);
    expect(store.deleteOldest(10)).toBe(0);
  });

  it('deleteOlderThan removes every profile before the cutoff, at most `limit` per call', () => {
    const { store, starts } = fill('older');
    const cutoff = 905_500;
    const older = starts.filter(([, t]) => t < cutoff).length;
    let deleted = 0;
    for (let n = store.deleteOlderThan(cutoff, 64); n > 0; n = store.deleteOlderThan(cutoff, 64)) {
      expect(n).toBeLessThanOrEqual(64);
      deleted += n;
    }
    expect(deleted).toBe(older);
    expect(remaining(store).sort(byTime)).toEqual(starts.filter(([, t]) => t >= cutoff).sort(byTime));
  });

  it('the schema has no index on start_ms alone; the deletes use the per-group index', () => {
    const { store } = fill('plan');
    const db = new Database(join(dir, 'plan', DB_FILE_NAME), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'profiles'").pluck().all() as string[]).sort();
    expect(indexes).toEqual(['profiles_by_group_time_totals']);
    const plan = (sql: string): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 1_000, 5) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT id FROM profiles WHERE group_id = ? AND start_ms < ? ORDER BY start_ms LIMIT ?')).toMatch(/USING COVERING INDEX profiles_by_group_time_totals/);
    expect(plan('SELECT start_ms FROM profiles WHERE group_id = ? ORDER BY start_ms LIMIT ? OFFSET ?')).toMatch(/USING COVERING INDEX profiles_by_group_time_totals/);
    expect(store.profileCount()).toBe(370);
  });
});
