import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULTS } from '../config/defaults.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { closedPort, heapPprof, startTarget } from '../../test/scrape/pprof-target.js';
import { recordingPullMode } from '../../test/scrape/recording-pull-mode.js';
import { type ScrapeConfig, parseScrapeConfigs } from '../config/scrape-config.js';
import { staticTargetGroups } from './discovery/static.js';
import { type PullMode, startPullMode } from './pull-mode.js';
import { ScrapeManager } from './scrape-manager.js';
import { resolveTargetGroup } from './targets.js';
import { testIntake } from '../../test/helpers/intake.js';

function configs(raw: unknown[]): ScrapeConfig[] {
  const { configs: out, errors } = parseScrapeConfigs(raw, 'scrape-configs');
  expect(errors).toEqual([]);
  return out;
}

function pull(raw: unknown[], extra: { maxConcurrentScrapes?: number; maxBackoffMs?: number } = {}): { pm: PullMode; written: IngestProfile[] } {
  return recordingPullMode(configs(raw), extra);
}

/** Sum of one series' values per stack (root-first, `;`-joined). */
function stacksOf(p: IngestProfile, seriesName: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of p.series) {
    if (s.series.name !== seriesName) continue;
    s.sampleIndices.forEach((si, i) => {
      const frames: string[] = [];
      // Stacks are leaf-first locations; each location's frames are root first.
      for (let j = p.stackStart[si + 1]! - 1; j >= p.stackStart[si]!; j--) {
        const loc = p.stackLocs[j]!;
        for (let f = p.frameStart[loc]!; f < p.frameStart[loc + 1]!; f++) frames.push(p.names[p.frameNames[f]!]!);
      }
      const key = frames.join(';');
      out.set(key, (out.get(key) ?? 0) + (s.values[i] ?? 0));
    });
  }
  return out;
}

const seriesNames = (p: IngestProfile): string[] => p.series.map((s) => s.series.name).sort();

describe('ScrapeManager: cumulative deltas', () => {
  it('stores in-use heap every scrape, alloc_* only as growth after the first (baseline) scrape, nothing negative after a reset', async () => {
    // alloc grows 1000 → 1600 → (restart) 300; in-use is a snapshot.
    const rounds = [
      [{ stack: ['grow', 'main'], inuse: 4096, alloc: 1000 }, { stack: ['steady', 'main'], inuse: 2048, alloc: 500 }],
      [{ stack: ['grow', 'main'], inuse: 8192, alloc: 1600 }, { stack: ['steady', 'main'], inuse: 2048, alloc: 500 }],
      [{ stack: ['grow', 'main'], inuse: 1024, alloc: 300 }, { stack: ['steady', 'main'], inuse: 512, alloc: 500 }],
    ];
    let served = 0;
    const target = await startTarget((_req, res) => {
      const body = heapPprof(rounds[Math.min(served++, rounds.length - 1)]!);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    const { pm, written } = pull([
      { 'job-name': 'heap', 'scrape-interval': '200ms', 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'heapy', targets: [target.address], labels: { env: 'test' } }] },
    ]);
    await expect.poll(() => written.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);

    const [first, second, third] = written as [IngestProfile, IngestProfile, IngestProfile];
    expect(seriesNames(first)).toEqual(['heapy.inuse_objects', 'heapy.inuse_space']);
    expect(stacksOf(first, 'heapy.inuse_space')).toEqual(new Map([['main;grow', 4096], ['main;steady', 2048]]));
    expect(first.series[0]!.series.labels).toEqual({ env: 'test', instance: target.address, job: 'heap' });
    expect(first.series.find((s) => s.series.name === 'heapy.inuse_space')!.series.meta).toMatchObject({ units: 'bytes', aggregation: 'average', spyName: 'scrape' });

    expect(seriesNames(second)).toEqual(['heapy.alloc_objects', 'heapy.alloc_space', 'heapy.inuse_objects', 'heapy.inuse_space']);
    // Only `grow` allocated since the baseline; `steady` did not, so it has no alloc sample.
    expect(stacksOf(second, 'heapy.alloc_space')).toEqual(new Map([['main;grow', 600]]));
    expect(stacksOf(second, 'heapy.inuse_space')).toEqual(new Map([['main;grow', 8192], ['main;steady', 2048]]));
    // The snapshot window is the interval before the scrape; the delta window runs from the previous scrape.
    expect(second.startMs).toBeGreaterThanOrEqual(first.endMs);

    // A shrinking counter means the process restarted: no negative growth is stored (as OG).
    expect(seriesNames(third)).toEqual(['heapy.inuse_objects', 'heapy.inuse_space']);
    expect(stacksOf(third, 'heapy.inuse_space')).toEqual(new Map([['main;grow', 1024], ['main;steady', 512]]));
  });
});

