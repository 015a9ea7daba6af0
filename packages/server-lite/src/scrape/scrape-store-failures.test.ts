import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir } from '../../test/helpers/profiles.js';
import { heapPprof, startTarget } from '../../test/scrape/pprof-target.js';
import { DEFAULTS } from '../config/defaults.js';
import { foldedToProfile } from '../ingest/folded-to-profile.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { ProfileStore } from '../store/profile-store.js';
import { WriteBatcher } from '../store/write-batcher.js';
import { type ScrapeConfig, parseScrapeConfigs } from '../config/scrape-config.js';
import { staticTargetGroups } from './discovery/static.js';
import { isTransientStoreError } from './store-with-retry.js';
import { ScrapeManager, type ScrapeManagerOptions } from './scrape-manager.js';
import { resolveTargetGroup } from './targets.js';
import { testIntake } from '../../test/helpers/intake.js';

// What a scrape loop does when the real store (SQLite on disk behind the write batcher) does not
// take a scraped profile: one retry for a transient error, otherwise drop, count and show it.

const tmp = makeTempDir('kprof-scrape-store-');
afterAll(() => tmp.cleanup());
let dirs = 0;

function openStore(): ProfileStore {
  const store = ProfileStore.open(`${tmp.dir}/db${dirs++}`);
  onTestFinished(() => store.close());
  return store;
}

function batcherOf(store: ProfileStore, opts: Partial<ConstructorParameters<typeof WriteBatcher>[1]> = {}): WriteBatcher {
  const b = new WriteBatcher(store, { maxProfiles: 64, maxDelayMs: 5, maxPending: 1000, ...opts });
  onTestFinished(() => b.close());
  return b;
}

