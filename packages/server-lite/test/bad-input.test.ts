import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { buildGoBurn, makeTempDir, rawProfile } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-bad-');
let goRaw: Buffer;
let server: KprofServer;

// Small limits so each row stays cheap; the same code paths guard the defaults.
const CONFIG = `
ingest:
  max-body-bytes: 1MiB
  max-decompressed-bytes: 4MiB
  max-labels: 30
  max-name-length: 4096
`;

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  goRaw = rawProfile(await burn('go.pprof', 300));
  server = await startTestServer(join(tmp.dir, 'db'), CONFIG, { closeOnFinish: false });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const now = Math.floor(Date.now() / 1000);
const range = { from: String(now - 10), until: String(now) };
const manyLabels = Array.from({ length: 10_000 }, (_, i) => `k${i}=v`).join(',');

function multipart(field: string, data: Buffer): { body: Buffer; headers: Record<string, string> } {
  const b = 'kprofboundary';
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="p"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

const rows: { name: string; params: () => Record<string, string>; body: () => Buffer | string; headers?: () => Record<string, string>; status: number; code: string }[] = [
  { name: 'truncated pprof', params: () => ({ format: 'pprof', name: 'bad', ...range }), body: () => goRaw.subarray(0, Math.floor(goRaw.length / 2)), status: 422, code: 'KPROF_INGEST_BAD_PPROF' },
  { name: 'truncated gzip', params: () => ({ format: 'pprof', name: 'bad', ...range }), body: () => gzipSync(goRaw).subarray(0, 40), status: 422, code: 'KPROF_INGEST_BAD_GZIP' },
  {
    name: 'Content-Encoding gzip on a body that is not gzip',
    params: () => ({ format: 'pprof', name: 'bad', ...range }),
    body: () => goRaw,
    headers: () => ({ 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' }),
    status: 422,
    code: 'KPROF_INGEST_BAD_GZIP',
  },
  { name: 'gzip bomb', params: () => ({ format: 'pprof', name: 'bad', ...range }), body: () => gzipSync(Buffer.alloc(64 * 1024 * 1024)), status: 413, code: 'KPROF_INGEST_DECOMPRESSED_TOO_LARGE' },
  { name: 'body over the limit', params: () => ({ format: 'pprof', name: 'bad', ...range }), body: () => Buffer.alloc(2 * 1024 * 1024, 1), status: 413, code: 'KPROF_INGEST_BODY_TOO_LARGE' },
  { name: '10k labels', params: () => ({ format: 'pprof', name: `bad{${manyLabels.slice(0, 4000)}}`, ...range }), body: () => goRaw, status: 413, code: 'KPROF_INGEST_TOO_MANY_LABELS' },
  { name: 'huge name', params: () => ({ format: 'pprof', name: `bad{${manyLabels.slice(0, 8000)}}`, ...range }), body: () => goRaw, status: 413, code: 'KPROF_INGEST_NAME_TOO_LONG' },
  { name: 'invalid app name', params: () => ({ format: 'pprof', name: 'bad app!', ...range }), body: () => goRaw, status: 400, code: 'KPROF_INGEST_BAD_NAME' },
  { name: 'missing name', params: () => ({ format: 'pprof', ...range }), body: () => goRaw, status: 400, code: 'KPROF_INGEST_BAD_NAME' },
  {
    name: 'wrong multipart field',
    params: () => ({ name: 'bad', ...range }),
    body: () => multipart('file', goRaw).body,
    headers: () => multipart('file', goRaw).headers,
    status: 400,
    code: 'KPROF_INGEST_MISSING_PROFILE',
  },
  { name: 'invalid time range', params: () => ({ format: 'pprof', name: 'bad', from: String(now), until: String(now - 100) }), body: () => goRaw, status: 400, code: 'KPROF_INGEST_BAD_TIME_RANGE' },
  { name: 'unreadable time', params: () => ({ format: 'pprof', name: 'bad', from: 'yesterday', until: String(now) }), body: () => goRaw, status: 400, code: 'KPROF_INGEST_BAD_TIME' },
  { name: 'unknown format', params: () => ({ format: 'protobuf2', name: 'bad', ...range }), body: () => goRaw, status: 400, code: 'KPROF_INGEST_UNSUPPORTED_FORMAT' },
  { name: 'folded with a bad value', params: () => ({ name: 'bad', ...range }), body: () => 'main;work abc\n', status: 400, code: 'KPROF_FOLDED_BAD_VALUE' },
  { name: 'empty pprof', params: () => ({ format: 'pprof', name: 'bad', ...range }), body: () => Buffer.alloc(0), status: 400, code: 'KPROF_INGEST_EMPTY_PROFILE' },
];

describe('bad ingest input', () => {
  it.each(rows)('$name → $status $code, nothing stored, still healthy', async (row) => {
    const res = await ingest(server, row.params(), row.body(), row.headers?.() ?? { 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(row.status);
    const body = JSON.parse(res.text) as { code: string; message: string };
    expect(body.code).toBe(row.code);
    expect(body.message.length).toBeGreaterThan(10);
    expect(server.store.profileCount()).toBe(0);
    expect(server.store.series()).toEqual([]);
    expect((await get(server, '/healthz')).status).toBe(200);
  });
});

describe('bad query input', () => {
  it.each([
    { name: 'unknown format', params: { query: 'a.cpu', format: 'html' }, code: 'KPROF_QUERY_BAD_FORMAT' },
    { name: 'from after until', params: { query: 'a.cpu', from: 'now', until: 'now-1h' }, code: 'KPROF_QUERY_BAD_TIME_RANGE' },
    { name: 'missing query', params: {}, code: 'KPROF_QUERY_MISSING_QUERY' },
    { name: 'bad selector', params: { query: 'a.cpu{env=}' }, code: 'KPROF_QUERY_BAD_SELECTOR' },
    { name: 'bad maxNodes', params: { query: 'a.cpu', maxNodes: 'many' }, code: 'KPROF_QUERY_BAD_MAX_NODES' },
  ] as { name: string; params: Record<string, string>; code: string }[])('/render $name → 400 $code', async ({ params, code }) => {
    const res = await get(server, '/render', params);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code });
  });

  it('/label-values without label → 400', async () => {
    const res = await get(server, '/label-values');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'KPROF_QUERY_MISSING_LABEL' });
  });

  it('unknown route → 404 JSON', async () => {
    const res = await get(server, '/nope');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'KPROF_NOT_FOUND' });
  });
});

describe('valid input after the bad rows', () => {
  it('is still accepted', async () => {
    const res = await ingest(server, { format: 'pprof', name: 'good', ...range }, readFileSync(join(tmp.dir, 'go.pprof')));
    expect(res.status).toBe(200);
    expect(server.store.profileCount()).toBeGreaterThan(0);
  });
});