describe('ScrapeManager: response checks', () => {
  it('marks each bad answer down with a typed error: status, content type, not pprof, too big, timeout, refused', async () => {
    const big = randomBytes(300 * 1024);
    const pending: (() => void)[] = [];
    const target = await startTarget((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found\n');
      } else if (path === '/html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>login</body></html>');
      } else if (path === '/garbage') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from('this is not a protobuf message at all \xff\xff\xff\xff'));
      } else if (path === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(big);
      } else if (path === '/slow') {
        pending.push(() => res.destroy());
      } else {
        const body = heapPprof([{ stack: ['ok'], inuse: 1, alloc: 1 }]);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      }
    });
    onTestFinished(() => pending.forEach((f) => f()));
    const refused = await closedPort();
    const profiles = Object.fromEntries(['missing', 'html', 'garbage', 'big', 'slow', 'good'].map((n) => [n, { path: `/${n}` }]));
    const { pm } = pull([
      {
        'job-name': 'checks',
        'scrape-interval': '1s',
        'scrape-timeout': '300ms',
        'body-size-limit': '100KiB',
        'enabled-profiles': Object.keys(profiles),
        profiles,
        'static-configs': [{ application: 'checked', targets: [target.address] }],
      },
      { 'job-name': 'refused', 'scrape-interval': '1s', 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'gone', targets: [`127.0.0.1:${refused}`] }] },
    ]);
    const byPath = (): Record<string, { health: string; code: string | undefined; error: string }> =>
      Object.fromEntries(
        pm.manager.snapshot().active.map(({ target: t, status }) => [t.job === 'refused' ? 'refused' : t.profileName, { health: status.health, code: status.lastErrorCode, error: status.lastError }]),
      );
    await expect.poll(() => Object.values(byPath()).every((s) => s.health !== 'unknown'), { timeout: 15_000 }).toBe(true);
    const s = byPath();
    expect(s.good).toMatchObject({ health: 'up', code: undefined, error: '' });
    expect(s.missing).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_HTTP_STATUS' });
    expect(s.missing!.error).toContain('HTTP 404: 404 page not found');
    expect(s.html).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_BAD_CONTENT_TYPE' });
    expect(s.html!.error).toContain('text/html');
    expect(s.garbage).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_NOT_PPROF' });
    expect(s.big).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_TOO_LARGE' });
    expect(s.big!.error).toContain('body-size-limit (102400 bytes)');
    expect(s.slow).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_TIMEOUT' });
    expect(s.slow!.error).toContain('scrape-timeout (300 ms)');
    expect(s.refused).toMatchObject({ health: 'down', code: 'KPROF_SCRAPE_CONNECT' });
    expect(s.refused!.error).toContain('ECONNREFUSED');
  });
});

