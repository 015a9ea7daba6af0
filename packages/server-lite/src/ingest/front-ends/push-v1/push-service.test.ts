import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport } from '@connectrpc/connect-node';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LimitError } from '../../../errors.js';
import { PushRequestSchema, PusherService } from '../../../gen/push/v1/push_pb.js';
import { KPROF_ERROR_CODE_HEADER } from '../../../http/connect-error.js';
import { createPushHandler, type PushHandlerOptions } from './push-service.js';
import type { PushedSeries } from './push-validation.js';

/** A real CPU profile: main → work (3 samples), main → idle (1 sample). */
function buildCpuProfile(): Uint8Array {
  const strings = new StringTable();
  const fn = (id: number, name: string) =>
    new PprofFunction({ id, name: strings.dedup(name), systemName: strings.dedup(name), filename: strings.dedup('app.js') });
  const functions = [fn(1, 'main'), fn(2, 'work'), fn(3, 'idle')];
  const locations = functions.map((f) => new Location({ id: f.id, line: [new Line({ functionId: f.id, line: 1 })] }));
  const profile = new Profile({
    sampleType: [new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') })],
    periodType: new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    period: 10_000_000,
    function: functions,
    location: locations,
    sample: [new Sample({ locationId: [2, 1], value: [3] }), new Sample({ locationId: [3, 1], value: [1] })],
    stringTable: strings,
  });
  return profile.encode();
}

interface Harness {
  baseUrl: string;
  ingested: PushedSeries[][];
  requestHeaders: IncomingHttpHeaders[];
  declined: string[];
}

async function startServer(
  ingest: (series: PushedSeries[]) => Promise<void> = async () => {},
  options: PushHandlerOptions = {},
): Promise<Harness> {
  const h: Harness = { baseUrl: '', ingested: [], requestHeaders: [], declined: [] };
  const handler = createPushHandler(
    {
      async ingest(series) {
        await ingest(series);
        h.ingested.push(series);
      },
    },
    options,
  );
  const server: Server = createServer((req, res) => {
    h.requestHeaders.push(req.headers);
    void handler(req, res).then((handled) => {
      if (!handled) {
        h.declined.push(req.url ?? '');
        res.writeHead(404).end('not mine');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  h.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return h;
}

function client(baseUrl: string, opts: { json?: boolean; gzip?: boolean } = {}) {
  return createClient(
    PusherService,
    createConnectTransport({
      baseUrl,
      httpVersion: '1.1',
      useBinaryFormat: !opts.json,
      ...(opts.gzip ? { sendCompression: compressionGzip, compressMinBytes: 0 } : {}),
    }),
  );
}

const cpu = buildCpuProfile();
const baseLabels = [
  { name: '__name__', value: 'process_cpu' },
  { name: 'service_name', value: 'checkout' },
  { name: '__delta__', value: 'false' },
];

async function pushError(promise: Promise<unknown>): Promise<ConnectError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe('push.v1.PusherService/Push', () => {
  it.each([
    { name: 'binary', json: false, contentType: 'application/proto' },
    { name: 'JSON', json: true, contentType: 'application/json' },
  ])('round-trips labels and profile bytes ($name)', async ({ json, contentType }) => {
    const h = await startServer();
    const gz = gzipSync(cpu);
    await client(h.baseUrl, { json }).push({
      series: [
        {
          labels: [...baseLabels, { name: 'process.runtime.name', value: 'nodejs' }],
          samples: [{ rawProfile: cpu, ID: 'a' }, { rawProfile: gz }],
        },
        { labels: [{ name: '__name__', value: 'memory' }], samples: [{ rawProfile: cpu }] },
        { labels: [{ name: '__name__', value: 'empty' }], samples: [] },
      ],
    });
    expect(h.requestHeaders[0]?.['content-type']).toBe(contentType);
    expect(h.ingested).toHaveLength(1);
    const [first, second] = h.ingested[0] ?? [];
    expect(first?.labels).toEqual({
      __name__: 'process_cpu',
      service_name: 'checkout',
      __delta__: 'false',
      process_runtime_name: 'nodejs',
    });
    expect(first?.profiles.map((p) => Buffer.from(p))).toEqual([Buffer.from(cpu), Buffer.from(gz)]);
    expect(second?.labels).toEqual({ __name__: 'memory' });
    expect(h.ingested[0]).toHaveLength(2);
  });

  it('accepts a gzip-compressed request body', async () => {
    const h = await startServer();
    await client(h.baseUrl, { gzip: true }).push({ series: [{ labels: baseLabels, samples: [{ rawProfile: cpu }] }] });
    expect(h.requestHeaders[0]?.['content-encoding']).toBe('gzip');
    expect(Buffer.from(h.ingested[0]?.[0]?.profiles[0] ?? [])).toEqual(Buffer.from(cpu));
  });

  it('speaks protojson field names on the wire and echoes the codec', async () => {
    const h = await startServer();
    const body = JSON.stringify({
      series: [{ labels: baseLabels, samples: [{ rawProfile: Buffer.from(cpu).toString('base64'), unknownField: 1 }] }],
    });
    const res = await fetch(`${h.baseUrl}/push.v1.PusherService/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({});
    expect(Buffer.from(h.ingested[0]?.[0]?.profiles[0] ?? [])).toEqual(Buffer.from(cpu));
  });

  it.each([
    { name: 'too many labels', labels: [...baseLabels, ...Array.from({ length: 28 }, (_, i) => ({ name: `k${i}`, value: 'v' }))], code: 'KPROF_PUSH_TOO_MANY_LABELS', text: '31 labels, over the limit of 30' },
    { name: 'label name over 1024 bytes', labels: [...baseLabels, { name: 'n'.repeat(1025), value: 'v' }], code: 'KPROF_PUSH_LABEL_NAME_TOO_LONG', text: '1025 bytes, over the limit of 1024' },
    { name: 'label value over 2048 bytes', labels: [...baseLabels, { name: 'pod', value: 'é'.repeat(1025) }], code: 'KPROF_PUSH_LABEL_VALUE_TOO_LONG', text: 'label pod value is 2050 bytes, over the limit of 2048' },
    { name: 'label name starting with a digit', labels: [...baseLabels, { name: '1pod', value: 'v' }], code: 'KPROF_PUSH_INVALID_LABEL_NAME', text: '"1pod" is invalid' },
    { name: 'label name with a dash', labels: [...baseLabels, { name: 'pod-name', value: 'v' }], code: 'KPROF_PUSH_INVALID_LABEL_NAME', text: '"pod-name" is invalid' },
    { name: 'duplicate after dot conversion', labels: [...baseLabels, { name: 'a_b', value: '1' }, { name: 'a.b', value: '2' }], code: 'KPROF_PUSH_DUPLICATE_LABEL', text: 'label a_b twice' },
    { name: 'missing __name__', labels: [{ name: 'service_name', value: 'x' }], code: 'KPROF_PUSH_MISSING_NAME', text: 'no __name__ label' },
  ])('rejects $name with invalid_argument and stores nothing', async ({ labels, code, text }) => {
    const h = await startServer();
    const err = await pushError(
      client(h.baseUrl).push({
        series: [
          { labels: baseLabels, samples: [{ rawProfile: cpu }] },
          { labels, samples: [{ rawProfile: cpu }] },
        ],
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain('series[1]');
    expect(err.rawMessage).toContain(text);
    expect(err.metadata.get(KPROF_ERROR_CODE_HEADER)).toBe(code);
    expect(h.ingested).toEqual([]);
  });

  it('rejects an empty profile with invalid_argument', async () => {
    const h = await startServer();
    const err = await pushError(client(h.baseUrl).push({ series: [{ labels: baseLabels, samples: [{ rawProfile: new Uint8Array() }] }] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe('series[0].samples[0] has an empty raw_profile');
  });

  // Permanent: resending cannot help, so not resource_exhausted (which Grafana clients retry).
  it('rejects a profile over 4 MiB with invalid_argument', async () => {
    const h = await startServer();
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    const err = await pushError(client(h.baseUrl).push({ series: [{ labels: baseLabels, samples: [{ rawProfile: big }] }] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.metadata.get(KPROF_ERROR_CODE_HEADER)).toBe('KPROF_PUSH_PROFILE_TOO_LARGE');
    expect(err.rawMessage).toBe(
      'series[0].samples[0] raw_profile is 4194305 bytes, over the limit of 4194304 bytes (ingest.max-body-bytes)',
    );
    expect(h.ingested).toEqual([]);
  });

  it('rejects a body over maxRequestBytes with resource_exhausted before decoding it', async () => {
    const h = await startServer(undefined, { maxRequestBytes: 64 * 1024 });
    const err = await pushError(
      client(h.baseUrl).push({ series: [{ labels: baseLabels, samples: [{ rawProfile: new Uint8Array(100 * 1024).fill(7) }] }] }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toMatch(/65536/);
    expect(h.ingested).toEqual([]);
  });

  it('refuses a gzip bomb: small on the wire, over maxRequestBytes once inflated', async () => {
    const h = await startServer(undefined, { maxRequestBytes: 1024 * 1024 });
    const message = toBinary(
      PushRequestSchema,
      create(PushRequestSchema, { series: [{ labels: baseLabels, samples: [{ rawProfile: new Uint8Array(8 * 1024 * 1024) }] }] }),
    );
    const bomb = gzipSync(message);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await fetch(`${h.baseUrl}/push.v1.PusherService/Push`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('resource_exhausted');
    expect(body.message).toContain('after decompression');
    expect(h.ingested).toEqual([]);
  });

  it.each([
    { name: 'GET', method: 'GET', contentType: 'application/proto', status: 405 },
    { name: 'PUT', method: 'PUT', contentType: 'application/proto', status: 405 },
    { name: 'text/plain', method: 'POST', contentType: 'text/plain', status: 415 },
    { name: 'gRPC', method: 'POST', contentType: 'application/grpc', status: 415 },
  ])('answers $name with $status', async ({ method, contentType, status }) => {
    const h = await startServer();
    const res = await fetch(`${h.baseUrl}/push.v1.PusherService/Push`, {
      method,
      headers: { 'content-type': contentType },
      ...(method === 'GET' ? {} : { body: new Uint8Array() }),
    });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
    expect(h.ingested).toEqual([]);
  });

  it('declines paths outside the service and answers unknown methods of the service with 404', async () => {
    const h = await startServer();
    const other = await fetch(`${h.baseUrl}/ingest`, { method: 'POST', body: 'x' });
    expect(await other.text()).toBe('not mine');
    const unknown = await fetch(`${h.baseUrl}/push.v1.PusherService/Nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array(),
    });
    expect(unknown.status).toBe(404);
    await unknown.arrayBuffer();
    expect(h.declined).toEqual(['/ingest']);
  });

  it('maps ingest errors: kprof errors keep their message, others become internal without details', async () => {
    let failure: Error = new LimitError('KPROF_INGEST_BACKPRESSURE', '4096 profiles are waiting to be written, over storage.max-pending-profiles (4096); retry later');
    const h = await startServer(async () => {
      throw failure;
    });
    const push = () => client(h.baseUrl).push({ series: [{ labels: baseLabels, samples: [{ rawProfile: cpu }] }] });
    const limited = await pushError(push());
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.rawMessage).toBe('4096 profiles are waiting to be written, over storage.max-pending-profiles (4096); retry later');
    expect(limited.metadata.get(KPROF_ERROR_CODE_HEADER)).toBe('KPROF_INGEST_BACKPRESSURE');

    failure = new Error('SQLITE_IOERR at /var/lib/secret/db.sqlite');
    const internal = await pushError(push());
    expect(internal.code).toBe(Code.Internal);
    expect(internal.rawMessage).not.toContain('secret');
    expect(internal.metadata.get(KPROF_ERROR_CODE_HEADER)).toBe('KPROF_INTERNAL');
  });
});
