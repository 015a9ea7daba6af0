import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Code, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PusherService } from '../src/gen/push/v1/push_pb.js';
import { QuerierService } from '../src/gen/querier/v1/querier_pb.js';
import type { KprofServer } from '../src/server.js';
import { buildGoBurn, collapsedTotals, makeTempDir, pprofRawTotals } from './helpers/profiles.js';
import { startTestServer } from './helpers/test-server.js';
import { heapPprof, startTarget } from './scrape/pprof-target.js';
import { connectError } from './helpers/connect-error.js';

const tmp = makeTempDir('kprof-tenants-');
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const HEADER = 'X-Scope-OrgID';
let server: KprofServer;
let fileA: string;
let fileB: string;
let ticksA: number;
let ticksB: number;

function sum(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

function rangeParams(): Record<string, string> {
  const nowS = Math.floor(Date.now() / 1000);
  return { from: String(nowS - 10), until: String(nowS) };
}

async function ingestAs(s: KprofServer, tenant: string | undefined, name: string, file: string): Promise<{ status: number; body: string }> {
  const params = new URLSearchParams({ format: 'pprof', name, ...rangeParams() });
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (tenant !== undefined) headers[HEADER] = tenant;
  const res = await fetch(`${s.url}/ingest?${params.toString()}`, { method: 'POST', body: readFileSync(file), headers });
  return { status: res.status, body: await res.text() };
}

async function getAs(s: KprofServer, tenant: string | undefined, path: string, params: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${s.url}${path}${qs ? `?${qs}` : ''}`, tenant === undefined ? {} : { headers: { [HEADER]: tenant } });
  return { status: res.status, text: await res.text() };
}

async function renderTicks(s: KprofServer, tenant: string | undefined, query: string): Promise<number> {
  const res = await getAs(s, tenant, '/render', { query, from: 'now-1h', until: 'now+1m' });
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
}

function transport(url: string, tenant: string | undefined) {
  const scope: Interceptor = (next) => (req) => {
    if (tenant !== undefined) req.header.set(HEADER, tenant);
    return next(req);
  };
  return createConnectTransport({ baseUrl: url, httpVersion: '1.1', interceptors: [scope] });
}

const querier = (tenant: string | undefined) => createClient(QuerierService, transport(server.url, tenant));
const pusher = (s: KprofServer, tenant: string | undefined) => createClient(PusherService, transport(s.url, tenant));

function pushRequest(file: string) {
  return {
    series: [
      {
        labels: [
          { name: '__name__', value: 'process_cpu' },
          { name: 'service_name', value: 'pushed' },
          // A client-sent tenant label must not choose the tenant.
          { name: '__tenant__', value: 'team-b' },
        ],
        samples: [{ rawProfile: readFileSync(file) }],
      },
    ],
  };
}

function range() {
  return { start: BigInt(Date.now() - 3_600_000), end: BigInt(Date.now() + 60_000) };
}

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  fileA = await burn('a.pprof', 300);
  fileB = await burn('b.pprof', 600);
  ticksA = sum(await pprofRawTotals([fileA], 1));
  ticksB = sum(await pprofRawTotals([fileB], 1));
  server = await startTestServer(join(tmp.dir, 'db'), 'auth:\n  multi-tenant: true\n', { closeOnFinish: false });
  // Same app name for both tenants; team-b alone has `only-b` and the `env` label. `/ingest`
  // refuses reserved `__` labels, so no client names its tenant by label there.
  const planted = await ingestAs(server, 'team-a', 'shop{__tenant__=team-b}', fileA);
  expect([planted.status, JSON.parse(planted.body).code]).toEqual([400, 'KPROF_INGEST_BAD_LABEL']);
  expect((await ingestAs(server, 'team-a', 'shop', fileA)).status).toBe(200);
  expect((await ingestAs(server, 'team-b', 'shop{env=prod}', fileB)).status).toBe(200);
  expect((await ingestAs(server, 'team-b', 'only-b', fileB)).status).toBe(200);
  await pusher(server, 'team-a').push(pushRequest(fileA));
  await pusher(server, 'team-b').push(pushRequest(fileB));
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

const TENANTS = [
  { tenant: 'team-a', file: () => fileA, ticks: () => ticksA, apps: ['pushed.cpu', 'pushed.samples', 'shop.cpu', 'shop.samples'], labels: ['__name__'] },
  {
    tenant: 'team-b',
    file: () => fileB,
    ticks: () => ticksB,
    apps: ['only-b.cpu', 'only-b.samples', 'pushed.cpu', 'pushed.samples', 'shop.cpu', 'shop.samples'],
    labels: ['__name__', 'env'],
  },
];

describe('multi-tenant (auth.multi-tenant: true)', () => {
  it.each(TENANTS)('$tenant sees only its own series on /render, /labels, /label-values and /api/apps', async (t) => {
    expect(ticksA).not.toBe(ticksB);
    const collapsed = await getAs(server, t.tenant, '/render', { query: 'shop.cpu', from: 'now-1h', until: 'now+1m', format: 'collapsed' });
    expect(collapsedTotals(collapsed.text)).toEqual(await pprofRawTotals([t.file()], 1));
    expect(await renderTicks(server, t.tenant, 'pushed.cpu')).toBe(t.ticks());

    const labels = await getAs(server, t.tenant, '/labels');
    expect(JSON.parse(labels.text)).toEqual(t.labels);
    const names = await getAs(server, t.tenant, '/label-values', { label: '__name__' });
    expect(JSON.parse(names.text)).toEqual(t.apps);
    const apps = await getAs(server, t.tenant, '/api/apps');
    expect((JSON.parse(apps.text) as { name: string }[]).map((a) => a.name)).toEqual(t.apps);
    for (const body of [labels.text, names.text, apps.text, collapsed.text]) expect(body).not.toContain('__tenant__');
    expect(JSON.parse((await getAs(server, t.tenant, '/label-values', { label: '__tenant__' })).text)).toEqual([]);
  });

  it.each(TENANTS)('$tenant sees only its own series over querier.v1', async (t) => {
    const q = querier(t.tenant);
    const services = await q.labelValues({ name: 'service_name', matchers: [], ...range() });
    expect(services.names).toEqual(t.tenant === 'team-a' ? ['pushed', 'shop'] : ['only-b', 'pushed', 'shop']);
    const labelNames = await q.labelNames({ matchers: [], ...range() });
    expect(labelNames.names).not.toContain('__tenant__');
    const series = await q.series({ matchers: [], labelNames: [], ...range() });
    expect(JSON.stringify(series.labelsSet)).not.toContain('__tenant__');
    const fg = await q.selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name="pushed"}', ...range() });
    expect(Number(fg.flamegraph!.total)).toBe(t.ticks());
  });

  it('a matcher on __tenant__ cannot reach another tenant', async () => {
    expect(await renderTicks(server, 'team-a', 'shop.cpu{__tenant__="team-b"}')).toBe(0);
    expect(await renderTicks(server, 'team-a', 'shop.cpu{__tenant__=~".*"}')).toBe(ticksA);
    expect(await renderTicks(server, 'team-a', 'only-b.cpu{__tenant__!="team-a"}')).toBe(0);
    const diff = await getAs(server, 'team-a', '/render-diff', {
      leftQuery: 'shop.cpu{__tenant__="team-a"}',
      rightQuery: 'shop.cpu{__tenant__="team-b"}',
      leftFrom: 'now-1h',
      rightFrom: 'now-1h',
      leftUntil: 'now+1m',
      rightUntil: 'now+1m',
    });
    expect(diff.status).toBe(200);
    expect(JSON.parse(diff.text)).toMatchObject({ leftTicks: ticksA, rightTicks: 0 });
    expect(JSON.parse((await getAs(server, 'team-a', '/labels', { query: '{__tenant__="team-b"}' })).text)).toEqual([]);
    const fg = await querier('team-a').selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{__tenant__="team-b"}', ...range() });
    expect(Number(fg.flamegraph?.total ?? 0)).toBe(0);
    expect((await querier('team-a').labelValues({ name: 'service_name', matchers: ['{__tenant__="team-b"}'], ...range() })).names).toEqual([]);
  });

  const QUERY_ROUTES: [string, Record<string, string>][] = [
    ['/render', { query: 'shop.cpu' }],
    ['/render-diff', { leftQuery: 'shop.cpu', rightQuery: 'shop.cpu' }],
    ['/labels', {}],
    ['/label-values', { label: '__name__' }],
    ['/api/apps', {}],
  ];
  const BAD_HEADERS: [string | undefined, number, string][] = [
    [undefined, 401, 'KPROF_TENANT_MISSING'],
    ['', 401, 'KPROF_TENANT_MISSING'],
    ['..', 400, 'KPROF_TENANT_INVALID'],
    ['.', 400, 'KPROF_TENANT_INVALID'],
    ['team a', 400, 'KPROF_TENANT_INVALID'],
    ['team-a|team-b', 400, 'KPROF_TENANT_INVALID'],
    ['x'.repeat(151), 400, 'KPROF_TENANT_INVALID'],
  ];

  it.each(BAD_HEADERS)('X-Scope-OrgID %j is refused on every HTTP route with %i %s', async (header, status, code) => {
    for (const [path, params] of QUERY_ROUTES) {
      const res = await getAs(server, header, path, params);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(JSON.parse(res.text)).toMatchObject({ code });
      expect(res.text).toContain('X-Scope-OrgID');
    }
    const ingested = await ingestAs(server, header, 'intruder', fileA);
    expect(ingested.status).toBe(status);
    expect(JSON.parse(ingested.body)).toMatchObject({ code });
    expect(JSON.parse((await getAs(server, 'team-a', '/label-values', { label: '__name__' })).text)).not.toContain('intruder.cpu');
  });

  it.each(BAD_HEADERS)('X-Scope-OrgID %j is refused on push.v1 and querier.v1', async (header, status, code) => {
    const connectCode = status === 401 ? Code.Unauthenticated : Code.InvalidArgument;
    const push = await connectError(pusher(server, header).push(pushRequest(fileA)));
    expect([push.code, push.metadata.get('kprof-error-code')]).toEqual([connectCode, code]);
    const query = await connectError(querier(header).labelValues({ name: 'service_name', matchers: [], ...range() }));
    expect([query.code, query.metadata.get('kprof-error-code')]).toEqual([connectCode, code]);
    expect(query.rawMessage).toContain('X-Scope-OrgID');
  });

  it('valid IDs at the limits are accepted: 150 characters and every allowed symbol', async () => {
    for (const id of ['a'.repeat(150), "A-z0_9!.*'()"]) {
      const res = await getAs(server, id, '/api/apps');
      expect({ id, status: res.status, text: res.text }).toEqual({ id, status: 200, text: '[]' });
    }
  });

  it('scrape targets are server-wide: no tenant header needed', async () => {
    expect((await getAs(server, undefined, '/api/v1/targets')).status).toBe(200);
  });
});

describe('single tenant (the default)', () => {
  it('ignores X-Scope-OrgID: every client shares the data and no label is added', async () => {
    const s = await startTestServer(join(tmp.dir, 'db-single'));
    expect((await ingestAs(s, 'team-a', 'shop', fileA)).status).toBe(200);
    expect((await ingestAs(s, 'team-b', 'shop', fileB)).status).toBe(200);
    expect((await ingestAs(s, '..', 'shop', fileB)).status).toBe(200);
    await pusher(s, 'team-a').push(pushRequest(fileA));
    for (const tenant of [undefined, 'team-a', 'team-b']) {
      expect(await renderTicks(s, tenant, 'shop.cpu')).toBe(ticksA + 2 * ticksB);
      expect(await renderTicks(s, tenant, 'pushed.cpu')).toBe(ticksA);
    }
    expect(s.store.series().some((series) => '__tenant__' in series.labels)).toBe(false);
    expect(JSON.parse((await getAs(s, undefined, '/labels')).text)).toEqual(['__name__']);
  });
});

describe('pull mode with multi-tenant on', () => {
  it('stores scraped series under auth.scrape-tenant', async () => {
    const target = await startTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(heapPprof([{ stack: ['scrapedHotFunction', 'main'], inuse: 65536, alloc: 65536 }]));
    });
    const yaml = `auth:
  multi-tenant: true
  scrape-tenant: ops
scrape-configs:
  - job-name: local
    scrape-interval: 200ms
    enabled-profiles: [mem]
    static-configs:
      - application: pulled
        targets: ['${target.address}']
`;
    const s = await startTestServer(join(tmp.dir, 'db-pull'), yaml);
    const appsOf = async (tenant: string): Promise<string[]> => (JSON.parse((await getAs(s, tenant, '/api/apps')).text) as { name: string }[]).map((a) => a.name);
    await expect.poll(() => appsOf('ops'), { timeout: 10_000 }).toContain('pulled.inuse_space');
    expect(await appsOf('anonymous')).toEqual([]);
    expect(s.store.series().every((series) => series.labels['__tenant__'] === 'ops')).toBe(true);
  });
});
