import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inclusiveTotal, runGoToolPprof, sampleTypes, startProfileReceiver, tempDir, totalsByLabel } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

describe('start(): continuous profiling pushed to a Pyroscope-style receiver', () => {
  it('pushes time (with labels) and heap profiles every interval, and stop() delivers the last one', async () => {
    const receiver = await startProfileReceiver();
    const outDir = tempDir('kprof-sdk-push-');
    const r = await runFixture<{
      beforeStop: { uploads: { runs: number; timeProfiles: number } };
      afterStop: { running: boolean; uploads: { timeProfiles: number; heapProfiles: number }; exporter: { enqueued: number; sent: number } };
      warnings: string[];
    }>('push-service', {
      outDir,
      args: ['2600'],
      env: { KPROF_APP_NAME: 'push-app', KPROF_SERVER_ADDRESS: receiver.url, KPROF_TAGS: 'env=test', KPROF_UPLOAD_INTERVAL_MS: '1000' },
    });
    expect(r.warnings).toEqual([]);
    expect(r.afterStop.running).toBe(false);
    // Every interval's profiles plus the final partial one (from stop()) were delivered.
    expect(r.afterStop.uploads.timeProfiles).toBe(r.beforeStop.uploads.runs + 1);
    expect(r.afterStop.exporter.sent).toBe(r.afterStop.exporter.enqueued);

    const time = receiver.pushes.filter((x) => x.query.has('sampleRate'));
    const heap = receiver.pushes.filter((x) => !x.query.has('sampleRate'));
    expect(time.length).toBe(r.afterStop.uploads.timeProfiles);
    // At least one interval push besides the final one (ticks at 1 s and 2 s of a 2.6 s run).
    expect(time.length).toBeGreaterThanOrEqual(2);
    expect(heap.length).toBe(r.afterStop.uploads.heapProfiles);
    for (const t of time) {
      expect(Object.fromEntries(t.query)).toMatchObject({ name: 'push-app{env=test}', format: 'pprof', spyName: 'nodespy', sampleRate: '100' });
      expect(Number(t.query.get('from'))).toBeLessThanOrEqual(Number(t.query.get('until')));
      expect(t.headers['content-type']).toBe('application/octet-stream');
      expect(sampleTypes(t.profile)).toEqual(['samples/count', 'wall/nanoseconds', 'cpu/nanoseconds']);
    }
    for (const h of heap) expect(sampleTypes(h.profile)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    expect(heap.some((h) => inclusiveTotal(h.profile, 'fillCache', 1) > 0)).toBe(true);

    // Consecutive time profiles tile the run: each starts where the previous ended.
    const spans = time.map((t) => [Number(t.query.get('from')), Number(t.query.get('until'))] as const);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBe(spans[i - 1]?.[1]);

    const byLabel = (fn: string): Record<string, number> => {
      const acc: Record<string, number> = {};
      for (const t of time) for (const [k, v] of Object.entries(totalsByLabel(t.profile, fn, 'route'))) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    };
    const users = byLabel('renderUsers');
    const orders = byLabel('renderOrders');
    const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(users)).toBeGreaterThan(30);
    expect(sum(orders)).toBeGreaterThan(30);
    expect((users['/users'] ?? 0) / sum(users)).toBeGreaterThanOrEqual(0.95);
    expect((orders['/orders'] ?? 0) / sum(orders)).toBeGreaterThanOrEqual(0.95);

    // A pushed body is a valid pprof for the real go tool pprof.
    const file = join(outDir, 'pushed-time.pb.gz');
    const busiest = time.reduce((a, b) => (inclusiveTotal(b.profile, 'renderUsers') > inclusiveTotal(a.profile, 'renderUsers') ? b : a));
    writeFileSync(file, busiest.body);
    const top = await runGoToolPprof(['-top', file], { timeoutMs: 20_000 });
    expect(top.code, `${top.stdout}${top.stderr}`).toBe(0);
    expect(`${top.stdout}${top.stderr}`).toMatch(/renderUsers|renderOrders/);
  });
});

describe('start()/stop() lifecycle', () => {
  it('validates before side effects, guards a second start, stops idempotently and can start again', async () => {
    const outDir = tempDir('kprof-sdk-lifecycle-');
    const r = await runFixture('lifecycle', { outDir });
    expect(r).toMatchObject({
      badOption: { name: 'ConfigError', code: 'KPROF_CONFIG_INVALID_OPTION' },
      afterBadOption: { running: false, engine: false },
      badExportOption: { name: 'ConfigError', code: 'KPROF_EXPORT_INVALID_AUTH' },
      afterBadExportOption: { running: false, engine: false },
      stopWhenIdle: 'resolved',
      first: 'ok',
      second: { name: 'ConflictError', code: 'KPROF_ALREADY_STARTED' },
      labelsInside: { route: '/x' },
      labelsOutside: {},
      nestedLabels: { route: '/y', tenant: 't1' },
      returnValue: 42,
      thrown: { name: 'Error', message: 'boom' },
      sameStopPromise: true,
      startWhileStopping: { name: 'ConflictError', code: 'KPROF_ALREADY_STARTED' },
      afterStop: { running: false, engine: false },
      restart: 'ok',
      restarted: { running: true, engine: true, heap: false },
      final: { engine: false, contextErrors: 0 },
    });
  });
});

describe('without a loadable profiling engine', () => {
  it('imports and labels fine; profiling calls fail with KPROF_ENGINE_UNAVAILABLE', async () => {
    const outDir = tempDir('kprof-sdk-no-engine-');
    const r = await runFixture('engine-unavailable', { outDir });
    const unavailable = { name: 'KprofError', code: 'KPROF_ENGINE_UNAVAILABLE', message: expect.stringMatching(/could not be loaded.*testos/) };
    expect(r).toMatchObject({
      labels: { route: '/x' },
      start: unavailable,
      running: false,
      window: unavailable,
      heap: unavailable,
      stats: false,
      stop: 'ok',
    });
  });
});
