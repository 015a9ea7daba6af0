// A block stores a profile's sample types of one label set as the columns of one row. These
// check a block's reads per series against what was written, table-driven over the shapes a
// row can take: many types (past the inline totals), types with their own stacks, a client that
// changes its set of types (one series in several row groups), and the same series twice.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { IngestProfile, SeriesSamples } from '../src/model/ingest-profile.js';
import { mkdirSync } from 'node:fs';
import { Block } from '../src/store/block.js';
import type { BlockMeta } from '../src/store/block-schema.js';
import { rollupLevelsFor } from '../src/store/rollup-levels.js';
import { mergedValue } from '../src/store/merge-stacks.js';
import { QueryBudget } from '../src/store/query-budget.js';
import { makeTempDir } from './helpers/profiles.js';

const tmp = makeTempDir('kprof-row-groups-');
afterAll(() => tmp.cleanup());
const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };
// One day from the epoch: every profile below is in it.
const DAY: BlockMeta = { startMs: 0, endMs: 86_400_000, part: 0, levels: rollupLevelsFor(86_400_000) };

function newBlock(name: string): Block {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  return Block.create(join(dir, 'block.db'), DAY);
}

// Stacks: main;a, main;b, main;a;c (leaf-first location lists).
const names = ['main', 'a', 'b', 'c'];
const stacks = ['main;a', 'main;b', 'main;a;c'];
function profile(startMs: number, labels: Record<string, string>, types: readonly (readonly [string, readonly number[]])[]): IngestProfile {
  const series: SeriesSamples[] = types.map(([name, values]) => {
    const idx = values.flatMap((v, i) => (v > 0 ? [i] : []));
    return { series: { name, labels, meta }, sampleIndices: Int32Array.from(idx), values: Float64Array.from(idx.map((i) => values[i]!)) };
  });
  return {
    startMs,
    endMs: startMs + 10_000,
    names,
    frameStart: Int32Array.from([0, 1, 2, 3, 4]),
    frameNames: Int32Array.from([0, 1, 2, 3]),
    stackStart: Int32Array.from([0, 2, 4, 7]),
    stackLocs: Int32Array.from([1, 0, 2, 0, 3, 1, 0]),
    series,
    receivedBytes: 100,
  };
}

interface Written {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly startMs: number;
  readonly values: readonly number[];
}

const period = 10_000_000;
const cases: { name: string; pushes: { labels: Record<string, string>; types: [string, number[]][] }[]; rowsPerPush: number }[] = [
  {
    name: 'six types in one row (past the four inline totals)',
    pushes: [{ labels: { env: 'x' }, types: [1, 2, 3, 4, 5, 6].map((k) => [`app.t${k}`, [k, 2 * k, 3 * k * period + k]] as [string, number[]]) }],
    rowsPerPush: 1,
  },
  {
    name: 'types with their own stacks, a multiple and a scaled column',
    pushes: [{ labels: {}, types: [['app.samples', [2, 0, 1]], ['app.wall', [2 * period, 0, period]], ['app.cpu', [0, 7, 3]], ['app.alloc', [4000, 0, 0]]] }],
    rowsPerPush: 1,
  },
  {
    name: 'two label sets: a row each',
    pushes: [
      { labels: { route: '/a' }, types: [['app.samples', [1, 1, 1]], ['app.cpu', [5, 6, 7]]] },
      { labels: { route: '/b' }, types: [['app.samples', [3, 0, 0]], ['app.cpu', [9, 0, 0]]] },
    ],
    rowsPerPush: 2,
  },
  {
    name: 'the same series twice in one profile: a second row',
    pushes: [{ labels: {}, types: [['app.cpu', [1, 2, 3]], ['app.cpu', [10, 0, 30]], ['app.samples', [1, 1, 1]]] }],
    rowsPerPush: 2,
  },
];

