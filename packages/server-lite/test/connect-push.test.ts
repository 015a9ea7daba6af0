import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Code, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PusherService } from '../src/gen/push/v1/push_pb.js';
import type { KprofServer } from '../src/server.js';
import { buildGoBurn, collapsedTotals, makeNodeProfile, makeTempDir, pprofRawTotals } from './helpers/profiles.js';
import { goHeapPprof } from '@kprof/test-support';
import { get, startTestServer } from './helpers/test-server.js';
import { connectError } from './helpers/connect-error.js';

const tmp = makeTempDir('kprof-connect-push-');
let goProfile: string;
let nodeProfile: string;
const TOKEN = 'push-token-0123456789';

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  goProfile = await burn('go-cpu.pprof', 500);
  nodeProfile = await makeNodeProfile(tmp.dir, 'node-wall.pb.gz', 500);
});
afterAll(() => tmp.cleanup());

function pushClient(server: KprofServer, opts: { json?: boolean; token?: string } = {}) {
  const auth: Interceptor = (next) => (req) => {
    if (opts.token !== undefined) req.header.set('authorization', `Bearer ${opts.token}`);
    return next(req);
  };
  return createClient(
    PusherService,
    createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: !opts.json, interceptors: [auth] }),
  );
}

function labels(map: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(map).map(([name, value]) => ({ name, value }));
}

