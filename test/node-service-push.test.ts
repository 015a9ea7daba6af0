// Issue 3 acceptance with real processes: the example Express service runs @kprof/sdk and pushes to
// a Pyroscope-style receiver on loopback, which decodes every profile with pprof-format.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  fileOfFunction, inclusiveTotal, runGoToolPprof, sampleTypeNames, startLoad, startProcess, startProfileReceiver, tempDir, totalsByLabel,
  type ReceivedPush,
} from '@kprof/test-support';

const repo = resolve(__dirname, '..');
const serviceMain = join(repo, 'examples/node-service/dist/main.js');

async function startNodeService(serverAddress: string, env: Record<string, string> = {}) {
  const proc = startProcess(process.execPath, [serviceMain], {
    env: { PORT: '0', ADMIN_PORT: '0', KPROF_SERVER_ADDRESS: serverAddress, KPROF_UPLOAD_INTERVAL_MS: '1000', ...env },
  });
  const [, port] = await proc.waitFor(/listening on http:\/\/localhost:(\d+)/);
  const [, adminPort] = await proc.waitFor(/pprof on http:\/\/127\.0\.0\.1:(\d+)/);
  return { proc, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}` };
}

const isTime = (p: ReceivedPush) => sampleTypeNames(p.profile).includes('wall');
const isHeap = (p: ReceivedPush) => sampleTypeNames(p.profile).includes('inuse_space');

async function sdkStats(adminUrl: string) {
  const res = await request(`${adminUrl}/debug/kprof/stats`);
  return (await res.body.json()) as { exporter?: { queueLength: number; dropped: number; sent: number; retries: number } };
}

describe('example node-service pushing with @kprof/sdk', () => {
  it('pushes time and heap profiles every interval, with .ts frames, labels and a retained allocation site', async () => {
    const receiver = await startProfileReceiver();
    const svc = await startNodeService(receiver.url);
    const load = startLoad(svc.url, ['/cpu?ms=15', '/users/7', '/alloc?kib=16'], { concurrency: 3 });
    onTestFinished(() => load.stop().then(() => undefined));

    await expect.poll(() => receiver.pushes.filter(isTime).length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(4);
    await load.stop();

    const times = receiver.pushes.filter(isTime);
    for (const t of times) {
      expect(sampleTypeNames(t.profile)).toEqual(expect.arrayContaining(['wall', 'cpu']));
      expect(t.query.get('format')).toBe('pprof');
      expect(t.query.get('name')).toMatch(/^node-service\{.*env=demo.*\}$/);
    }
    // Consecutive windows tile time: each starts where the previous ended (unix seconds).
    const windows = times.map((t) => [Number(t.query.get('from')), Number(t.query.get('until'))] as const);
    for (let i = 1; i < windows.length; i++) expect(windows[i]![0]).toBe(windows[i - 1]![1]);

    // Source maps load in the background after start(); the latest profiles have them.
    const withCpu = times.filter((t) => inclusiveTotal(t.profile, 'burnCpu', 'cpu') > 0).pop();
    expect(withCpu, 'a time profile with burnCpu').toBeDefined();
    expect(fileOfFunction(withCpu!.profile, 'burnCpu')).toMatch(/hot-paths\.ts$/);

    // Route labels from profileRoutes(): the handler of /users/:id resumes after an await.
    const labelled = times.some((t) => (totalsByLabel(t.profile, 'burnCpu', 'route', 'wall')['GET /users/:id'] ?? 0) > 0);
    expect(labelled, 'burnCpu samples labelled with route GET /users/:id').toBe(true);

    const heaps = receiver.pushes.filter(isHeap);
    expect(heaps.length).toBeGreaterThanOrEqual(1);
    const lastHeap = heaps[heaps.length - 1]!;
    expect(inclusiveTotal(lastHeap.profile, 'recordBatch', 'inuse_space')).toBeGreaterThan(0);
    expect(fileOfFunction(lastHeap.profile, 'recordBatch')).toMatch(/hot-paths\.ts$/);

    // The real `go tool pprof` reads what the SDK pushed.
    const dir = tempDir('kprof-pushed-');
    for (const [name, push, fn] of [['time.pb.gz', withCpu!, 'burnCpu'], ['heap.pb.gz', lastHeap, 'recordBatch']] as const) {
      writeFileSync(join(dir, name), gzipSync(push.profile.encode()));
      const top = await runGoToolPprof(['-top', '-nodecount=200', join(dir, name)]);
      expect(top.code, top.stderr).toBe(0);
      expect(top.stdout).toContain(fn);
    }

    expect(await svc.proc.stop('SIGTERM')).toBe(0);
  });

  it('keeps serving while the receiver is down, failing, throttling or stalled, then delivers the queue and the last profile', async () => {
    const receiver = await startProfileReceiver();
    const port = Number(new URL(receiver.url).port);
    const svc = await startNodeService(receiver.url, { KPROF_MAX_QUEUE_SIZE: '4', KPROF_REQUEST_TIMEOUT_MS: '1500', KPROF_FLUSH_TIMEOUT_MS: '5000' });
    const load = startLoad(svc.url, ['/cpu?ms=5', '/users/1', '/alloc?kib=8'], { concurrency: 2 });
    onTestFinished(() => load.stop().then(() => undefined));

    await expect.poll(() => receiver.pushes.length, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);

    // Down: the port refuses connections. Wait until several intervals have queued up and overflowed.
    await receiver.close();
    const outageStartedS = Math.floor(Date.now() / 1000);
    await expect.poll(async () => (await sdkStats(svc.adminUrl)).exporter?.dropped ?? 0, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const during = await sdkStats(svc.adminUrl);
    expect(during.exporter!.queueLength).toBeLessThanOrEqual(4);

    // Back up, but answering 500, then 429 with Retry-After, then stalling past the request timeout.
    const back = await startProfileReceiver({ port });
    back.setMode({ kind: 'status', status: 500 });
    await expect.poll(() => back.rejected, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    back.setMode({ kind: 'status', status: 429, retryAfter: '1' });
    await expect.poll(() => back.rejected, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(4);
    back.setMode({ kind: 'stall' });
    await expect.poll(() => back.rejected, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(5);
    expect((await sdkStats(svc.adminUrl)).exporter!.queueLength).toBeLessThanOrEqual(4);

    // Recovered: the queued profiles from the outage arrive.
    back.setMode({ kind: 'ok' });
    const recoveredAtS = Math.floor(Date.now() / 1000);
    await expect.poll(() => back.pushes.some((p) => Number(p.query.get('from')) >= outageStartedS && Number(p.query.get('until')) < recoveredAtS),
      { timeout: 30_000, interval: 200 }).toBe(true);

    const served = await load.stop();
    expect(served.failed, served.errors.join('\n')).toBe(0);
    expect(served.ok).toBeGreaterThan(50);

    // stop() on SIGTERM delivers the last (partial) time window before the process exits.
    const beforeStop = back.pushes.length;
    const stopAtS = Date.now() / 1000;
    expect(await svc.proc.stop('SIGTERM')).toBe(0);
    const last = back.pushes.slice(beforeStop).filter(isTime);
    expect(last.length).toBeGreaterThanOrEqual(1);
    expect(Number(last[last.length - 1]!.query.get('until'))).toBeGreaterThanOrEqual(Math.floor(stopAtS));
  });
});
