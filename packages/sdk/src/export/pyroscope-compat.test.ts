// Byte compatibility with @pyroscope/nodejs 0.6.4: for the same series name, window and
// credentials, kprof's upload must carry the same URL and auth headers as that client's exporter builds. The client is
// a dependency of the workspace's `test` package; its exporter module is not in its `exports` map, so it is loaded by
// file path.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PushExporter } from './push-exporter.js';

interface PyroscopeApiExporterLike {
  buildEndpointUrl(p: { startedAt: Date; stoppedAt: Date; sampleRate?: number }): URL;
  buildRequestHeaders(): Headers;
}
type PyroscopeApiExporterCtor = new (
  applicationName: string,
  authToken: string | undefined,
  serverAddress: string,
  config: { basicAuthUser?: string; basicAuthPassword?: string; tenantID?: string },
) => PyroscopeApiExporterLike;

function loadPyroscopeExporter(): PyroscopeApiExporterCtor {
  const testPackage = resolve(__dirname, '../../../../test/package.json');
  const requireFromTests = createRequire(testPackage);
  const entry = requireFromTests.resolve('@pyroscope/nodejs');
  const pkg = requireFromTests(join(dirname(entry), '../../package.json')) as { version: string };
  expect(pkg.version).toBe('0.6.4');
  return (requireFromTests(join(dirname(entry), 'pyroscope-api-exporter.js')) as { PyroscopeApiExporter: PyroscopeApiExporterCtor })
    .PyroscopeApiExporter;
}

async function captureOneUpload(): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('compatibility with @pyroscope/nodejs 0.6.4', () => {
  const PyroscopeApiExporter = loadPyroscopeExporter();

  interface Row {
    name: string;
    prefix: string;
    auth: { authToken?: string; basicAuth?: { user: string; password: string } };
    tenantId: string | undefined;
    sampleRateHz: number | undefined;
  }
  it.each<Row>([
    { name: 'bearer and tenant, time profile', prefix: '', auth: { authToken: 'tok' }, tenantId: 'team-a', sampleRateHz: 100 },
    { name: 'basic auth, heap profile', prefix: '', auth: { basicAuth: { user: 'u', password: 'p' } }, tenantId: undefined, sampleRateHz: undefined },
    { name: 'path prefix, no auth', prefix: '/pyroscope', auth: {}, tenantId: undefined, sampleRateHz: 100 },
  ])('$name', async ({ prefix, auth, tenantId, sampleRateHz }) => {
    const receiver = await captureOneUpload();
    const tags = { 'process.runtime.name': 'nodejs', route: '/users/:id', note: 'a b&c#d+é' };
    const exporter = new PushExporter({
      serverAddress: `${receiver.url}${prefix}`,
      appName: 'checkout',
      tags,
      ...auth,
      ...(tenantId ? { tenantId } : {}),
    });
    onTestFinished(() => exporter.close({ timeoutMs: 1_000 }));
    const startMs = 1_795_412_490_999;
    exporter.enqueue({
      kind: sampleRateHz ? 'time' : 'heap',
      body: gzipSync(Buffer.from('not inspected here')),
      startMs,
      endMs: startMs + 15_000,
      ...(sampleRateHz ? { sampleRateHz } : {}),
    });
    await exporter.flush({ timeoutMs: 10_000 });
    expect(exporter.stats().sent).toBe(1);

    const theirs = new PyroscopeApiExporter(
      'checkout{note=a b&c#d+é,process.runtime.name=nodejs,route=/users/:id}',
      auth.authToken,
      `${receiver.url}${prefix}`,
      {
        ...(auth.basicAuth ? { basicAuthUser: auth.basicAuth.user, basicAuthPassword: auth.basicAuth.password } : {}),
        ...(tenantId ? { tenantID: tenantId } : {}),
      },
    );
    const theirUrl = theirs.buildEndpointUrl({
      startedAt: new Date(startMs),
      stoppedAt: new Date(startMs + 15_000),
      ...(sampleRateHz ? { sampleRate: sampleRateHz } : {}),
    });
    const [ours] = receiver.requests;
    expect(`${receiver.url}${ours?.url}`).toBe(theirUrl.toString());
    const theirHeaders = Object.fromEntries(theirs.buildRequestHeaders());
    expect(ours?.headers['authorization']).toBe(theirHeaders['authorization']);
    expect(ours?.headers['x-scope-orgid']).toBe(theirHeaders['x-scope-orgid']);
    expect(ours?.headers['content-type']).toBe('application/octet-stream');
  });
});
