import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createConnectUnaryHandler, type ConnectUnaryHandler } from './connect-unary.js';
import { createPushHandler } from '../ingest/front-ends/push-v1/push-service.js';
import { createQuerierHandler } from '../query/querier-v1/querier-service.js';
import type { QuerierBackend } from '../query/querier-v1/querier-backend.js';
import type { PushedSeries } from '../ingest/front-ends/push-v1/push-validation.js';
import { PusherService } from '../gen/push/v1/push_pb.js';

/** A backend with no data: every lookup is empty, which is a correct answer for an empty store. */
const emptyBackend: QuerierBackend = {
  profileTypes: async () => [],
  labelNames: async () => [],
  labelValues: async () => [],
  series: async () => [],
  selectMergeStacktraces: async () => ({ names: ['total'], levels: [[0, 0, 0, 0]], total: 0, maxSelf: 0 }),
  selectMergeProfile: async () => new Uint8Array(),
  selectSeries: async () => [],
  diff: async () => ({ names: ['total'], levels: [[0, 0, 0, 0, 0, 0, 0]], total: 0, maxSelf: 0, leftTicks: 0, rightTicks: 0 }),
};

async function serve(handlers: ConnectUnaryHandler[]): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    // The mounting pattern server-core uses: try each Connect handler, then its own routes.
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no route');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function post(url: string, contentType: string, body: string | Uint8Array) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), text };
}

describe('createConnectUnaryHandler', () => {
  it('resolves true once the answer is written, so callers can time and clean up after it', async () => {
    const settled: boolean[] = [];
    const handler = createPushHandler({ ingest: async () => {} });
    const server: Server = createServer((req, res) => {
      void handler(req, res).then((handled) => settled.push(handled));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push.v1.PusherService/Push`;
    expect((await post(url, 'application/json', '{"series":[]}')).status).toBe(200);
    expect((await post(url, 'application/json', '{"series":')).status).toBe(400);
    await expect.poll(() => settled).toEqual([true, true]);
  });

  it('lets push and querier handlers share one server with other routes', async () => {
    const ingested: PushedSeries[][] = [];
    const baseUrl = await serve([
      createPushHandler({ ingest: async (s) => void ingested.push(s) }),
      createQuerierHandler(emptyBackend),
    ]);
    const push = await post(`${baseUrl}/push.v1.PusherService/Push`, 'application/json', '{"series":[]}');
    expect(push).toEqual({ status: 200, contentType: 'application/json', text: '{}' });
    const types = await post(`${baseUrl}/querier.v1.QuerierService/ProfileTypes`, 'application/json; charset=utf-8', '{"start":"1000","end":"4000"}');
    expect(types).toMatchObject({ status: 200, text: '{}' });
    const other = await post(`${baseUrl}/ingest?name=app`, 'text/plain', 'main 1');
    expect(other).toEqual({ status: 404, contentType: 'text/plain', text: 'no route' });
    expect(ingested).toEqual([]);
  });

  it.each([
    { name: 'malformed JSON', contentType: 'application/json', body: '{"series":', status: 400, code: 'invalid_argument' },
    { name: 'wrong JSON field type', contentType: 'application/json', body: '{"series":"x"}', status: 400, code: 'invalid_argument' },
    { name: 'bad base64 profile', contentType: 'application/json', body: '{"series":[{"samples":[{"rawProfile":"%%%"}]}]}', status: 400, code: 'invalid_argument' },
    { name: 'truncated protobuf', contentType: 'application/proto', body: new Uint8Array([0x0a, 0x10, 0x0a]), status: 400, code: 'invalid_argument' },
  ])('answers $name with a Connect error, not a crash', async ({ contentType, body, status, code }) => {
    const baseUrl = await serve([createPushHandler({ ingest: async () => {} })]);
    const res = await post(`${baseUrl}/push.v1.PusherService/Push`, contentType, body);
    expect(res.status).toBe(status);
    expect(res.contentType).toBe('application/json');
    const error = JSON.parse(res.text) as { code: string; message: string };
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    // Still serving after the bad request.
    expect((await post(`${baseUrl}/push.v1.PusherService/Push`, 'application/json', '{}')).status).toBe(200);
  });

  it('survives a client that disconnects halfway through the body', async () => {
    const ingested: PushedSeries[][] = [];
    const baseUrl = await serve([createPushHandler({ ingest: async (s) => void ingested.push(s) })]);
    const { port } = new URL(baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /push.v1.PusherService/Push HTTP/1.1\r\nhost: x\r\ncontent-type: application/proto\r\ncontent-length: 100000\r\n\r\n' +
        'x'.repeat(1000),
    );
    socket.destroy();
    await once(socket, 'close');
    const res = await post(`${baseUrl}/push.v1.PusherService/Push`, 'application/json', '{}');
    expect(res.status).toBe(200);
    expect(ingested).toEqual([]);
  });

  it('refuses a non-positive maxRequestBytes at construction', () => {
    expect(() => createConnectUnaryHandler({ services: [PusherService], routes: () => {}, maxRequestBytes: 0 })).toThrow(
      'maxRequestBytes must be a positive integer, got 0',
    );
  });
});
