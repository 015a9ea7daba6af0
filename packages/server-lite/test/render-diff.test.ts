import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-diff-');
afterAll(() => tmp.cleanup());
const T = Math.floor(Date.now() / 1000) - 600;
const text = { 'content-type': 'text/plain' };

describe('/render-diff', () => {
  it("answers docs/COMPATIBILITY.md's worked example over two time windows", async () => {
    const server = await startTestServer(join(tmp.dir, 'db'));
    expect((await ingest(server, { name: 'd.cpu', from: String(T), until: String(T + 10) }, 'main;a 2\n', text)).status).toBe(200);
    expect((await ingest(server, { name: 'd.cpu', from: String(T + 100), until: String(T + 110) }, 'main;a 1\nmain;b 1\n', text)).status).toBe(200);
    const res = await get(server, '/render-diff', {
      leftQuery: 'd.cpu',
      leftFrom: String(T),
      leftUntil: String(T + 50),
      rightQuery: 'd.cpu',
      rightFrom: String(T + 50),
      rightUntil: String(T + 150),
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toMatchObject({
      version: 1,
      flamebearer: {
        names: ['total', 'main', 'b', 'a'],
        levels: [[0, 2, 0, 0, 2, 0, 0], [0, 2, 0, 0, 2, 0, 1], [0, 2, 2, 0, 1, 1, 3, 0, 0, 0, 0, 1, 1, 2]],
        numTicks: 4,
      },
      metadata: { format: 'double', units: 'samples', sampleRate: 100 },
      leftTicks: 2,
      rightTicks: 2,
      timeline: null,
    });
  });

  it('refuses sides with different units', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-mismatch'));
    await ingest(server, { name: 'x.cpu', from: String(T), until: String(T + 10) }, 'main 1\n', text);
    await ingest(server, { name: 'x.alloc', units: 'bytes', from: String(T), until: String(T + 10) }, 'main 1\n', text);
    const res = await get(server, '/render-diff', { leftQuery: 'x.cpu', leftFrom: String(T - 10), leftUntil: String(T + 20), rightQuery: 'x.alloc', rightFrom: String(T - 10), rightUntil: String(T + 20) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'KPROF_QUERY_DIFF_MISMATCH' });
  });

  it('refuses a missing side query and non-json formats', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-bad'));
    expect(JSON.parse((await get(server, '/render-diff', { leftQuery: 'x.cpu' })).text)).toMatchObject({ code: 'KPROF_QUERY_MISSING_QUERY' });
    expect(JSON.parse((await get(server, '/render-diff', { leftQuery: 'x.cpu', rightQuery: 'x.cpu', format: 'pprof' })).text)).toMatchObject({
      code: 'KPROF_QUERY_BAD_FORMAT',
    });
  });
});
