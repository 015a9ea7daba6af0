import { describe, expect, it } from 'vitest';
import { startLoad } from './http-load.js';
import { closedLoopbackPort, startLoopbackServer, startProfileReceiver } from './loopback-server.js';
import { goCpuProfile } from './pprof-builder.js';
import { inclusiveTotal } from './pprof-reader.js';

const push = (url: string, body: Uint8Array, method = 'POST', path = '/ingest?name=app&from=1&until=2') =>
  fetch(`${url}${path}`, { method, body: method === 'POST' ? body : undefined, headers: { 'content-type': 'application/octet-stream' } });

describe('startProfileReceiver', () => {
  it('records and decodes pushes to POST /ingest; anything else is 404', async () => {
    const receiver = await startProfileReceiver();
    const body = goCpuProfile().sample(['main.hot', 'main.main'], [3, 30]).encodeGzipped();
    expect((await push(receiver.url, body)).status).toBe(200);
    expect((await push(receiver.url, body, 'GET')).status).toBe(404);
    expect(receiver.pushes).toHaveLength(1);
    const [p] = receiver.pushes;
    expect(Object.fromEntries(p!.query)).toEqual({ name: 'app', from: '1', until: '2' });
    expect(p!.headers['content-type']).toBe('application/octet-stream');
    expect(p!.body).toEqual(body);
    expect(p!.bytes).toBe(body.length);
    expect(inclusiveTotal(p!.profile, 'main.hot', 'cpu')).toBe(30);
    expect((await push(receiver.url, Buffer.from('not gzip'))).status).toBe(422);
  });

  it('answers with the mode set: a status (with Retry-After), stalled, then ok again', async () => {
    const receiver = await startProfileReceiver();
    const body = goCpuProfile().encodeGzipped();
    receiver.setMode({ kind: 'status', status: 429, retryAfter: '1' });
    const throttled = await push(receiver.url, body);
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '1']);
    receiver.setMode({ kind: 'stall' });
    const stalled = push(receiver.url, body);
    await expect.poll(() => receiver.rejected).toBe(2);
    receiver.setMode({ kind: 'ok' });
    await expect(stalled).rejects.toThrow();
    expect((await push(receiver.url, body)).status).toBe(200);
    expect(receiver.pushes).toHaveLength(1);
  });

  it('can come back on the same port after close', async () => {
    const first = await startProfileReceiver();
    await first.close();
    const port = Number(new URL(first.url).port);
    const again = await startProfileReceiver({ port });
    expect(again.url).toBe(first.url);
  });
});

describe('closedLoopbackPort', () => {
  it('gives a port that refuses connections; a load against it counts them unanswered', async () => {
    const port = await closedLoopbackPort();
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    const load = startLoad(`http://127.0.0.1:${port}`, ['/'], { concurrency: 1 });
    await expect.poll(() => load.stats.unanswered).toBeGreaterThan(0);
    const stats = await load.stop();
    expect(stats.failed).toBe(stats.unanswered);
    expect(stats.errors[0]).toMatch(/^\/: fetch failed \(.*ECONNREFUSED.*\)$/);
  });
});

describe('startLoad', () => {
  it('counts answers by status and keeps the failures', async () => {
    const server = await startLoopbackServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
    const load = startLoad(server.url, ['/ok', '/down'], { concurrency: 2 });
    await expect.poll(() => load.stats.ok).toBeGreaterThan(5);
    const stats = await load.stop();
    expect([...stats.byStatus.keys()].sort()).toEqual([200, 503]);
    expect(stats.ok).toBe(stats.byStatus.get(200));
    expect(stats.failed).toBe(stats.byStatus.get(503));
    expect(stats.errors[0]).toBe('/down: HTTP 503');
    expect(stats.unanswered).toBe(0);
  });
});