function sum(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

describe('push.v1 mounted in server-lite', () => {
  it('stores a real Go CPU profile pushed in binary proto; /render shows it under service_name with go tool pprof totals', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-go'));
    await pushClient(server).push({
      series: [
        {
          labels: labels({ __name__: 'process_cpu', service_name: 'checkout', env: 'prod', 'k8s.pod': 'checkout-1', __delta__: 'false' }),
          samples: [{ rawProfile: readFileSync(goProfile) }],
        },
      ],
    });

    const want = await pprofRawTotals([goProfile], 1);
    expect(want.size).toBeGreaterThan(0);
    const collapsed = await get(server, '/render', { query: 'checkout.cpu{env="prod"}', from: 'now-1h', format: 'collapsed' });
    expect(collapsed.status).toBe(200);
    expect(collapsedTotals(collapsed.text)).toEqual(want);
    const json = JSON.parse((await get(server, '/render', { query: 'checkout.cpu', from: 'now-1h' })).text) as {
      flamebearer: { names: string[]; numTicks: number };
      metadata: { units: string; sampleRate: number };
    };
    expect(json.flamebearer.names).toContain('main.hotLoop');
    expect(json.flamebearer.numTicks).toBe(sum(want));
    expect(json.metadata).toMatchObject({ units: 'nanoseconds', sampleRate: 100 });

    const names = JSON.parse((await get(server, '/label-values', { label: '__name__' })).text) as string[];
    expect(names).toEqual(['checkout.cpu', 'checkout.samples']);
    // Dots in label names become underscores; __delta__ and the internal type label are not shown.
    const labelNames = JSON.parse((await get(server, '/labels')).text) as string[];
    expect(labelNames).toEqual(['__name__', 'env', 'k8s_pod']);

    const metrics = (await get(server, '/metrics')).text;
    expect(metrics).toMatch(/^kprof_ingest_profiles_total\{format="push"\} 1$/m);
  });

  it('accepts the JSON codec and a Node.js profile from @datadog/pprof without service_name (unknown_service)', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-node'));
    const raw = readFileSync(nodeProfile);
    await pushClient(server, { json: true }).push({
      series: [{ labels: labels({ __name__: 'wall' }), samples: [{ rawProfile: raw }] }],
    });
    const wall = await get(server, '/render', { query: 'unknown_service.wall', from: 'now-1h', format: 'collapsed' });
    expect(wall.status).toBe(200);
    const want = await pprofRawTotals([nodeProfile], 1);
    expect(collapsedTotals(wall.text)).toEqual(want);
    expect([...want.keys()].some((k) => k.endsWith(';hotNodeFunction'))).toBe(true);
  });

  it('refuses a push without the ingest token as unauthenticated and stores nothing; the token lets it in', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-auth'), `auth:\n  ingest-tokens: [${TOKEN}]\n`);
    const request = { series: [{ labels: labels({ __name__: 'process_cpu', service_name: 'authd' }), samples: [{ rawProfile: readFileSync(goProfile) }] }] };

    for (const token of [undefined, 'wrong-token-0123456789']) {
      const err = await connectError(pushClient(server, token === undefined ? {} : { token }).push(request));
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.rawMessage).toContain('auth.ingest-tokens');
      expect(err.metadata.get('kprof-error-code')).toBe('KPROF_UNAUTHORIZED');
    }
    expect(server.store.profileCount()).toBe(0);

    await pushClient(server, { token: TOKEN }).push(request);
    expect(server.store.profileCount()).toBe(2);
    expect((await get(server, '/metrics')).text).toMatch(/^kprof_ingest_rejected_total\{reason="KPROF_UNAUTHORIZED"\} 2$/m);
  });

  it('memory alloc_* is delta-ed per series unless __delta__="false" (Grafana Pyroscope server-side delta)', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-delta'));
    const t0 = Date.now() - 60_000;
    const push = (service: string, delta: string | undefined, values: [number, number, number, number], timeMs: number) =>
      pushClient(server).push({
        series: [
          {
            labels: labels({ __name__: 'memory', service_name: service, ...(delta === undefined ? {} : { __delta__: delta }) }),
            samples: [{ rawProfile: goHeapPprof(values, timeMs) }],
          },
        ],
      });
    // Cumulative client: the first push is the alloc baseline, the second stores the growth.
    await push('cumulative', undefined, [10, 1000, 1, 100], t0);
    await push('cumulative', undefined, [15, 1600, 2, 200], t0 + 10_000);
    // Delta client: stored as sent.
    await push('deltas', 'false', [10, 1000, 1, 100], t0);
    await push('deltas', 'false', [15, 1600, 2, 200], t0 + 10_000);

    const total = async (query: string) => {
      const res = await get(server, '/render', { query, from: 'now-1h', format: 'collapsed' });
      expect(res.status).toBe(200);
      return collapsedTotals(res.text).get('main.main;main.alloc');
    };
    expect(await total('cumulative.alloc_space')).toBe(600);
    // A push that fails after its memory series was delta-ed (a later series is not pprof) leaves
    // the baseline where it was: the client's retry of the same profile stores its real growth.
    await pushClient(server).push({
      series: [{ labels: labels({ __name__: 'memory', service_name: 'retried' }), samples: [{ rawProfile: goHeapPprof([10, 1000, 1, 100], t0) }] }],
    });
    const third = { labels: labels({ __name__: 'memory', service_name: 'retried' }), samples: [{ rawProfile: goHeapPprof([14, 1400, 2, 200], t0 + 10_000) }] };
    const bad = { labels: labels({ __name__: 'process_cpu', service_name: 'retried' }), samples: [{ rawProfile: Buffer.from('not a profile') }] };
    expect((await connectError(pushClient(server).push({ series: [third, bad] }))).code).toBe(Code.InvalidArgument);
    await pushClient(server).push({ series: [third] });
    expect(await total('retried.alloc_space')).toBe(400);
    // Two profiles of one series in the failed push: both baselines it moved go back, newest
    // first, so the retry stores 400 + 600 (were they put back oldest first, the second push's
    // baseline would stay and the retry's first profile would store no growth).
    const series2 = (profiles: [values: [number, number, number, number], timeMs: number][]) => ({
      labels: labels({ __name__: 'memory', service_name: 'retried2' }),
      samples: profiles.map(([v, timeMs]) => ({ rawProfile: goHeapPprof(v, timeMs) })),
    });
    await pushClient(server).push({ series: [series2([[[10, 1000, 1, 100], t0]])] });
    const both = series2([
      [[14, 1400, 2, 200], t0 + 10_000],
      [[20, 2000, 3, 300], t0 + 20_000],
    ]);
    expect((await connectError(pushClient(server).push({ series: [both, bad] }))).code).toBe(Code.InvalidArgument);
    await pushClient(server).push({ series: [both] });
    expect(await total('retried2.alloc_space')).toBe(1000);
    expect(await total('cumulative.alloc_objects')).toBe(5);
    expect(await total('deltas.alloc_space')).toBe(2600);
    // In-use values are never delta-ed (stored per profile; /render averages them: (100 + 200) / 2).
    expect(await total('cumulative.inuse_space')).toBe(150);
  });

  const MAX_BYTES = 1024 * 1024;
  it.each([
    { name: 'bytes that are neither gzip nor pprof', raw: () => Buffer.from('this is not a profile at all'), code: Code.InvalidArgument, kprof: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'corrupt gzip', raw: () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(64, 7)]), code: Code.InvalidArgument, kprof: 'KPROF_INGEST_BAD_GZIP' },
    { name: 'gzip bomb', raw: () => gzipSync(Buffer.alloc(8 * MAX_BYTES)), code: Code.InvalidArgument, kprof: 'KPROF_INGEST_DECOMPRESSED_TOO_LARGE' },
    {
      name: 'too many labels',
      raw: () => readFileSync(goProfile),
      extraLabels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`l${i}`, 'v'])),
      code: Code.InvalidArgument,
      kprof: 'KPROF_PUSH_TOO_MANY_LABELS',
    },
    // The whole message over the Connect read limit: resource_exhausted, as connect-go answers its read limit.
    { name: 'a body over max-decompressed-bytes', raw: () => Buffer.alloc(MAX_BYTES + 1024, 1), code: Code.ResourceExhausted, kprof: undefined },
    { name: 'more than 1000 profiles in one push', raw: () => Buffer.from([0x0a]), copies: 1000, code: Code.InvalidArgument, kprof: 'KPROF_PUSH_TOO_MANY_PROFILES' },
  ])('$name → Connect error, nothing stored, server healthy', async ({ raw, extraLabels, copies, code, kprof }) => {
    const server = await startTestServer(join(tmp.dir, `db-bad-${Math.random().toString(36).slice(2)}`), `ingest:\n  max-decompressed-bytes: ${MAX_BYTES}\n`);
    // A good series first: a bad one anywhere in the request must keep the good one out too.
    const good = { labels: labels({ __name__: 'process_cpu', service_name: 'good' }), samples: [{ rawProfile: readFileSync(goProfile) }] };
    const rawProfile = raw();
    const bad = { labels: labels({ __name__: 'process_cpu', service_name: 'bad', ...extraLabels }), samples: Array.from({ length: copies ?? 1 }, () => ({ rawProfile })) };
    const err = await connectError(pushClient(server).push({ series: [good, bad] }));
    expect(err.code).toBe(code);
    if (kprof !== undefined) expect(err.metadata.get('kprof-error-code')).toBe(kprof);
    expect(err.rawMessage.length).toBeGreaterThan(10);
    expect(server.store.profileCount()).toBe(0);
    expect(server.store.series()).toEqual([]);
    expect((await get(server, '/healthz')).status).toBe(200);
    const metrics = (await get(server, '/metrics')).text;
    expect(metrics).toMatch(/^kprof_ingest_rejected_total\{reason="[A-Z_0-9]+"\} 1$/m);
    // The server still takes a good push afterwards.
    await pushClient(server).push({ series: [good] });
    expect(server.store.profileCount()).toBe(2);
  });
});
