import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { heapPprof, startTarget } from '../../test/scrape/pprof-target.js';
import { parseScrapeConfigs } from '../config/scrape-config.js';
import { type HttpClientConfig } from '../config/scrape-http-config.js';
import { ScrapeHttpClient } from './scrape-http-client.js';

const dir = mkdtempSync(join(tmpdir(), 'kprof-scrape-tls-'));
// Committed test-only CA and server certificate (127.0.0.1 and target.test): no openssl needed.
const TLS_FIXTURES = join(__dirname, '..', '..', 'test', 'scrape', 'fixtures', 'scrape-tls');
const files = { ca: join(TLS_FIXTURES, 'ca.crt'), cert: join(TLS_FIXTURES, 'server.crt'), key: join(TLS_FIXTURES, 'server.key'), token: join(dir, 'token'), password: join(dir, 'password') };
let httpsPort = 0;
const seenAuth: (string | undefined)[] = [];

beforeAll(async () => {
  writeFileSync(files.token, 'file-token-abc\n');
  writeFileSync(files.password, 's3cret\n');
  const server = createHttpsServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (req, res) => {
    seenAuth.push(req.headers.authorization);
    const body = heapPprof([{ stack: ['tls'], inuse: 1, alloc: 1 }]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpsPort = (server.address() as AddressInfo).port;
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function httpConfig(raw: Record<string, unknown>): HttpClientConfig {
  const { configs, errors } = parseScrapeConfigs([{ 'job-name': 'j', ...raw }], 'scrape-configs');
  expect(errors).toEqual([]);
  return configs[0]!.http;
}

function client(raw: Record<string, unknown>): ScrapeHttpClient {
  const c = new ScrapeHttpClient({ http: httpConfig(raw) });
  onTestFinished(() => c.close());
  return c;
}

const fetchFrom = (c: ScrapeHttpClient, url: string) => c.fetchProfile({ url, timeoutMs: 5000, maxBytes: 1 << 20 });

describe('ScrapeHttpClient TLS and credentials', () => {
  it('verifies the target against tls-config ca-file, and refuses an unknown CA with KPROF_SCRAPE_TLS', async () => {
    const url = `https://127.0.0.1:${httpsPort}/debug/pprof/heap`;
    const ok = await fetchFrom(client({ 'tls-config': { 'ca-file': files.ca } }), url);
    expect(ok.body[0]).toBe(0x1f);
    await expect(fetchFrom(client({}), url)).rejects.toMatchObject({ code: 'KPROF_SCRAPE_TLS' });
    const skip = await fetchFrom(client({ 'tls-config': { 'insecure-skip-verify': true } }), url);
    expect(skip.body.length).toBeGreaterThan(0);
    // server-name checks the certificate against another name than the address.
    await expect(fetchFrom(client({ 'tls-config': { 'ca-file': files.ca, 'server-name': 'other.test' } }), url)).rejects.toMatchObject({ code: 'KPROF_SCRAPE_TLS' });
    await fetchFrom(client({ 'tls-config': { 'ca-file': files.ca, 'server-name': 'target.test' } }), url);
  });

  it('sends bearer-token, bearer-token-file and basic-auth (password-file) credentials', async () => {
    const url = `https://127.0.0.1:${httpsPort}/debug/pprof/heap`;
    const tls = { 'tls-config': { 'ca-file': files.ca } };
    seenAuth.length = 0;
    await fetchFrom(client({ ...tls, 'bearer-token': 'inline-token' }), url);
    await fetchFrom(client({ ...tls, 'bearer-token-file': files.token }), url);
    await fetchFrom(client({ ...tls, 'basic-auth': { username: 'kprof', 'password-file': files.password } }), url);
    await fetchFrom(client({ ...tls }), url);
    expect(seenAuth).toEqual(['Bearer inline-token', 'Bearer file-token-abc', `Basic ${Buffer.from('kprof:s3cret').toString('base64')}`, undefined]);
  });

  it('fails with KPROF_SCRAPE_CREDENTIALS when a credential or TLS file is missing', async () => {
    const target = await startTarget((_req, res) => res.end());
    await expect(fetchFrom(client({ 'bearer-token-file': join(dir, 'nope') }), `http://${target.address}/x`)).rejects.toMatchObject({
      code: 'KPROF_SCRAPE_CREDENTIALS',
      message: expect.stringContaining('bearer-token-file'),
    });
    await expect(fetchFrom(client({ 'tls-config': { 'ca-file': join(dir, 'missing-ca.pem') } }), `https://127.0.0.1:${httpsPort}/x`)).rejects.toMatchObject({
      code: 'KPROF_SCRAPE_CREDENTIALS',
    });
  });

  it('follows a redirect by default and refuses one with follow-redirects: false', async () => {
    const target = await startTarget((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/debug/pprof/heap' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(heapPprof([{ stack: ['r'], inuse: 1, alloc: 1 }]));
    });
    expect((await fetchFrom(client({}), `http://${target.address}/old`)).body.length).toBeGreaterThan(0);
    await expect(fetchFrom(client({ 'follow-redirects': false }), `http://${target.address}/old`)).rejects.toMatchObject({ code: 'KPROF_SCRAPE_HTTP_STATUS' });
  });
});
