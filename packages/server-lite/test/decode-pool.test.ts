import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULTS } from '../src/config/defaults.js';
import { type IngestLimits, resolveConfig } from '../src/config/resolve-config.js';
import { type ConvertedIntake, convertIntake as convertOnThisThread } from '../src/ingest/convert-intake.js';
import { hashProfile } from '../src/model/stack-hash.js';
import { DecodePool } from '../src/ingest/decode-pool.js';
import { intakeFromIngest } from '../src/ingest/front-ends/pyroscope-ingest.js';
import { intakeFromPush } from '../src/ingest/front-ends/push-v1/push-series.js';
import type { IntakeTask } from '../src/ingest/intake-request.js';
import { goHeapPprofStacks } from '@kprof/test-support';
import { buildGoBurn, makeTempDir, rawProfile } from './helpers/profiles.js';

const tmp = makeTempDir('kprof-decode-pool-');
let goGz: Buffer;

// A stand-in worker speaking the pool's protocol, to make a worker die or hang on demand:
// body "exit" exits the thread, "throw" throws outside any handler, "hang" never answers, "oom"
// allocates until the worker's heap limit; anything else is answered with a ValidationError
// naming the thread that handled it.
const FAKE_WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (t) => {
  const text = Buffer.from(t.body).toString();
  if (text === 'exit') process.exit(7);
  if (text === 'throw') return void setImmediate(() => { throw new Error('worker blew up'); });
  if (text === 'hang') return;
  if (text === 'oom') { const keep = []; for (;;) keep.push(new Array(1e6).fill(keep.length)); }
  parentPort.postMessage({ id: t.id, error: { code: 'KPROF_INGEST_BAD_NAME', message: 'thread ' + threadId + ': ' + text } });
});
`;
let fakeWorker: string;

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  goGz = gzipSync(rawProfile(await burn('go.pprof', 300)));
  fakeWorker = join(tmp.dir, 'fake-worker.cjs');
  writeFileSync(fakeWorker, FAKE_WORKER);
});
afterAll(() => tmp.cleanup());

// An /ingest request as its front end hands it over. Default query: a folded profile of app.cpu.
function request(body: Buffer | string | (() => Buffer), query: Record<string, string> = FOLDED_QUERY, contentType = 'application/octet-stream'): IntakeTask {
  // A function defers reading fixtures made in beforeAll; a copy, as the pool moves the memory away.
  const buf = Buffer.from(typeof body === 'function' ? body() : body);
  return { ...intakeFromIngest({ query: new URLSearchParams(query), contentType, body: buf, receivedBytes: buf.length }, DEFAULTS.ingest, NOW), nowMs: NOW };
}

// A push.v1 profile as its front end hands it over (a fresh copy of `raw` each time).
function pushed(raw: Uint8Array, labels: Record<string, string>, nowMs: number, previous?: IntakeTask['previous']): IntakeTask {
  return { ...intakeFromPush(new Uint8Array(raw), labels, DEFAULTS.ingest), nowMs, ...(previous !== undefined ? { previous } : {}) };
}

const NOW = 1_795_412_505_000;
const FOLDED_QUERY = { name: 'app.cpu', from: '1795412490', until: '1795412500' };

function pool(opts: Partial<ConstructorParameters<typeof DecodePool>[0]> = {}): DecodePool {
  const p = new DecodePool({ limits: DEFAULTS.ingest, ...opts });
  onTestFinished(() => p.close());
  return p;
}


// A Go heap profile, one stack per entry of `alloc` ([alloc_objects, alloc_space], cumulative).
function heap(alloc: ReadonlyArray<readonly [number, number]>, timeMs: number): Uint8Array {
  return goHeapPprofStacks(alloc.map(([objects, space], i) => ({ leaf: `main.alloc${i}`, values: [objects, space, 1, 100] })), timeMs);
}
const PPROF_QUERY = { name: 'svc{env=test}', format: 'pprof', from: '1795412490', until: '1795412500', spyName: 'gospy' };

// The pipeline on this thread, plus what a worker adds: its names' and stacks' content hashes (the
// worker's come from its name dictionary's cached hashes; these are computed from scratch).
async function convertIntake(task: IntakeTask, limits: Readonly<IngestLimits>): Promise<ConvertedIntake> {
  const converted = await convertOnThisThread(task, limits);
  return { ...converted, profile: { ...converted.profile, hashes: hashProfile(converted.profile) } };
}

describe('DecodePool with the real decode worker', () => {
  it('parses a real Go profile into the same IngestProfile as the main thread does', async () => {
    const p = pool({ workers: 2 });
    const [a, b] = (await Promise.all([p.convert(request(goGz, PPROF_QUERY)), p.convert(request(goGz, PPROF_QUERY))])).map((r) => r.profile);
    const { profile: direct } = await convertIntake(request(goGz, PPROF_QUERY), DEFAULTS.ingest);
    expect(direct.series.length).toBeGreaterThan(0);
    expect(a).toEqual(direct);
    expect(b).toEqual(direct);
    expect(a!.stackLocs).toBeInstanceOf(Int32Array);
  });

  it('keeps names right across profiles on one worker (names cross once per worker)', async () => {
    const p = pool({ workers: 1 });
    const bodies = [goGz, 'x;y 1\nx;main.hotLoop 4\n', goGz, 'main.main;main.coldLoop 2\n'];
    for (const body of bodies) {
      const query = typeof body === 'string' ? FOLDED_QUERY : PPROF_QUERY;
      const got = await p.convert(request(body, query));
      expect(got).toEqual(await convertIntake(request(body, query), DEFAULTS.ingest));
    }
  });

  it('converts a push.v1 profile into the same IngestProfile as the main thread does', async () => {
    const p = pool({ workers: 1 });
    const labels = { __name__: 'process_cpu', service_name: 'checkout', env: 'test' };
    // The profile carries its own time (now); the server clock must not be behind it.
    const now = Date.now();
    const got = await p.convert(pushed(goGz, labels, now));
    const direct = await convertIntake(pushed(goGz, labels, now), DEFAULTS.ingest);
    expect(direct.profile.series.length).toBeGreaterThan(0);
    expect(got).toEqual(direct);
    await expect(p.convert(pushed(new Uint8Array([0x0a, 0xff]), labels, now))).rejects.toMatchObject({ code: 'KPROF_INGEST_BAD_PPROF', status: 422 });
  });

  it('runs the memory server-side delta on a worker: same profile and next baseline as the main thread, the previous baseline left intact', async () => {
    const p = pool({ workers: 1 });
    const labels = { __name__: 'memory', service_name: 'heapy' };
    const t = Date.now() - 60_000;
    const first = heap([[10, 1000], [3, 300]], t);
    const second = heap([[14, 1400], [3, 350]], t + 10_000);
    const nowMs = Date.now();
    const direct1 = await convertIntake(pushed(first, labels, nowMs, null), DEFAULTS.ingest);
    const got1 = await p.convert(pushed(first, labels, nowMs, null));
    expect(got1).toEqual(direct1);
    expect(direct1.baseline!.keys.byteLength).toBe(2 * 20);
    const direct2 = await convertIntake(pushed(second, labels, nowMs, direct1.baseline), DEFAULTS.ingest);
    const got2 = await p.convert(pushed(second, labels, nowMs, direct1.baseline));
    expect(got2).toEqual(direct2);
    // Growth only: 400 bytes on the first stack, 50 on the second.
    const allocSpace = got2.profile.series.find((s) => s.series.name === 'heapy.alloc_space')!;
    expect([...allocSpace.values].sort((a, b) => a - b)).toEqual([50, 400]);
    // The previous baseline was copied to the worker, not moved: a failed push can still put it back.
    expect(direct1.baseline!.values.length).toBe(4);
  });

  it('parses folded text too', async () => {
    const p = pool({ workers: 1 });
    const { profile: got } = await p.convert(request('a;b 3\na;c 2\n'));
    expect([...got.names].sort()).toEqual(['a', 'b', 'c']);
    expect([...got.series[0]!.values]).toEqual([3, 2]);
  });

  it.each([
    ['KPROF_INGEST_BAD_PPROF', 422, 'UnprocessableError', () => request(Buffer.from([0x0a, 0xff, 0xff]), PPROF_QUERY)],
    ['KPROF_INGEST_BAD_GZIP', 422, 'UnprocessableError', () => request(Buffer.from([0x1f, 0x8b, 1, 2, 3]), PPROF_QUERY)],
    ['KPROF_INGEST_TOO_MANY_SAMPLES', 413, 'LimitError', () => request(() => goGz, PPROF_QUERY)],
  ])('answers %s (%i) as the main thread would', async (code, status, name, make) => {
    const limits = { ...DEFAULTS.ingest, maxSamples: 1 };
    const p = pool({ workers: 1, limits });
    const err = await p.convert(make()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, status, name });
    const direct = await convertIntake(make(), limits).catch((e: unknown) => e);
    expect((err as Error).message).toBe((direct as Error).message);
  });
});

describe('DecodePool failures and limits', () => {
  it('a job over ingest.decode-timeout: its spinning worker is terminated and replaced, the request gets 422 KPROF_INGEST_DECODE_TIMEOUT, the pool keeps serving', async () => {
    const warnings: string[] = [];
    const p = pool({ workers: 1, jobTimeoutMs: 1000, testHooks: true, logger: { warn: (_o, msg) => void warnings.push(msg), error: () => undefined } });
    const before = p.threadIds[0];
    const spinning = p.spinForTest().catch((e: unknown) => e);
    // Queued behind the stuck worker: runs on its replacement.
    const queued = p.convert(request('a;b 3\n'));
    const err = await spinning;
    expect(err).toMatchObject({ code: 'KPROF_INGEST_DECODE_TIMEOUT', status: 422 });
    expect((err as Error).message).toContain('ingest.decode-timeout (1000 ms)');
    expect([...(await queued).profile.names].sort()).toEqual(['a', 'b']);
    expect(p.threadIds[0]).not.toBe(before);
    expect(p.liveWorkers).toBe(1);
    expect(warnings[0]).toContain('decode-timeout');
  });

  it('refuses spinForTest without testHooks (no request can reach it)', async () => {
    const p = pool({ workers: 1 });
    await expect(p.spinForTest()).rejects.toThrow(/testHooks/);
  });

  it.each(['exit', 'throw'])('a worker that dies (%s) fails only its request, and a new worker takes over', async (how) => {
    const p = pool({ workers: 1, workerScript: fakeWorker });
    const before = p.threadIds[0];
    const err = await p.convert(request(how)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KPROF_INGEST_WORKER_FAILED', status: 500 });
    const next = await p.convert(request('hello')).catch((e: unknown) => e);
    expect(next).toMatchObject({ code: 'KPROF_INGEST_BAD_NAME', status: 400 });
    expect((next as Error).message).toMatch(/: hello$/);
    expect(p.threadIds[0]).not.toBe(before);
    expect((next as Error).message).toBe(`thread ${p.threadIds[0]}: hello`);
  });

  it('a worker that runs out of its heap limit fails only its request; the process and the pool carry on', async () => {
    const p = pool({ workers: 1, workerScript: fakeWorker, maxWorkerHeapMb: 32 });
    const err = await p.convert(request('oom')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KPROF_INGEST_WORKER_FAILED', status: 500 });
    const next = await p.convert(request('after')).catch((e: unknown) => e);
    expect(next).toMatchObject({ code: 'KPROF_INGEST_BAD_NAME' });
  });

  it('requests queued behind a dying worker still run on its replacement', async () => {
    const p = pool({ workers: 1, workerScript: fakeWorker });
    const results = await Promise.all(['exit', 'one', 'two'].map((b) => p.convert(request(b)).catch((e: unknown) => e)));
    expect(results.map((r) => (r as { code: string }).code)).toEqual(['KPROF_INGEST_WORKER_FAILED', 'KPROF_INGEST_BAD_NAME', 'KPROF_INGEST_BAD_NAME']);
  });

  it('answers 429 when every worker is busy and the queue is full (by count and by bytes)', async () => {
    const p = pool({ workers: 1, maxQueued: 1, maxQueuedBytes: 100, workerScript: fakeWorker });
    const busy = p.convert(request('hang')).catch((e: unknown) => e);
    const queued = p.convert(request('hang')).catch((e: unknown) => e);
    expect(p.queued).toBe(1);
    await expect(p.convert(request('x'))).rejects.toMatchObject({ code: 'KPROF_INGEST_BACKPRESSURE', status: 429 });
    await p.close();
    expect(await busy).toMatchObject({ code: 'KPROF_SHUTTING_DOWN', status: 503 });
    expect(await queued).toMatchObject({ code: 'KPROF_SHUTTING_DOWN', status: 503 });

    const q = pool({ workers: 1, maxQueued: 10, maxQueuedBytes: 100, workerScript: fakeWorker });
    const held = q.convert(request('hang')).catch((e: unknown) => e);
    await expect(q.convert(request('x'.repeat(101)))).rejects.toMatchObject({ code: 'KPROF_INGEST_BACKPRESSURE' });
    await q.close();
    expect(await held).toMatchObject({ code: 'KPROF_SHUTTING_DOWN' });
  });

  it('close terminates the workers and refuses further work', async () => {
    const p = pool({ workers: 2, workerScript: fakeWorker });
    await expect(p.convert(request('hi'))).rejects.toMatchObject({ code: 'KPROF_INGEST_BAD_NAME' });
    expect(p.liveWorkers).toBe(2);
    await p.close();
    expect(p.liveWorkers).toBe(0);
    await expect(p.convert(request('hi'))).rejects.toMatchObject({ code: 'KPROF_SHUTTING_DOWN' });
    await p.close();
  });
});

describe('ingest.decode-workers', () => {
  it('defaults to the cores (1 to 4), is read from the config file, and must be a whole number ≥ 1', () => {
    expect(DEFAULTS.ingest.decodeWorkers).toBeGreaterThanOrEqual(1);
    expect(DEFAULTS.ingest.decodeWorkers).toBeLessThanOrEqual(4);
    const file = (name: string, text: string): string => {
      const path = join(tmp.dir, name);
      writeFileSync(path, text);
      return path;
    };
    expect(resolveConfig({ config: file('w3.yml', 'ingest:\n  decode-workers: 3\n') }, {}, tmp.dir).ingest.decodeWorkers).toBe(3);
    expect(() => resolveConfig({ config: file('w0.yml', 'ingest:\n  decode-workers: 0\n') }, {}, tmp.dir)).toThrow(/decode-workers/);
  });

  it.each([
    ['decode-timeout', '2s', 'decodeTimeoutMs', 2000, 30_000],
    ['push-delta-max-bytes', '64MiB', 'pushDeltaMaxBytes', 64 * 1024 * 1024, 256 * 1024 * 1024],
  ] as const)('ingest.%s is read from the config file (%s) and has a default', (key, text, field, want, def) => {
    expect(DEFAULTS.ingest[field]).toBe(def);
    const path = join(tmp.dir, `${key}.yml`);
    writeFileSync(path, `ingest:\n  ${key}: ${text}\n`);
    expect(resolveConfig({ config: path }, {}, tmp.dir).ingest[field]).toBe(want);
    writeFileSync(path, `ingest:\n  ${key}: nope\n`);
    expect(() => resolveConfig({ config: path }, {}, tmp.dir)).toThrow(new RegExp(`ingest.${key}`));
  });

  it('refuses an ingest.decode-timeout past what a Node timer holds (2^31 - 1 ms): such a timer fires after 1 ms and every parse would time out', () => {
    const path = join(tmp.dir, 'decode-timeout-huge.yml');
    writeFileSync(path, 'ingest:\n  decode-timeout: 600h\n');
    expect(() => resolveConfig({ config: path }, {}, tmp.dir)).toThrow(/ingest\.decode-timeout.*at most/);
    writeFileSync(path, 'ingest:\n  decode-timeout: 596h\n');
    expect(resolveConfig({ config: path }, {}, tmp.dir).ingest.decodeTimeoutMs).toBe(596 * 3_600_000);
    expect(() => new DecodePool({ limits: DEFAULTS.ingest, workers: 1, workerScript: fakeWorker, jobTimeoutMs: 2 ** 31 })).toThrow(/jobTimeoutMs/);
  });

  it('sizes the pool', async () => {
    const p = pool({ workers: 3, workerScript: fakeWorker });
    expect(p.liveWorkers).toBe(3);
    expect(new Set(p.threadIds).size).toBe(3);
  });
});
