import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { Retention } from '../src/store/retention.js';
import { makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-ops-');
afterAll(() => tmp.cleanup());
const now = Math.floor(Date.now() / 1000);
const range = { from: String(now - 10), until: String(now) };
const INGEST_TOKEN = 'ingest-token-0123456789';
const QUERY_TOKEN = 'query-token-0123456789';

describe('operations', () => {
  it('/healthz, /ready and /metrics report ingest, rejections, query latency and DB size', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-metrics'));
    expect((await get(server, '/healthz')).status).toBe(200);
    expect(JSON.parse((await get(server, '/ready')).text)).toEqual({ status: 'ready' });
    expect((await ingest(server, { name: 'm.cpu', ...range }, 'a;b 3\n', { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await ingest(server, { name: 'bad app!', ...range }, 'a;b 3\n', { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await get(server, '/render', { query: 'm.cpu', from: 'now-1h' })).status).toBe(200);
    const metrics = (await get(server, '/metrics')).text;
    expect(metrics).toMatch(/^kprof_ingest_profiles_total\{format="folded"\} 1$/m);
    expect(metrics).toMatch(/^kprof_ingest_bytes_total 6$/m);
    expect(metrics).toMatch(/^kprof_ingest_rejected_total\{reason="KPROF_INGEST_BAD_NAME"\} 1$/m);
    expect(metrics).toMatch(/^kprof_query_duration_seconds_count\{route="\/render"\} 1$/m);
    const size = /^kprof_db_size_bytes (\d+)$/m.exec(metrics);
    expect(Number(size?.[1])).toBeGreaterThan(0);
  });

  it('serves the web UI at / beside the APIs', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-ui'));
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    // The page names its content-hashed bundle; the bundle is served and may be cached for good.
    const script = /<script[^>]+src="(\/assets\/app\.[0-9a-f]{12}\.js)"/.exec(await res.text())?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${server.url}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The API routes still answer behind the UI handler.
    expect((await get(server, '/api/apps')).status).toBe(200);
  });

  it('/ready turns 503 once shutdown begins', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-ready'), '', { closeOnFinish: false });
    const closing = server.close();
    await closing;
    await expect(fetch(`${server.url}/ready`)).rejects.toThrow();
  });

  it('bearer tokens guard ingest and query separately when configured', async () => {
    const server = await startTestServer(
      join(tmp.dir, 'db-auth'),
      `auth:\n  ingest-tokens: [${INGEST_TOKEN}]\n  query-tokens: [${QUERY_TOKEN}]\n`,
    );
    const body = 'a;b 3\n';
    const noAuth = await ingest(server, { name: 'sec.cpu', ...range }, body, { 'content-type': 'text/plain' });
    expect(noAuth.status).toBe(401);
    expect(JSON.parse(noAuth.text)).toMatchObject({ code: 'KPROF_UNAUTHORIZED' });
    const wrong = await ingest(server, { name: 'sec.cpu', ...range }, body, { 'content-type': 'text/plain', authorization: `Bearer ${QUERY_TOKEN}` });
    expect(wrong.status).toBe(401);
    const ok = await ingest(server, { name: 'sec.cpu', ...range }, body, { 'content-type': 'text/plain', authorization: `Bearer ${INGEST_TOKEN}` });
    expect(ok.status).toBe(200);

    expect((await get(server, '/label-values', { label: '__name__' })).status).toBe(401);
    const res = await fetch(`${server.url}/label-values?label=__name__`, { headers: { authorization: `Bearer ${QUERY_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['sec.cpu']);
    // Health and metrics stay open for probes.
    expect((await get(server, '/healthz')).status).toBe(200);
  });

  it('retention deletes whole blocks: those older than storage.max-age, then the oldest past storage.max-size-bytes (never the newest)', async () => {
    const clock = Date.now();
    const server = await startTestServer(join(tmp.dir, 'db-retention'), 'storage:\n  block-duration: 10m\n');
    const nowS = Math.floor(clock / 1000);
    for (const [frame, ageS] of [['a', 7200], ['b', 1800], ['c', 0]] as const) {
      const res = await ingest(server, { name: 'r.cpu', from: String(nowS - ageS), until: String(nowS - ageS + 1) }, `${frame} 1\n`, { 'content-type': 'text/plain' });
      expect(res.status).toBe(200);
    }
    expect(server.store.blocks).toHaveLength(3);
    const collapsed = async (): Promise<string> => (await get(server, '/render', { query: 'r.cpu', from: String(nowS - 10_000), until: String(nowS + 60), format: 'collapsed' })).text;
    const logger = pino({ level: 'silent' });
    const byAge = new Retention(server.maintenance, { maxAgeMs: 3_600_000, maxSizeBytes: 0, intervalMs: 3_600_000, logger, now: () => clock });
    onTestFinished(() => byAge.close());
    expect(await byAge.runOnce()).toBe(1);
    expect(await collapsed()).toBe('b 1\nc 1\n');
    const bySize = new Retention(server.maintenance, { maxAgeMs: 86_400_000, maxSizeBytes: 1, intervalMs: 3_600_000, logger, now: () => clock });
    onTestFinished(() => bySize.close());
    expect(await bySize.runOnce()).toBe(1);
    expect(await collapsed()).toBe('c 1\n');
    expect(server.store.profileCount()).toBe(1);
  });
});
