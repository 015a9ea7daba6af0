import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Logger } from '../logger.js';
import { PushExporter, type UploadProfile } from './push-exporter.js';
import type { PushExporterOptions } from './exporter-options.js';

// ---------- real pprof data ----------

/** A gzipped time profile whose single sample sits in a function named `marker`, so each upload is recognisable. */
function makeTimeProfile(marker: string, opts: { startMs?: number; padBytes?: number } = {}): UploadProfile {
  const strings = new StringTable();
  const fn = new PprofFunction({ id: 1, name: strings.dedup(marker), filename: strings.dedup('/app/src/work.ts') });
  const location = new Location({ id: 1, line: [new Line({ functionId: 1, line: 42 })] });
  const profile = new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') }),
    ],
    periodType: new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') }),
    period: 10_000_000,
    sample: [new Sample({ locationId: [1], value: [3, 30_000_000] })],
    location: [location],
    function: [fn],
    // Incompressible padding (random comment strings) lets byte-cap tests control the upload size.
    comment: opts.padBytes ? [strings.dedup(randomText(opts.padBytes))] : [],
    stringTable: strings,
  });
  const startMs = opts.startMs ?? Date.now() - 15_000;
  return { kind: 'time', body: gzipSync(profile.encode()), startMs, endMs: startMs + 15_000, sampleRateHz: 100 };
}

function randomText(bytes: number): string {
  let text = '';
  while (text.length < bytes) text += Math.random().toString(36).slice(2);
  return text.slice(0, bytes);
}

/** The marker function name of a received body (gunzip + pprof-format decode, as a server would). */
function markerOf(body: Buffer): string {
  const profile = Profile.decode(gunzipSync(body));
  const fn = profile.function[0];
  if (!fn) throw new Error('received profile has no function');
  return profile.stringTable.strings[Number(fn.name)] ?? '';
}

// ---------- a scriptable /ingest receiver on 127.0.0.1 ----------

interface Received {
  atMs: number;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Which TCP connection carried it (1-based), to prove keep-alive reuse. */
  connection: number;
  /** Set when the client gave up on the request before it was answered. */
  abandoned: boolean;
}

type Responder = (received: Received, res: ServerResponse) => void;

interface Receiver {
  url: string;
  port: number;
  received: Received[];
  connections: number;
  respond: Responder;
  close(): Promise<void>;
}

const answerOk: Responder = (_r, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
const answerStatus =
  (status: number, headers: Record<string, string> = {}): Responder =>
  (_r, res) =>
    void res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`test receiver says ${status}\n`);
/** Holds the request for 10 s, as a stalled server would (cleaned up at test end). */
const stallTimers = new Set<NodeJS.Timeout>();
const answerAfterStall: Responder = (_r, res) => {
  const timer = setTimeout(() => res.writeHead(200).end(), 10_000);
  stallTimers.add(timer);
  res.on('close', () => clearTimeout(timer));
};

