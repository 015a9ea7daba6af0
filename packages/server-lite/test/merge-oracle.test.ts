import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { goPprofRaw, rawStackTotals } from './helpers/pprof-raw.js';
import { buildGoBurn, collapsedTotals, makeNodeProfile, makeTempDir, pprofRawTotals } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-oracle-');
const T = Math.floor(Date.now() / 1000) - 600;
let server: KprofServer;
const files: string[] = [];

// Four real Go CPU profiles, each under its own labels and 10 s window.
const uploads = [
  { name: 'goapp{env=prod,pod=a}', at: T },
  { name: 'goapp{env=prod,pod=b}', at: T + 100 },
  { name: 'goapp{env=dev,pod=c}', at: T + 200 },
  { name: 'goapp{env=prod,pod=a}', at: T + 300 },
];

// Rollup section: real Go CPU and Node wall profiles every 150 s for 3 h from an hour boundary
// 4 h ago, so whole hour buckets are settled and rolled up.
const HOUR = 3600;
const B = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 4 * HOUR;
const ROLL_STEP = 150;
const ROLL_COUNT = (3 * HOUR) / ROLL_STEP;
const goRollFiles: string[] = [];
const nodeRollFiles: string[] = [];
const rollAt = (k: number): number => B + k * ROLL_STEP;

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  for (let i = 0; i < uploads.length; i++) files.push(await burn(`go-${i}.pprof`, 300));
  for (let i = 0; i < 5; i++) goRollFiles.push(await burn(`go-roll-${i}.pprof`, 150 + 50 * i));
  for (let i = 0; i < 3; i++) nodeRollFiles.push(await makeNodeProfile(tmp.dir, `node-roll-${i}.pb.gz`, 200 + 100 * i));
  server = await startTestServer(join(tmp.dir, 'db'), '', { closeOnFinish: false });
  for (let i = 0; i < uploads.length; i++) {
    const u = uploads[i]!;
    const res = await ingest(server, { format: 'pprof', name: u.name, from: String(u.at), until: String(u.at + 10) }, readFileSync(files[i]!));
    expect(res.status).toBe(200);
  }
  for (let k = 0; k < ROLL_COUNT; k++) {
    const range = { from: String(rollAt(k)), until: String(rollAt(k) + 10) };
    const go = await ingest(server, { format: 'pprof', name: `rollgo{pod=${k % 2 === 0 ? 'a' : 'b'}}`, ...range }, readFileSync(goRollFiles[k % goRollFiles.length]!));
    const node = await ingest(server, { format: 'pprof', name: 'rollnode', spyName: 'nodespy', ...range }, readFileSync(nodeRollFiles[k % nodeRollFiles.length]!));
    expect([go.status, node.status]).toEqual([200, 200]);
  }
  // Everything settled is rolled up (the first section's recent buckets stay queued: not over yet).
  expect((await server.maintenance.buildRollups(Date.now(), { settleMs: 0, budgetMs: 60_000 })).more).toBe(false);
}, 120_000);
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

// The JSON /render of the same selection: its flame graph and its timeline both sum to `want`'s total.
async function expectJsonTotal(query: string, from: number, until: number, want: Map<string, number>): Promise<void> {
  const json = JSON.parse((await get(server, '/render', { query, from: String(from), until: String(until), format: 'json' })).text) as {
    flamebearer: { numTicks: number };
    timeline: { samples: number[] };
  };
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  expect(json.flamebearer.numTicks).toBe(total);
  expect(json.timeline.samples.reduce((a, b) => a + b, 0)).toBe(total);
}

describe('merge correctness against go tool pprof -raw', () => {
  it.each([
    { name: 'all, whole range', query: 'goapp.cpu', from: T - 60, until: T + 400, pick: [0, 1, 2, 3] },
    { name: 'env=prod', query: 'goapp.cpu{env="prod"}', from: T - 60, until: T + 400, pick: [0, 1, 3] },
    { name: 'env!=prod', query: 'goapp.cpu{env!="prod"}', from: T - 60, until: T + 400, pick: [2] },
    { name: 'pod regex', query: 'goapp.cpu{pod=~"[ac]"}', from: T - 60, until: T + 400, pick: [0, 2, 3] },
    { name: 'pod=a, first window only', query: 'goapp.cpu{pod="a"}', from: T - 60, until: T + 150, pick: [0] },
    { name: 'middle windows', query: 'goapp.cpu', from: T + 50, until: T + 250, pick: [1, 2] },
    { name: 'until is exclusive', query: 'goapp.cpu', from: T, until: T + 100, pick: [0] },
    { name: 'samples type counts', query: 'goapp.samples', from: T - 60, until: T + 400, pick: [0, 1, 2, 3], valueIndex: 0 },
    { name: 'no match', query: 'goapp.cpu{env="qa"}', from: T - 60, until: T + 400, pick: [] },
  ])('$name', async ({ query, from, until, pick, valueIndex }) => {
    const want = await pprofRawTotals(pick.map((i) => files[i]!), valueIndex ?? 1);
    const res = await get(server, '/render', { query, from: String(from), until: String(until), format: 'collapsed' });
    expect(res.status).toBe(200);
    expect(collapsedTotals(res.text)).toEqual(want);
    await expectJsonTotal(query, from, until, want);
  });
});