describe('ScrapeManager: missed slots', () => {
  it('counts a slot missed when the previous scrape still runs (overlap) or no permit comes within 10 % of the interval (concurrency)', async () => {
    const body = heapPprof([{ stack: ['slow'], inuse: 1, alloc: 1 }]);
    const target = await startTarget((_req, res) => {
      // Slower than the 200 ms interval.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      }, 350);
    });
    const missed: string[] = [];
    const scraped: string[] = [];
    const [config] = configs([
      {
        'job-name': 'slow',
        'scrape-interval': '200ms',
        'scrape-timeout': '2s',
        'enabled-profiles': ['mem'],
        // 5 targets (distinct labels) share one permit.
        'static-configs': [0, 1, 2, 3, 4].map((i) => ({ application: 'slow', targets: [target.address], labels: { replica: String(i) } })),
      },
    ]) as [ScrapeConfig];
    const manager = new ScrapeManager({
      intake: testIntake(),
      limits: DEFAULTS.ingest,
      maxConcurrentScrapes: 1,
      observer: { missed: (_job, reason) => missed.push(reason), scraped: (_job, result) => scraped.push(result) },
    });
    onTestFinished(() => manager.close());
    const active = staticTargetGroups(config.staticConfigs).flatMap((g) => resolveTargetGroup(g, config).active);
    expect(active).toHaveLength(5);
    manager.sync(config, active, []);
    await expect.poll(() => new Set(missed), { timeout: 10_000 }).toEqual(new Set(['overlap', 'concurrency']));
    await expect.poll(() => scraped.length).toBeGreaterThan(0);
    expect(new Set(scraped)).toEqual(new Set(['success']));
    expect(manager.loopStats().inUse).toBeLessThanOrEqual(1);
  });
});

describe('ScrapeManager: slot timing', () => {
  it('serves each slot once when the wall clock runs slow against the timers', async () => {
    const body = heapPprof([{ stack: ['t'], inuse: 1, alloc: 1 }]);
    const target = await startTarget((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(body);
      }, 20);
    });
    const missed: string[] = [];
    let scraped = 0;
    let drift = 0;
    const [config] = configs([
      { 'job-name': 'skew', 'scrape-interval': '300ms', 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'skew', targets: [target.address] }] },
    ]) as [ScrapeConfig];
    const manager = new ScrapeManager({
      intake: testIntake(),
      limits: DEFAULTS.ingest,
      // A wall clock that runs slow against the timers' monotonic clock (3 ms per reading): when a
      // timer fires for its slot, the wall clock has not reached the slot yet.
      now: () => Date.now() - (drift += 3),
      observer: { missed: (_job, reason) => missed.push(reason), scraped: () => scraped++ },
    });
    onTestFinished(() => manager.close());
    manager.sync(config, resolveTargetGroup(staticTargetGroups(config.staticConfigs)[0]!, config).active, []);
    await expect.poll(() => scraped, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(missed).toEqual([]);
    expect(target.hits.length).toBeLessThanOrEqual(scraped + 1);
  });
});