/** A heap target whose `grow` stack has allocated 1000 × (request number) bytes so far. */
async function growingHeapTarget(): Promise<{ address: string; hits: string[] }> {
  let served = 0;
  return startTarget((_req, res) => {
    served++;
    const body = heapPprof([{ stack: ['grow', 'main'], inuse: 4096, alloc: 1000 * served }]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
}

function scrapeOne(address: string, interval: string, options: Pick<ScrapeManagerOptions, 'intake'> & Partial<ScrapeManagerOptions>): ScrapeManager {
  const { configs, errors } = parseScrapeConfigs(
    [{ 'job-name': 'store', 'scrape-interval': interval, 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'heapy', targets: [address] }] }],
    'scrape-configs',
  );
  expect(errors).toEqual([]);
  const config = configs[0] as ScrapeConfig;
  const manager = new ScrapeManager({ limits: DEFAULTS.ingest, ...options });
  onTestFinished(() => manager.close());
  manager.sync(config, resolveTargetGroup(staticTargetGroups(config.staticConfigs)[0]!, config).active, []);
  return manager;
}

function seriesPoints(store: ProfileStore, name: string): { timeMs: number; total: number }[] {
  const series = store.series().filter((s) => s.name === name);
  return store.points(series, { fromMs: 0, untilMs: Number.MAX_SAFE_INTEGER }, { maxProfiles: 1000, maxListedProfiles: 1000 }).map(({ timeMs, total }) => ({ timeMs, total }));
}

describe('isTransientStoreError', () => {
  it.each([
    ['KPROF_INGEST_BACKPRESSURE', true],
    ['SQLITE_BUSY', true],
    ['SQLITE_BUSY_SNAPSHOT', true],
    ['SQLITE_LOCKED', true],
    ['KPROF_STORE_CLOSED', false],
    ['KPROF_SHUTTING_DOWN', false],
    ['SQLITE_FULL', false],
    ['SQLITE_IOERR_WRITE', false],
    ['KPROF_INGEST_TOO_MANY_SAMPLES', false],
    [undefined, false],
  ])('%s → %s', (code, transient) => {
    expect(isTransientStoreError(Object.assign(new Error('x'), code === undefined ? {} : { code }))).toBe(transient);
  });
});

describe('ScrapeLoop: store failures', () => {
  it('retries once when SQLite is locked by another connection, and stores the profile', async () => {
    const store = openStore();
    const batcher = batcherOf(store);
    // Another connection (say, a backup) holds the write lock: the store's write waits out its
    // busy timeout and fails with SQLITE_BUSY. The lock is released when the loop says it retries.
    // The blocks of the windows around now exist (another app wrote to them), so there are files to lock.
    const other = (t: number): IngestProfile =>
      foldedToProfile('main;other 1\n', { app: 'other', labels: {} }, { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' }, { startMs: t, endMs: t + 1, receivedBytes: 1 }, { maxSamples: 10, maxStackDepth: 10 });
    store.writeBatch([other(Date.now() - 60_000), other(Date.now() + 60_000)]);
    const lockers = store.blocks.map((b) => new Database(b.path));
    onTestFinished(() => {
      for (const l of lockers) l.close();
    });
    for (const l of lockers) l.exec('BEGIN IMMEDIATE');
    const locker = { get inTransaction(): boolean {
      return lockers.some((l) => l.inTransaction);
    }, exec: (sql: string): void => {
      for (const l of lockers) if (l.inTransaction) l.exec(sql);
    } };
    const events: string[] = [];
    const results: string[] = [];
    const target = await growingHeapTarget();
    const manager = scrapeOne(target.address, '1s', {
      intake: testIntake(batcher),
      observer: {
        storeFailed: (_job, code, action) => {
          events.push(`${code} ${action}`);
          if (locker.inTransaction) locker.exec('COMMIT');
        },
        scraped: (_job, result) => results.push(result),
      },
    });
    await expect.poll(() => seriesPoints(store, 'heapy.inuse_space').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => results.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(events).toEqual(['SQLITE_BUSY retry']);
    expect(results[0]).toBe('success');
    const status = manager.snapshot().active[0]!.status;
    expect(status).toMatchObject({ health: 'up', lastError: '', droppedProfiles: 0 });
    // The first scrape's profile is the one stored (its in-use heap; its alloc is the baseline).
    expect(seriesPoints(store, 'heapy.inuse_space')[0]!.total).toBe(4096);
  }, 60_000);

  it('drops a profile the store refuses for good (closed), shows it on the target, keeps the target up, and stores the growth of the lost interval with the next scrape', async () => {
    const store = openStore();
    const open = batcherOf(store);
    const closedStore = openStore();
    closedStore.close();
    const closed = batcherOf(closedStore);
    let refuse = false;
    let clock = 0;
    const starts: number[] = [];
    const events: string[] = [];
    const target = await growingHeapTarget();
    const manager = scrapeOne(target.address, '200ms', {
      // Scrapes after the first go to a store whose database is closed (KPROF_STORE_CLOSED) until
      // the test has looked at the target; then to the open one again.
      intake: testIntake({ writeAll: (ps) => (refuse ? closed : open).writeAll(ps) }),
      now: () => (clock = Date.now()),
      observer: {
        started: () => {
          starts.push(clock);
          if (starts.length === 2) refuse = true;
        },
        storeFailed: (_job, code, action) => events.push(`${code} ${action}`),
      },
    });
    await expect.poll(() => manager.snapshot().active[0]!.status.droppedProfiles, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const refused = manager.snapshot().active[0]!.status;
    expect(refused).toMatchObject({ health: 'up', lastErrorCode: 'KPROF_STORE_CLOSED', consecutiveFailures: 0 });
    expect(refused.lastError).toBe('scraped, but storing the profile failed: the store is closed (server shutting down)');
    // A lasting error is not retried.
    expect(new Set(events)).toEqual(new Set(['KPROF_STORE_CLOSED drop']));
    expect(seriesPoints(store, 'heapy.inuse_space')).toHaveLength(1);

    refuse = false;
    await expect.poll(() => seriesPoints(store, 'heapy.alloc_space').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const stored = manager.snapshot().active[0]!.status;
    const dropped = stored.droppedProfiles;
    expect(dropped).toBe(events.length);
    expect(stored.lastError).toBe('');
    // Request 1 was the baseline (1000 bytes allocated); requests 2 … dropped+1 were lost; the
    // next stored profile carries all the growth since request 1, over a window from its start.
    const [alloc] = seriesPoints(store, 'heapy.alloc_space');
    expect(alloc).toEqual({ timeMs: starts[0], total: 1000 * (dropped + 2) - 1000 });
  });

  it('retries once when the write queue is full, then drops the profile and says so', async () => {
    const store = openStore();
    // One profile may wait, for a minute: while the filler waits, every other write gets 429.
    const batcher = batcherOf(store, { maxPending: 1, maxDelayMs: 60_000 });
    const events: string[] = [];
    const target = await growingHeapTarget();
    // What a concurrent push of another app would queue.
    const filler = foldedToProfile('main;push 1\n', { app: 'pushed', labels: {} }, { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' }, { startMs: Date.now(), endMs: Date.now() + 10_000, receivedBytes: 12 }, { maxSamples: 10, maxStackDepth: 10 });
    let fillerWrite: Promise<void> | undefined;
    const manager = scrapeOne(target.address, '1s', {
      intake: testIntake(batcher),
      observer: {
        // Before the first request goes out, the queue fills up.
        started: () => {
          fillerWrite ??= batcher.write(filler);
        },
        storeFailed: (_job, code, action) => events.push(`${code} ${action}`),
      },
    });
    await expect.poll(() => manager.snapshot().active[0]!.status.droppedProfiles, { timeout: 15_000 }).toBe(1);
    expect(events).toEqual(['KPROF_INGEST_BACKPRESSURE retry', 'KPROF_INGEST_BACKPRESSURE drop']);
    const status = manager.snapshot().active[0]!.status;
    expect(status).toMatchObject({ health: 'up', lastErrorCode: 'KPROF_INGEST_BACKPRESSURE' });
    expect(status.lastError).toMatch(/^scraped, but storing the profile failed \(retried once\): 1 profiles are waiting to be written/);
    batcher.close();
    await fillerWrite;
  });
});