const perFile = new Map<string, Promise<Map<string, number>>>();

// `go tool pprof -raw` totals per stack of one file, for sample type `valueIndex`, read once per file.
function rawTotals(file: string, valueIndex: number): Promise<Map<string, number>> {
  const key = `${file}#${valueIndex}`;
  let p = perFile.get(key);
  if (p === undefined) {
    p = goPprofRaw([file]).then((raw) => rawStackTotals(raw, valueIndex));
    perFile.set(key, p);
  }
  return p;
}

async function mergedRawTotals(list: readonly string[], valueIndex: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of list) for (const [k, v] of await rawTotals(f, valueIndex)) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

describe('merge correctness across rollup boundaries against go tool pprof -raw', () => {
  const M10 = 600;
  it.each([
    { name: 'Go: start and end inside buckets, spanning several', app: 'go', query: 'rollgo.cpu', from: B + 130, until: B + 3 * HOUR - 70, rollups: true },
    { name: 'Go: exactly one hour, on its boundaries', app: 'go', query: 'rollgo.cpu', from: B, until: B + HOUR, rollups: true, rawOnly: false },
    { name: 'Go: inside one hour (raw only)', app: 'go', query: 'rollgo.cpu', from: B + M10 + 10, until: B + 4 * M10 - 10, rollups: false },
    { name: 'Go: an hour and a ragged edge', app: 'go', query: 'rollgo.cpu', from: B + 300, until: B + 2 * HOUR, rollups: true },
    { name: 'Go: label selector over rollups', app: 'go', query: 'rollgo.cpu{pod="a"}', from: B - 60, until: B + 3 * HOUR, rollups: true, pod: 'a' },
    { name: 'Go: samples type over rollups', app: 'go', query: 'rollgo.samples', from: B, until: B + 2 * HOUR, rollups: true, valueIndex: 0, rawOnly: false },
    { name: 'Node wall: ragged over three hours', app: 'node', query: 'rollnode.wall', from: B + 45, until: B + 3 * HOUR - 45, rollups: true },
    { name: 'Node wall: exactly two hours', app: 'node', query: 'rollnode.wall', from: B, until: B + 2 * HOUR, rollups: true, rawOnly: false },
    { name: 'Node sample count: one hour', app: 'node', query: 'rollnode.sample', from: B + HOUR, until: B + 2 * HOUR, rollups: true, valueIndex: 0, rawOnly: false },
  ])('$name', async ({ app, query, from, until, rollups, rawOnly, valueIndex, pod }) => {
    const pick: string[] = [];
    for (let k = 0; k < ROLL_COUNT; k++) {
      if (rollAt(k) < from || rollAt(k) >= until) continue;
      if (pod !== undefined && (k % 2 === 0 ? 'a' : 'b') !== pod) continue;
      pick.push(app === 'go' ? goRollFiles[k % goRollFiles.length]! : nodeRollFiles[k % nodeRollFiles.length]!);
    }
    expect(pick.length).toBeGreaterThan(0);
    const want = await mergedRawTotals(pick, valueIndex ?? 1);
    const before = server.store.mergeStats;
    const res = await get(server, '/render', { query, from: String(from), until: String(until), format: 'collapsed' });
    expect(res.status).toBe(200);
    expect(collapsedTotals(res.text)).toEqual(want);
    const used = { rollups: server.store.mergeStats.rollupBlobs - before.rollupBlobs, raw: server.store.mergeStats.rawBlobs - before.rawBlobs };
    if (rollups) expect(used.rollups).toBeGreaterThan(0);
    else expect(used.rollups).toBe(0);
    // Ranges made of whole buckets read no raw profile at all.
    if (rawOnly === false) expect(used.raw).toBe(0);
    await expectJsonTotal(query, from, until, want);
    expect(server.store.mergeStats.staleRollups).toBe(0);
  });
});
