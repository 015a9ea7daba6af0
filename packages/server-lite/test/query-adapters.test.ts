// /render (Pyroscope OG) and querier.v1 (Grafana) are two adapters over one query engine: for the
// same series and the same half-open range [from, until) they return the same totals. OG's
// `until` is exclusive; Grafana's `end` is inclusive (Grafana Pyroscope selects profiles with
// start ≤ t ≤ end), so the querier reads [start, end + 1). Uploads of 1, 2, 4, 8 and 16 make
// every subset's total distinct, so a total names exactly which profiles were merged.
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuerierService } from '../src/gen/querier/v1/querier_pb.js';
import type { KprofServer } from '../src/server.js';
import { makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-query-adapters-');
// Five uploads 10 s apart, the first at T0 (whole seconds, an hour ago).
const T0_MS = (Math.floor(Date.now() / 1000) - 3600) * 1000;
const VALUES = [1, 2, 4, 8, 16];
const at = (i: number): number => T0_MS + i * 10_000;
let server: KprofServer;

beforeAll(async () => {
  server = await startTestServer(join(tmp.dir, 'db'), '', { closeOnFinish: false });
  for (const [i, v] of VALUES.entries()) {
    const fromS = at(i) / 1000;
    const res = await ingest(server, { name: 'edge.cpu{env=prod}', from: String(fromS), until: String(fromS + 10) }, `main;work ${v}\n`, { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

async function renderTotal(fromMs: number, untilMs: number): Promise<number> {
  const res = await get(server, '/render', { query: 'edge.cpu{env="prod"}', from: String(fromMs), until: String(untilMs) });
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
}

async function querierTotal(startMs: number, endMs: number): Promise<number> {
  const client = createClient(QuerierService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
  const res = await client.selectMergeStacktraces({
    profileTypeID: 'process_cpu:samples:count:cpu:nanoseconds',
    labelSelector: '{service_name="edge",env="prod"}',
    start: BigInt(startMs),
    end: BigInt(endMs),
  });
  return Number(res.flamegraph!.total);
}

describe('one query engine behind /render and querier.v1', () => {
  it.each([
    { name: 'every profile', from: at(0), until: at(4) + 1, total: 31 },
    { name: 'a profile at from is in, one at until is out', from: at(1), until: at(3), total: 2 + 4 },
    { name: 'one millisecond wide', from: at(2), until: at(2) + 1, total: 4 },
    { name: 'between two profiles', from: at(2) + 1, until: at(3), total: 0 },
  ])('$name: /render [from, until) = querier [start, end = until - 1]', async ({ from, until, total }) => {
    expect(await renderTotal(from, until)).toBe(total);
    expect(await querierTotal(from, until - 1)).toBe(total);
  });

  it("the querier's end is inclusive: a profile stamped at end counts there, not in /render's until", async () => {
    expect(await querierTotal(at(1), at(3))).toBe(2 + 4 + 8);
    expect(await renderTotal(at(1), at(3))).toBe(2 + 4);
  });
});
