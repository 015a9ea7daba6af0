import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileSchema } from '../src/gen/google/v1/profile_pb.js';
import { PusherService } from '../src/gen/push/v1/push_pb.js';
import { QuerierService } from '../src/gen/querier/v1/querier_pb.js';
import { TimeSeriesAggregationType } from '../src/gen/types/v1/types_pb.js';
import type { KprofServer } from '../src/server.js';
import { goPprofRaw, rawStackTotals } from './helpers/pprof-raw.js';
import { buildGoBurn, collapsedTotals, makeNodeProfile, makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-connect-querier-');
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const CPU_SAMPLES = 'process_cpu:samples:count:cpu:nanoseconds';
const QUERY_TOKEN = 'query-token-0123456789';
let server: KprofServer;
let startMs: number;
let endMs: number;

function transport(url: string, opts: { json?: boolean; token?: string } = {}) {
  const auth: Interceptor = (next) => (req) => {
    if (opts.token !== undefined) req.header.set('authorization', `Bearer ${opts.token}`);
    return next(req);
  };
  return createConnectTransport({ baseUrl: url, httpVersion: '1.1', useBinaryFormat: !opts.json, interceptors: [auth] });
}

function querier(opts: { json?: boolean; token?: string } = {}) {
  return createClient(QuerierService, transport(server.url, opts));
}

async function renderCollapsed(query: string): Promise<Map<string, number>> {
  const res = await get(server, '/render', { query, from: String(startMs), until: String(endMs), format: 'collapsed' });
  expect(res.status).toBe(200);
  return collapsedTotals(res.text);
}

async function renderTicks(query: string): Promise<number> {
  const res = await get(server, '/render', { query, from: String(startMs), until: String(endMs) });
  return (JSON.parse(res.text) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}

// `go tool pprof -raw` of one file, as totals per root-first stack (the first sample type).
async function goPprofRawTotals(file: string, home: string): Promise<Map<string, number>> {
  return rawStackTotals(await goPprofRaw([file], home), 0);
}

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  const checkoutProfile = await burn('checkout.pprof', 400);
  const billingProfile = await burn('billing.pprof', 300);
  const nodeProfile = await makeNodeProfile(tmp.dir, 'node-wall.pb.gz', 300);
  server = await startTestServer(join(tmp.dir, 'db'), '', { closeOnFinish: false });
  const pusher = createClient(PusherService, transport(server.url));
  const series = (service: string, env: string, file: string) => ({
    labels: [
      { name: '__name__', value: 'process_cpu' },
      { name: 'service_name', value: service },
      { name: 'env', value: env },
    ],
    samples: [{ rawProfile: readFileSync(file) }],
  });
  await pusher.push({ series: [series('checkout', 'prod', checkoutProfile), series('billing', 'dev', billingProfile)] });
  const nowS = Math.floor(Date.now() / 1000);
  const res = await ingest(server, { format: 'pprof', name: 'nodeapp', spyName: 'nodespy', from: String(nowS - 5), until: String(nowS) }, readFileSync(nodeProfile));
  expect(res.status).toBe(200);
  startMs = Date.now() - 3_600_000;
  endMs = Date.now() + 60_000;
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('querier.v1 mounted over the store', () => {
  it('ProfileTypes lists the Grafana IDs of what is stored in the range, and nothing for an empty range', async () => {
    const res = await querier().profileTypes({ start: BigInt(startMs), end: BigInt(endMs) });
    const ids = res.profileTypes.map((t) => t.ID);
    expect(ids).toEqual(expect.arrayContaining([CPU, CPU_SAMPLES, 'wall:wall:nanoseconds:wall:nanoseconds']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(res.profileTypes.find((t) => t.ID === CPU)).toMatchObject({ name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' });
    // Grafana's health check asks for [1000, 4000] ms: no data there.
    expect((await querier().profileTypes({ start: 1000n, end: 4000n })).profileTypes).toEqual([]);
    // The latency is observed once the response is written, which can be after the client read it.
    await expect
      .poll(async () => (await get(server, '/metrics')).text)
      .toMatch(/^kprof_query_duration_seconds_count\{route="\/querier\.v1\.QuerierService\/ProfileTypes"\} [1-9]\d*$/m);
  });

  it('LabelNames, LabelValues and Series answer from the stored series (JSON codec too)', async () => {
    const range = { start: BigInt(startMs), end: BigInt(endMs) };
    const names = await querier().labelNames({ matchers: ['{service_name="checkout"}'], ...range });
    expect(names.names).toEqual(['__name__', '__profile_type__', 'env', 'service_name']);

    const services = await querier({ json: true }).labelValues({ name: 'service_name', matchers: [], ...range });
    expect(services.names).toEqual(['billing', 'checkout', 'nodeapp']);
    const envs = await querier().labelValues({ name: 'env', matchers: [`${CPU}{service_name=~"b.*"}`], ...range });
    expect(envs.names).toEqual(['dev']);

    const series = await querier().series({ matchers: ['{env="prod"}'], labelNames: ['service_name', 'env'], ...range });
    expect(series.labelsSet.map((s) => Object.fromEntries(s.labels.map((l) => [l.name, l.value])))).toEqual([{ env: 'prod', service_name: 'checkout' }]);
    // Before the data: nothing.
    expect((await querier().labelValues({ name: 'service_name', matchers: [], start: 1000n, end: 4000n })).names).toEqual([]);
  });

  it('SelectMergeStacktraces totals equal /render for the same service and type', async () => {
    const res = await querier().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name="checkout"}', start: BigInt(startMs), end: BigInt(endMs) });
    const fg = res.flamegraph!;
    const ticks = await renderTicks('checkout.cpu');
    expect(ticks).toBeGreaterThan(0);
    expect(Number(fg.total)).toBe(ticks);
    expect(fg.names).toContain('main.hotLoop');
    expect(fg.levels[0]!.values.map(Number)).toEqual([0, ticks, 0, 0]);

    const all = await querier().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{}', start: BigInt(startMs), end: BigInt(endMs) });
    expect(Number(all.flamegraph!.total)).toBe(ticks + (await renderTicks('billing.cpu')));
  });

  it('SelectMergeProfile is a pprof that go tool pprof -raw reads with the same stacks and totals as /render', async () => {
    const profile = await querier().selectMergeProfile({ profileTypeID: CPU, labelSelector: '{service_name="checkout",env="prod"}', start: BigInt(startMs), end: BigInt(endMs) });
    const file = join(tmp.dir, 'merged.pb');
    writeFileSync(file, toBinary(ProfileSchema, profile));
    const home = join(tmp.dir, 'home');
    mkdirSync(home, { recursive: true });
    const fromPprof = await goPprofRawTotals(file, home);
    const fromRender = await renderCollapsed('checkout.cpu{env="prod"}');
    expect(fromPprof.size).toBeGreaterThan(0);
    expect(fromPprof).toEqual(fromRender);
    const st = profile.sampleType[0]!;
    expect([profile.stringTable[Number(st.type)], profile.stringTable[Number(st.unit)]]).toEqual(['cpu', 'nanoseconds']);
  });

  it('SelectSeries groups by service_name with per-step sums that add up to each service total', async () => {
    const res = await querier().selectSeries({
      profileTypeID: CPU,
      labelSelector: '{}',
      start: BigInt(startMs),
      end: BigInt(endMs),
      groupBy: ['service_name'],
      step: 15,
      aggregation: TimeSeriesAggregationType.SUM,
    });
    const byService = new Map(res.series.map((s) => [s.labels.find((l) => l.name === 'service_name')!.value, s.points]));
    expect([...byService.keys()].sort()).toEqual(['billing', 'checkout']);
    for (const service of ['billing', 'checkout']) {
      const points = byService.get(service)!;
      expect(sum(points.map((p) => p.value))).toBe(await renderTicks(`${service}.cpu`));
      for (const p of points) {
        const t = Number(p.timestamp);
        expect(t).toBeGreaterThanOrEqual(startMs);
        expect((t - startMs) % 15_000).toBe(0);
      }
    }
    const top = await querier().selectSeries({ profileTypeID: CPU, labelSelector: '{}', start: BigInt(startMs), end: BigInt(endMs), groupBy: ['service_name'], step: 15, limit: 1n });
    expect(top.series).toHaveLength(1);
  });

  it('Diff returns both sides with left/right ticks equal to each side in /render', async () => {
    const side = (service: string) => ({ profileTypeID: CPU, labelSelector: `{service_name="${service}"}`, start: BigInt(startMs), end: BigInt(endMs) });
    const res = await querier().diff({ left: side('checkout'), right: side('billing') });
    const fg = res.flamegraph!;
    const left = await renderTicks('checkout.cpu');
    const right = await renderTicks('billing.cpu');
    expect([Number(fg.leftTicks), Number(fg.rightTicks), Number(fg.total)]).toEqual([left, right, left + right]);
    expect(fg.levels[0]!.values).toHaveLength(7);
  });

  it('derives types for /ingest series: the Node.js wall profile is wall:wall:nanoseconds:wall:nanoseconds under service_name nodeapp', async () => {
    const res = await querier().selectMergeStacktraces({ profileTypeID: 'wall:wall:nanoseconds:wall:nanoseconds', labelSelector: '{service_name="nodeapp"}', start: BigInt(startMs), end: BigInt(endMs) });
    expect(Number(res.flamegraph!.total)).toBe(await renderTicks('nodeapp.wall'));
    expect(res.flamegraph!.names).toContain('hotNodeFunction');
  });

  it('refuses bad requests with invalid_argument naming the field', async () => {
    const err = await querier()
      .selectMergeStacktraces({ profileTypeID: 'process_cpu', labelSelector: '{}', start: BigInt(startMs), end: BigInt(endMs) })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toContain('profile_typeID');
    const bad = await querier()
      .labelNames({ matchers: ['{service_name=~"("}'], start: BigInt(startMs), end: BigInt(endMs) })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(bad?.code).toBe(Code.InvalidArgument);
    expect(bad?.metadata.get('kprof-error-code')).toBe('KPROF_QUERY_BAD_SELECTOR');
  });
});

describe('query auth and OG label routes', () => {
  it('querier.v1 needs a query token when auth.query-tokens is set', async () => {
    const secured = await startTestServer(join(tmp.dir, 'db-auth'), `auth:\n  query-tokens: [${QUERY_TOKEN}]\n`);
    const client = (token?: string) => createClient(QuerierService, transport(secured.url, token === undefined ? {} : { token }));
    const err = await client()
      .profileTypes({ start: 0n, end: 0n })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(err?.code).toBe(Code.Unauthenticated);
    expect(err?.rawMessage).toContain('auth.query-tokens');
    expect((await client(QUERY_TOKEN).profileTypes({ start: 0n, end: 0n })).profileTypes).toEqual([]);
  });

  it('/labels and /label-values honour from/until', async () => {
    const inRange = { from: String(startMs), until: String(endMs) };
    const before = { from: '1000', until: '4000' };
    expect(JSON.parse((await get(server, '/labels', inRange)).text)).toEqual(['__name__', 'env']);
    expect(JSON.parse((await get(server, '/labels', before)).text)).toEqual([]);
    expect(JSON.parse((await get(server, '/label-values', { label: 'env', ...inRange })).text)).toEqual(['dev', 'prod']);
    expect(JSON.parse((await get(server, '/label-values', { label: '__name__', ...before })).text)).toEqual([]);
    expect(JSON.parse((await get(server, '/label-values', { label: 'env' })).text)).toEqual(['dev', 'prod']);
  });
});