describe('row groups', () => {
  for (const c of cases) {
    it(`reads every series as written, with later pushes of other type sets: ${c.name}`, () => {
      const store = newBlock(c.name.replace(/\W+/g, '-'));
      onTestFinished(() => store.close());
      const written: Written[] = [];
      let expectedRows = 0;
      // Three pushes of the full type set, then one of a subset (new row groups for the same
      // series), then the full set again: every series spans several groups over time.
      const subset = (types: [string, number[]][]): [string, number[]][] => types.filter((_t, i) => i % 2 === 1);
      const rounds = [(t: [string, number[]][]) => t, (t: [string, number[]][]) => t, subset, (t: [string, number[]][]) => t];
      rounds.forEach((pick, r) => {
        const batch = c.pushes.map((p) => ({ ...p, types: pick(p.types).map(([n, v]) => [n, v.map((x) => x * (r + 1))] as [string, number[]]) }));
        const startMs = 1_000_000 + r * 10_000;
        // One profile (one pprof) holding every label set's types.
        store.writeBatch([{ ...profile(startMs, {}, []), series: batch.flatMap((p) => profile(startMs, p.labels, p.types).series) }]);
        for (const p of batch) {
          for (const [name, values] of p.types) written.push({ name, labels: p.labels, startMs, values });
          // A row per label set, and one more for each repeat of a series in it.
          expectedRows += Math.max(...p.types.map(([name]) => p.types.filter(([n]) => n === name).length));
        }
      });
      const key = (name: string, labels: Record<string, string>): string => `${name}${JSON.stringify(labels)}`;
      const series = new Map(store.series().map((s) => [key(s.name, s.labels), s.id]));
      const wantMerged = new Map<string, Record<string, number>>();
      let rollupBlobs = 0;
      const merge = (id: number): Record<string, number> => {
        const merged = store.mergeStacks([id], 0, 3_600_000, new QueryBudget({ maxProfiles: 1000, maxListedProfiles: 1000 }));
        rollupBlobs += merged.rollupBlobs ?? 0;
        const got: Record<string, number> = {};
        for (const sid of merged.stackIds) got[store.frames(sid).join(';')] = mergedValue(merged.values, sid);
        return got;
      };
      expect(series.size).toBe(new Set(written.map((w) => key(w.name, w.labels))).size);
      for (const [k, id] of series) {
        const mine = written.filter((w) => key(w.name, w.labels) === k);
        // One point per written profile of the series, in time order, with its total.
        const wantPoints = mine.map((w) => [w.startMs, w.values.reduce((a, b) => a + b, 0)]).sort((a, b) => a[0]! - b[0]!);
        expect(store.profilePoints([id], 0, 3_600_000, new QueryBudget({ maxProfiles: 1000, maxListedProfiles: 1000 })).map((p) => [p.timeMs, p.total]), k).toEqual(wantPoints);
        const want: Record<string, number> = {};
        for (const w of mine) w.values.forEach((v, i) => v > 0 && (want[stacks[i]!] = (want[stacks[i]!] ?? 0) + v));
        wantMerged.set(k, want);
        expect(merge(id), k).toEqual(want);
        expect(store.lastProfileEndMs(id)).toBe(Math.max(...mine.map((w) => w.startMs)) + 10_000);
      }
      // profileCount counts series profiles, whatever the rows; rows are one per label set and push.
      expect(store.profileCount()).toBe(written.length);
      const db = new Database(store.path, { readonly: true });
      onTestFinished(() => {
        db.close();
      });
      expect(db.prepare('SELECT count(*) FROM profiles').pluck().get()).toBe(expectedRows);
      expect(expectedRows).toBeGreaterThanOrEqual(c.rowsPerPush * 3 + 1);
      // Rollups built over the groups (one hour bucket holds every push) merge the same, and
      // the merges read them rather than the rows.
      expect(rollupBlobs).toBe(0);
      const before = new Map([...series].map(([k, id]) => [k, store.profilePoints([id], 0, 3_600_000, new QueryBudget({ maxProfiles: 1000, maxListedProfiles: 1000 }))]));
      expect(store.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 }).built).toBeGreaterThan(0);
      for (const [k, id] of series) {
        expect(merge(id), k).toEqual(wantMerged.get(k));
        expect(store.profilePoints([id], 0, 3_600_000, new QueryBudget({ maxProfiles: 1000, maxListedProfiles: 1000 }))).toEqual(before.get(k));
      }
      expect(rollupBlobs).toBeGreaterThanOrEqual(series.size);
      expect(store.mergeStats.staleRollups).toBe(0);
    });
  }

  it('opens a block with more row groups than one spread call takes (250,000) and numbers new groups after them', () => {
    const created = newBlock('many-groups');
    created.close();
    const groups = 250_000;
    const db = new Database(created.path);
    db.transaction(() => {
      const series = db.prepare("INSERT INTO series (id, name, labels, spy_name, sample_rate, units, aggregation) VALUES (?, 'app.cpu', ?, 'test', 100, 'samples', 'sum')");
      const column = db.prepare('INSERT INTO group_columns (group_id, col, series_id) VALUES (?, 0, ?)');
      for (let id = 1; id <= groups; id++) {
        series.run(id, JSON.stringify({ pod: `p${id}` }));
        column.run(id, id);
      }
    })();
    db.close();
    const store = Block.open(created.path);
    onTestFinished(() => store.close());
    store.writeBatch([profile(1_000_000, { pod: 'new' }, [['app.cpu', [1, 2, 3]]])]);
    const check = new Database(store.path, { readonly: true });
    onTestFinished(() => {
      check.close();
    });
    expect(check.prepare('SELECT group_id, series_id FROM group_columns WHERE series_id > ?').raw().all(groups)).toEqual([[groups + 1, groups + 1]]);
    expect(store.profilePoints([groups + 1], 0, 2_000_000, new QueryBudget({ maxProfiles: 10, maxListedProfiles: 10 })).map((p) => p.total)).toEqual([6]);
  });
});