async function startReceiver(port = 0): Promise<Receiver> {
  let connections = 0;
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    connections: 0,
    respond: answerOk,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const atMs = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    const connection = (req.socket as { kprofConnection?: number }).kprofConnection ?? 0;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = {
        atMs,
        url: new URL(req.url ?? '/', 'http://receiver'),
        headers: req.headers,
        body: Buffer.concat(chunks),
        connection,
        abandoned: false,
      };
      res.on('close', () => {
        if (!res.writableFinished) received.abandoned = true;
      });
      receiver.received.push(received);
      receiver.respond(received, res);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    receiver.connections = connections;
    (socket as { kprofConnection?: number }).kprofConnection = connections;
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  receiver.port = actual;
  receiver.url = `http://127.0.0.1:${actual}`;
  receiver.close = async () => {
    for (const timer of stallTimers) clearTimeout(timer);
    stallTimers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(() => receiver.close());
  return receiver;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------- logger that keeps what it was told ----------

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void =>
      void entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function makeExporter(receiverUrl: string, overrides: Partial<PushExporterOptions> = {}) {
  const logger = recordingLogger();
  const exporter = new PushExporter({
    serverAddress: receiverUrl,
    appName: 'checkout',
    tags: { region: 'eu-west-1', env: 'test' },
    requestTimeoutMs: 5_000,
    maxQueueSize: 32,
    maxRetries: 5,
    retryBaseMs: 10,
    retryMaxMs: 50,
    logger,
    ...overrides,
  });
  onTestFinished(() => exporter.close({ timeoutMs: 1_000 }));
  return { exporter, logger };
}

/** Every enqueued profile is in exactly one place. */
function expectAccounted(exporter: PushExporter): void {
  const s = exporter.stats();
  expect(s.sent + s.failed + s.dropped + s.queueLength + s.inFlight).toBe(s.enqueued);
}

// ---------- tests ----------

describe('PushExporter against a healthy receiver', () => {
  it('posts the gzipped pprof with the Pyroscope query string and auth headers', async () => {
    const receiver = await startReceiver();
    const { exporter } = makeExporter(`${receiver.url}/`, { authToken: 's3cret-token', tenantId: 'team-a' });
    const profile = makeTimeProfile('burnCpu', { startMs: 1_795_412_490_999 });

    exporter.enqueue(profile);
    await exporter.flush({ timeoutMs: 10_000 });

    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got?.url.pathname).toBe('/ingest');
    expect(got?.url.search).toBe(
      '?format=pprof&from=1795412490&name=checkout%7Benv%3Dtest%2Cregion%3Deu-west-1%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    );
    expect(got?.headers['content-type']).toBe('application/octet-stream');
    expect(got?.headers['authorization']).toBe('Bearer s3cret-token');
    expect(got?.headers['x-scope-orgid']).toBe('team-a');
    expect(got?.headers['content-encoding']).toBeUndefined();
    expect(Buffer.compare(got?.body ?? Buffer.alloc(0), Buffer.from(profile.body))).toBe(0);
    const decoded = Profile.decode(gunzipSync(got?.body ?? Buffer.alloc(0)));
    expect(markerOf(got?.body ?? Buffer.alloc(0))).toBe('burnCpu');
    expect(decoded.sample[0]?.value.map(Number)).toEqual([3, 30_000_000]);
    expect(exporter.stats()).toMatchObject({ enqueued: 1, sent: 1, failed: 0, dropped: 0, retries: 0, bytesSent: profile.body.byteLength });
    expect(exporter.stats().lastSuccessAtMs).toBeTypeOf('number');
  });

  it('sends basic auth when there is no token, and no sampleRate for heap profiles', async () => {
    const receiver = await startReceiver();
    const { exporter } = makeExporter(receiver.url, { basicAuth: { user: 'grafana', password: 'pä:ss' } });
    exporter.enqueue({ ...makeTimeProfile('heapSite'), kind: 'heap' });
    await exporter.flush({ timeoutMs: 10_000 });
    const [got] = receiver.received;
    expect(got?.headers['authorization']).toBe(`Basic ${Buffer.from('grafana:pä:ss').toString('base64')}`);
    expect(got?.headers['x-scope-orgid']).toBeUndefined();
    expect(got?.url.searchParams.has('sampleRate')).toBe(false);
  });

  it('keeps the path prefix of serverAddress', async () => {
    const receiver = await startReceiver();
    const { exporter } = makeExporter(`${receiver.url}/pyroscope/`);
    exporter.enqueue(makeTimeProfile('prefixed'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => r.url.pathname)).toEqual(['/pyroscope/ingest']);
  });

  it('delivers in order over one reused connection (response bodies are consumed)', async () => {
    const receiver = await startReceiver();
    const { exporter } = makeExporter(receiver.url);
    for (const marker of ['a', 'b', 'c', 'd']) exporter.enqueue(makeTimeProfile(marker));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['a', 'b', 'c', 'd']);
    expect(receiver.received.map((r) => r.connection)).toEqual([1, 1, 1, 1]);
    expect(receiver.connections).toBe(1);
    expectAccounted(exporter);
  });

  it('close delivers what is queued; enqueue after close is a counted no-op', async () => {
    const receiver = await startReceiver();
    const { exporter } = makeExporter(receiver.url);
    exporter.enqueue(makeTimeProfile('first'));
    exporter.enqueue(makeTimeProfile('last'));
    await exporter.close({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['first', 'last']);

    exporter.enqueue(makeTimeProfile('after-close'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ enqueued: 3, sent: 2, dropped: 1, queueLength: 0 });
    expectAccounted(exporter);
  });
});

describe('PushExporter when the receiver fails', () => {
  it('retries a 500 and delivers the same profile on the next 200', async () => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) => (receiver.received.length === 1 ? answerStatus(500)(r, res) : answerOk(r, res));
    const { exporter, logger } = makeExporter(receiver.url);
    exporter.enqueue(makeTimeProfile('flaky'));
    await exporter.flush({ timeoutMs: 10_000 });

    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['flaky', 'flaky']);
    expect(exporter.stats()).toMatchObject({ sent: 1, failed: 0, retries: 1 });
    expect(exporter.stats().lastError).toBe('HTTP 500: test receiver says 500');
    expect(logger.entries.find((e) => e.msg === 'push failed, retrying')?.level).toBe('warn');
    expect(logger.entries.find((e) => e.msg === 'push recovered')?.level).toBe('info');
  });

  it('honours Retry-After: 1 on a 429 (measured at the receiver)', async () => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) =>
      receiver.received.length === 1 ? answerStatus(429, { 'retry-after': '1' })(r, res) : answerOk(r, res);
    const { exporter } = makeExporter(receiver.url, { retryBaseMs: 1, retryMaxMs: 5_000 });
    exporter.enqueue(makeTimeProfile('throttled'));
    await exporter.flush({ timeoutMs: 10_000 });

    const [first, second] = receiver.received;
    expect(second).toBeDefined();
    // libuv timers have 1 ms resolution against a cached loop clock, so allow that rounding and no more.
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(998);
    expect(exporter.stats()).toMatchObject({ sent: 1, retries: 1 });
  });

  it('honours Retry-After as an HTTP date', async () => {
    const receiver = await startReceiver();
    let retryAt = 0;
    receiver.respond = (r, res) => {
      if (receiver.received.length > 1) return answerOk(r, res);
      // HTTP dates have whole seconds: the next full second at least 1 s away.
      retryAt = Math.ceil((Date.now() + 1_000) / 1_000) * 1_000;
      answerStatus(503, { 'retry-after': new Date(retryAt).toUTCString() })(r, res);
    };
    const { exporter } = makeExporter(receiver.url, { retryBaseMs: 1, retryMaxMs: 5_000 });
    exporter.enqueue(makeTimeProfile('dated'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received[1]?.atMs ?? 0).toBeGreaterThanOrEqual(retryAt - 2);
  });

  it('does not retry a 400 and counts it failed, logging the status once', async () => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) => (markerOf(r.body).startsWith('bad') ? answerStatus(400)(r, res) : answerOk(r, res));
    const { exporter, logger } = makeExporter(receiver.url);
    exporter.enqueue(makeTimeProfile('bad-1'));
    exporter.enqueue(makeTimeProfile('bad-2'));
    exporter.enqueue(makeTimeProfile('good'));
    await exporter.flush({ timeoutMs: 10_000 });

    // One-at-a-time FIFO: a retry of a 400 would have come before 'good'.
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['bad-1', 'bad-2', 'good']);
    expect(exporter.stats()).toMatchObject({ sent: 1, failed: 2, retries: 0 });
    expect(exporter.stats().lastError).toBe('HTTP 400: test receiver says 400');
    const refusals = logger.entries.filter((e) => e.msg === 'server refused profile, not retrying');
    expect(refusals.map((e) => e.level)).toEqual(['error', 'debug']);
    expectAccounted(exporter);
  });

  it('gives up after maxRetries and counts the profile failed', async () => {
    const receiver = await startReceiver();
    receiver.respond = answerStatus(503);
    const { exporter, logger } = makeExporter(receiver.url, { maxRetries: 2 });
    exporter.enqueue(makeTimeProfile('doomed'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received).toHaveLength(3);
    expect(exporter.stats()).toMatchObject({ sent: 0, failed: 1, retries: 2, lastError: 'HTTP 503: test receiver says 503' });
    expect(logger.entries.some((e) => e.level === 'error' && e.msg === 'profile lost after retries')).toBe(true);
  });

  it('queues while the receiver is down and delivers everything once it is up', async () => {
    const port = await closedPort();
    const { exporter, logger } = makeExporter(`http://127.0.0.1:${port}`, { maxRetries: 1_000 });
    exporter.enqueue(makeTimeProfile('while-down-1'));
    exporter.enqueue(makeTimeProfile('while-down-2'));
    await expect.poll(() => exporter.stats().retries).toBeGreaterThanOrEqual(3);
    expect(exporter.stats()).toMatchObject({ sent: 0, failed: 0, queueLength: 1, inFlight: 1 });
    expect(exporter.stats().lastError).toBe('network error ECONNREFUSED');

    const receiver = await startReceiver(port);
    exporter.enqueue(makeTimeProfile('after-up'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['while-down-1', 'while-down-2', 'after-up']);
    expect(exporter.stats()).toMatchObject({ sent: 3, failed: 0, dropped: 0 });
    expect(logger.entries.filter((e) => e.level === 'warn' && e.msg === 'push failed, retrying')).toHaveLength(1);
  });

  it('times out a stalled request, retries it, and never blocks enqueue', async () => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) => (receiver.received.length === 1 ? answerAfterStall(r, res) : answerOk(r, res));
    const { exporter } = makeExporter(receiver.url, { requestTimeoutMs: 300 });
    exporter.enqueue(makeTimeProfile('stalled'));
    await expect.poll(() => receiver.received.length).toBe(1);

    // The request is held by the server right now; enqueue must still return at once and queue.
    for (const marker of ['x', 'y', 'z']) expect(exporter.enqueue(makeTimeProfile(marker))).toBeUndefined();
    expect(exporter.stats()).toMatchObject({ queueLength: 3, inFlight: 1, sent: 0 });
    expect(receiver.received[0]?.abandoned).toBe(false);

    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received[0]?.abandoned).toBe(true);
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['stalled', 'stalled', 'x', 'y', 'z']);
    expect(exporter.stats()).toMatchObject({ sent: 4, retries: 1, failed: 0 });
    expect(exporter.stats().lastError).toBe('request timed out (requestTimeoutMs)');
  });
});

