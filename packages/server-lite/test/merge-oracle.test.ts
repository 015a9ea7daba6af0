import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { buildGoBurn, collapsedTotals, makeTempDir, pprofRawTotals } from './helpers/profiles.js';
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

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  for (let i = 0; i < uploads.length; i++) files.push(await burn(`go-${i}.pprof`, 300));
  server = await startTestServer(join(tmp.dir, 'db'), '', { closeOnFinish: false });
  for (let i = 0; i < uploads.length; i++) {
    const u = uploads[i]!;
    const res = await ingest(server, { format: 'pprof', name: u.name, from: String(u.at), until: String(u.at + 10) }, readFileSync(files[i]!));
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

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
    const json = JSON.parse((await get(server, '/render', { query, from: String(from), until: String(until), format: 'json' })).text) as {
      flamebearer: { numTicks: number };
      timeline: { samples: number[] };
    };
    const total = [...want.values()].reduce((a, b) => a + b, 0);
    expect(json.flamebearer.numTicks).toBe(total);
    expect(json.timeline.samples.reduce((a, b) => a + b, 0)).toBe(total);
  });
});
