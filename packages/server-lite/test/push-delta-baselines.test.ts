import { join } from 'node:path';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, describe, expect, it } from 'vitest';
import { PusherService } from '../src/gen/push/v1/push_pb.js';
import type { KprofServer } from '../src/server.js';
import { collapsedTotals, makeTempDir } from './helpers/profiles.js';
import { goHeapPprof } from '@kprof/test-support';
import { get, startTestServer } from './helpers/test-server.js';

// push.v1 `memory` series with Grafana Pyroscope's server-side delta, many series at once: the
// baselines are bounded by bytes (ingest.push-delta-max-bytes), not by a count of series.

const tmp = makeTempDir('kprof-push-delta-');
afterAll(() => tmp.cleanup());

function pushClient(server: KprofServer, tenant?: string) {
  const scope: Interceptor = (next) => (req) => {
    if (tenant !== undefined) req.header.set('X-Scope-OrgID', tenant);
    return next(req);
  };
  return createClient(PusherService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', interceptors: [scope] }));
}

// One push round: every pod of `service` sends its cumulative profile, `perRequest` series per request.
async function pushRound(server: KprofServer, opts: { service: string; pods: number; values: [number, number, number, number]; timeMs: number; tenant?: string; perRequest?: number }) {
  const raw = goHeapPprof(opts.values, opts.timeMs);
  const perRequest = opts.perRequest ?? 500;
  for (let from = 0; from < opts.pods; from += perRequest) {
    const series = [];
    for (let i = from; i < Math.min(opts.pods, from + perRequest); i++) {
      series.push({ labels: [{ name: '__name__', value: 'memory' }, { name: 'service_name', value: opts.service }, { name: 'pod', value: `pod-${i}` }], samples: [{ rawProfile: raw }] });
    }
    await pushClient(server, opts.tenant).push({ series });
  }
}

async function allocSpace(server: KprofServer, service: string, tenant?: string): Promise<number> {
  const qs = new URLSearchParams({ query: `${service}.alloc_space`, from: 'now-1h', until: 'now+1m', format: 'collapsed' });
  const res = await fetch(`${server.url}/render?${qs.toString()}`, tenant === undefined ? {} : { headers: { 'X-Scope-OrgID': tenant } });
  expect(res.status).toBe(200);
  return collapsedTotals(await res.text()).get('main.main;main.alloc') ?? 0;
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

describe('push.v1 memory delta baselines', () => {
  it('1,100 pods pushing cumulative memory profiles all get their alloc_* growth stored (no cap by series count)', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-fleet'));
    const t0 = Date.now() - 60_000;
    // First push of each pod: only the baseline for alloc_*. Second: the growth, 400 bytes per pod.
    await pushRound(server, { service: 'fleet', pods: 1100, values: [10, 1000, 1, 100], timeMs: t0 });
    expect(await allocSpace(server, 'fleet')).toBe(0);
    await pushRound(server, { service: 'fleet', pods: 1100, values: [14, 1400, 1, 100], timeMs: t0 + 15_000 });
    expect(await allocSpace(server, 'fleet')).toBe(1100 * 400);
    const metrics = (await get(server, '/metrics')).text;
    expect(metric(metrics, 'kprof_push_delta_baseline_series')).toBe(1100);
    expect(metric(metrics, 'kprof_push_delta_baseline_bytes')).toBeGreaterThan(0);
    expect(metrics).not.toMatch(/^kprof_push_delta_evictions_total\{/m);
  });

  it("a tenant over ingest.push-delta-max-bytes loses its own baselines (counted), not another tenant's", async () => {
    // 16 KiB holds a few dozen one-stack baselines: far fewer than the noisy tenant's 200 pods.
    const server = await startTestServer(join(tmp.dir, 'db-tenants'), 'auth:\n  multi-tenant: true\ningest:\n  push-delta-max-bytes: 16KiB\n');
    const t0 = Date.now() - 60_000;
    await pushRound(server, { tenant: 'quiet', service: 'svc', pods: 2, values: [10, 1000, 1, 100], timeMs: t0 });
    await pushRound(server, { tenant: 'noisy', service: 'svc', pods: 200, values: [10, 1000, 1, 100], timeMs: t0 });
    await pushRound(server, { tenant: 'noisy', service: 'svc', pods: 200, values: [14, 1400, 1, 100], timeMs: t0 + 15_000 });
    await pushRound(server, { tenant: 'quiet', service: 'svc', pods: 2, values: [14, 1400, 1, 100], timeMs: t0 + 15_000 });
    // The quiet tenant's series kept their baselines; the same series key in the noisy tenant is its own.
    expect(await allocSpace(server, 'svc', 'quiet')).toBe(2 * 400);
    // The noisy tenant's pods were evicted before their second push, which then was a new baseline.
    expect(await allocSpace(server, 'svc', 'noisy')).toBe(0);
    const metrics = (await get(server, '/metrics')).text;
    expect(metric(metrics, 'kprof_push_delta_evictions_total{active="true"}')).toBeGreaterThan(0);
    expect(metric(metrics, 'kprof_push_delta_baseline_bytes')).toBeLessThanOrEqual(16 * 1024);
    // An evicted pod starts over: its next push is a baseline again, the one after stores growth.
    await pushRound(server, { tenant: 'noisy', service: 'solo', pods: 1, values: [10, 1000, 1, 100], timeMs: t0 });
    await pushRound(server, { tenant: 'noisy', service: 'solo', pods: 1, values: [15, 1500, 1, 100], timeMs: t0 + 15_000 });
    expect(await allocSpace(server, 'solo', 'noisy')).toBe(500);
  });
});