describe('PushExporter when a reply stalls mid-body', () => {
  it.each([
    { name: 'error reply: retried', status: 503, attempts: 2, retries: 1 },
    { name: 'success reply: the profile counts as sent', status: 200, attempts: 1, retries: 0 },
  ])('$name', async ({ status, attempts, retries }) => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) => {
      if (receiver.received.length > 1) return answerOk(r, res);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.write('first bytes of a reply that never ends');
    };
    const { exporter } = makeExporter(receiver.url, { requestTimeoutMs: 300 });
    exporter.enqueue(makeTimeProfile('slow-body'));
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received).toHaveLength(attempts);
    expect(exporter.stats()).toMatchObject({ sent: 1, failed: 0, retries });
  });
});

describe('PushExporter bounds', () => {
  it('drops the oldest when the queue is full and never holds more than maxQueueSize', async () => {
    const receiver = await startReceiver();
    let release: (() => void) | undefined;
    receiver.respond = (r, res) => {
      if (receiver.received.length > 1) return answerOk(r, res);
      release = () => answerOk(r, res);
    };
    const { exporter, logger } = makeExporter(receiver.url, { maxQueueSize: 3 });
    exporter.enqueue(makeTimeProfile('p1'));
    await expect.poll(() => receiver.received.length).toBe(1);
    for (let i = 2; i <= 10; i++) {
      exporter.enqueue(makeTimeProfile(`p${i}`));
      expect(exporter.stats().queueLength).toBeLessThanOrEqual(3);
    }
    expect(exporter.stats()).toMatchObject({ enqueued: 10, dropped: 6, queueLength: 3, inFlight: 1 });
    expectAccounted(exporter);
    expect(logger.entries.filter((e) => e.msg === 'push queue full, dropping oldest profiles').map((e) => e.level)).toEqual([
      'warn',
      ...Array<string>(5).fill('debug'),
    ]);

    release?.();
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['p1', 'p8', 'p9', 'p10']);
    expect(exporter.stats()).toMatchObject({ sent: 4, dropped: 6, queueLength: 0, queueBytes: 0 });
  });

  it('caps queued bytes and refuses a profile larger than maxQueueBytes', async () => {
    const receiver = await startReceiver();
    receiver.respond = answerAfterStall;
    const big = (marker: string): UploadProfile => makeTimeProfile(marker, { padBytes: 20_000 });
    const size = big('probe').body.byteLength;
    const { exporter, logger } = makeExporter(receiver.url, { maxQueueBytes: Math.floor(size * 2.5), requestTimeoutMs: 60_000 });
    exporter.enqueue(big('in-flight'));
    await expect.poll(() => receiver.received.length).toBe(1);
    for (const marker of ['q1', 'q2', 'q3', 'q4']) {
      exporter.enqueue(big(marker));
      expect(exporter.stats().queueBytes).toBeLessThanOrEqual(Math.floor(size * 2.5));
    }
    expect(exporter.stats()).toMatchObject({ queueLength: 2, dropped: 2 });

    exporter.enqueue(makeTimeProfile('huge', { padBytes: size * 6 }));
    expect(exporter.stats()).toMatchObject({ queueLength: 2, dropped: 3 });
    expect(logger.entries.some((e) => e.level === 'error' && e.msg?.startsWith('profile larger than maxQueueBytes'))).toBe(true);
    expectAccounted(exporter);
  });

  it('close with a stalled server returns at its deadline and reports what was lost', async () => {
    const receiver = await startReceiver();
    let serverAnswered = false;
    receiver.respond = (r, res) => {
      answerAfterStall(r, res);
      res.on('finish', () => (serverAnswered = true));
    };
    const { exporter, logger } = makeExporter(receiver.url, { requestTimeoutMs: 60_000 });
    for (const marker of ['a', 'b', 'c']) exporter.enqueue(makeTimeProfile(marker));
    await expect.poll(() => receiver.received.length).toBe(1);

    const startedAt = performance.now();
    const closing = exporter.close({ timeoutMs: 300 });
    expect(exporter.close({ timeoutMs: 1 })).toBe(closing);
    await closing;

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(299);
    // It returned without waiting for the server, which is still sitting on the request.
    expect(serverAnswered).toBe(false);
    await expect.poll(() => receiver.received[0]?.abandoned).toBe(true);
    expect(exporter.stats()).toMatchObject({ sent: 0, failed: 1, dropped: 2, queueLength: 0, inFlight: 0 });
    const report = logger.entries.find((e) => e.msg === 'push exporter closed before delivering every profile');
    expect(report).toMatchObject({ level: 'error', obj: { lostInFlight: 1, lostQueued: 2 } });
    expectAccounted(exporter);
  });

  it('flush gives up at its deadline but keeps the profile queued for later', async () => {
    const port = await closedPort();
    const { exporter, logger } = makeExporter(`http://127.0.0.1:${port}`, { maxRetries: 1_000 });
    exporter.enqueue(makeTimeProfile('pending'));
    await exporter.flush({ timeoutMs: 200 });
    expect(exporter.stats()).toMatchObject({ sent: 0, failed: 0, dropped: 0, inFlight: 1 });
    expect(logger.entries.some((e) => e.msg === 'flush deadline passed before every profile was delivered')).toBe(true);

    const receiver = await startReceiver(port);
    await exporter.flush({ timeoutMs: 10_000 });
    expect(receiver.received.map((r) => markerOf(r.body))).toEqual(['pending']);
  });

  it('never logs credentials', async () => {
    const receiver = await startReceiver();
    receiver.respond = answerStatus(401);
    const { exporter, logger } = makeExporter(receiver.url, { authToken: 'tok-DO-NOT-LOG', tenantId: 't' });
    exporter.enqueue(makeTimeProfile('x'));
    await exporter.close({ timeoutMs: 10_000 });
    expect(logger.entries.length).toBeGreaterThan(2);
    expect(JSON.stringify(logger.entries)).not.toContain('DO-NOT-LOG');
    expect(JSON.stringify(exporter.stats())).not.toContain('DO-NOT-LOG');
  });

  it('keeps delivering when the host logger throws', async () => {
    const receiver = await startReceiver();
    receiver.respond = (r, res) => (receiver.received.length === 1 ? answerStatus(500)(r, res) : answerOk(r, res));
    const explode = (): never => {
      throw new Error('log transport closed');
    };
    const logger: Logger = { debug: explode, info: explode, warn: explode, error: explode, child: explode };
    const { exporter } = makeExporter(receiver.url, { logger });
    expect(() => exporter.enqueue(makeTimeProfile('logged'))).not.toThrow();
    await exporter.close({ timeoutMs: 10_000 });
    expect(exporter.stats()).toMatchObject({ sent: 1, retries: 1 });
  });

  it('counts a malformed profile as dropped instead of throwing', () => {
    const { exporter } = makeExporter('http://127.0.0.1:9');
    expect(() => exporter.enqueue({ kind: 'time', body: new Uint8Array(0), startMs: 0, endMs: 0 })).not.toThrow();
    expect(() => exporter.enqueue(null as unknown as UploadProfile)).not.toThrow();
    expect(exporter.stats()).toMatchObject({ enqueued: 2, dropped: 2, queueLength: 0, inFlight: 0 });
  });

  it('does not keep the host process alive while it waits to retry', async () => {
    const port = await closedPort();
    const modulePath = join(__dirname, 'push-exporter.ts');
    // The host script ends right after enqueue: with every exporter timer unref'd, Node exits during the backoff.
    const script = `
      const { writeSync } = require('node:fs');
      const { PushExporter } = require(${JSON.stringify(modulePath)});
      const exporter = new PushExporter({
        serverAddress: 'http://127.0.0.1:${port}', appName: 'host', tags: {}, retryBaseMs: 60000, retryMaxMs: 60000,
      });
      exporter.enqueue({ kind: 'time', body: new Uint8Array([1, 2, 3]), startMs: 0, endMs: 0 });
      process.on('exit', () => writeSync(1, JSON.stringify(exporter.stats())));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => void child.kill());
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ enqueued: 1, sent: 0, failed: 0, inFlight: 1, retries: 1 });
  });
});