describe('ScrapeManager: failing targets', () => {
  it('backs off exponentially: after n failures it skips 2^(n-1)-1 slots', async () => {
    const times: number[] = [];
    const target = await startTarget((_req, res) => {
      times.push(Date.now());
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const { pm } = pull([{ 'job-name': 'flaky', 'scrape-interval': '100ms', 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'flaky', targets: [target.address] }] }]);
    await expect.poll(() => times.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    const status = pm.manager.snapshot().active[0]!.status;
    expect(status).toMatchObject({ health: 'down', lastErrorCode: 'KPROF_SCRAPE_HTTP_STATUS' });
    expect(status.consecutiveFailures).toBeGreaterThanOrEqual(4);
    // Slots are 100 ms apart. Tries 2..5 come 1, 2, 4 and 8 slots after the one before: 15 slots
    // from the 1st to the 5th, against 4 without backoff. A busy machine only delays them more.
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('stops the loop of a removed target (no timer left) and keeps the others', async () => {
    const target = await startTarget((_req, res) => {
      const body = heapPprof([{ stack: ['a'], inuse: 1, alloc: 1 }]);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(body);
    });
    const [config] = configs([
      { 'job-name': 'dyn', 'scrape-interval': '100ms', 'enabled-profiles': ['mem', 'goroutines'], 'static-configs': [{ application: 'dyn', targets: [target.address] }] },
    ]) as [ScrapeConfig];
    const resolved = resolveTargetGroup(staticTargetGroups(config.staticConfigs)[0]!, config);
    expect(resolved.active).toHaveLength(2);
    const manager = new ScrapeManager({ intake: testIntake(), limits: DEFAULTS.ingest });
    onTestFinished(() => manager.close());
    manager.sync(config, resolved.active, []);
    expect(manager.loopStats()).toMatchObject({ loops: 2, scheduled: 2 });
    await expect.poll(() => target.hits.filter((h) => h.startsWith('/debug/pprof/goroutine')).length).toBeGreaterThanOrEqual(1);

    manager.sync(config, resolved.active.filter((t) => t.profileName === 'mem'), [{ job: 'dyn', discoveredLabels: { __address__: 'x' }, reason: 'dropped by relabeling' }]);
    expect(manager.loopStats()).toMatchObject({ loops: 1, scheduled: 1 });
    await expect.poll(() => manager.loopStats().stopping).toBe(0);
    expect(manager.snapshot().active.map((a) => a.target.profileName)).toEqual(['mem']);
    expect(manager.snapshot().dropped).toEqual([{ job: 'dyn', discoveredLabels: { __address__: 'x' }, reason: 'dropped by relabeling' }]);
    const goroutineHits = target.hits.filter((h) => h.startsWith('/debug/pprof/goroutine')).length;
    const memHits = target.hits.filter((h) => h.startsWith('/debug/pprof/heap')).length;
    await expect.poll(() => target.hits.filter((h) => h.startsWith('/debug/pprof/heap')).length).toBeGreaterThan(memHits + 2);
    expect(target.hits.filter((h) => h.startsWith('/debug/pprof/goroutine')).length).toBe(goroutineHits);

    await manager.close();
    expect(manager.loopStats()).toMatchObject({ loops: 0, scheduled: 0, stopping: 0, inUse: 0 });
  });

  it('holds 1,000 dead targets with one timer each, no sockets left open, and frees everything on close', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const baseTimers = timers();
    const baseSockets = sockets();
    const port = await closedPort();
    // 1,000 loopback addresses (127.0.x.y), all refusing connections.
    const targets = Array.from({ length: 1000 }, (_, i) => `127.0.${Math.floor(i / 250)}.${(i % 250) + 1}:${port}`);
    const { pm } = pull([{ 'job-name': 'dead', 'scrape-interval': '200ms', 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'dead', targets }] }], {
      maxBackoffMs: 1_000,
    });
    expect(pm.manager.loopStats()).toMatchObject({ loops: 1000, scheduled: 1000 });
    await expect.poll(() => pm.manager.snapshot().active.filter((a) => a.status.consecutiveFailures >= 2).length, { timeout: 90_000, interval: 250 }).toBe(1000);
    // A real collection before each reading, so garbage not yet collected is not counted as growth.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await expect.poll(() => pm.manager.snapshot().active.filter((a) => a.status.consecutiveFailures >= 4).length, { timeout: 90_000, interval: 250 }).toBe(1000);
    const stats = pm.manager.loopStats();
    expect(stats.loops).toBe(1000);
    expect(stats.scheduled).toBeLessThanOrEqual(1000);
    // One timer per loop at most (plus a few of vitest's own), however many times each failed.
    expect(timers() - baseTimers).toBeLessThanOrEqual(1000 + 20);
    expect(pm.manager.healthCounts()).toEqual({ up: 0, down: 1000, unknown: 0 });
    // Failed scrapes do not pile up: two more failures of 1,000 targets keep < 8 MiB (8 KiB per target; measured ~0.8 MiB).
    gc();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
    await pm.close();
    expect(pm.manager.loopStats()).toMatchObject({ loops: 0, scheduled: 0, inUse: 0, waiting: 0 });
    await expect.poll(() => timers() - baseTimers).toBeLessThanOrEqual(5);
    await expect.poll(() => sockets()).toBeLessThanOrEqual(baseSockets);
  }, 240_000);
});
