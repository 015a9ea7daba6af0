import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createUiHandler } from './serve-ui.js';

async function serve(publicDir: string): Promise<string> {
  const handler = createUiHandler({ publicDir });
  const server: Server = createServer((req, res) => {
    if (handler(req, res)) return;
    res.writeHead(404).end('api');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function tempUi(withFiles: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'kprof-ui-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (withFiles) {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'void 0;');
    writeFileSync(join(dir, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'app.0123456789ab.js'), 'void 1;');
  }
  return dir;
}

describe('createUiHandler', () => {
  it.each([
    { name: 'page at /', path: '/', type: 'text/html; charset=utf-8', body: '<!doctype html><title>t</title>' },
    { name: 'page with view state', path: '/?view=single&query=app.cpu', type: 'text/html; charset=utf-8', body: '<!doctype html><title>t</title>' },
    { name: 'script', path: '/assets/app.js', type: 'text/javascript; charset=utf-8', body: 'void 0;' },
    { name: 'stylesheet', path: '/assets/app.css', type: 'text/css; charset=utf-8', body: 'body{}' },
  ])('serves the $name', async ({ path, type, body }) => {
    const base = await serve(tempUi(true));
    const res = await fetch(base + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(body);
  });

  it.each([
    { name: 'API path', path: '/render?query=a.cpu' },
    { name: 'missing asset', path: '/assets/nope.js' },
    { name: 'traversal attempt', path: '/assets/../../etc/passwd' },
    { name: 'encoded traversal', path: '/assets/..%2f..%2fpackage.json' },
  ])('leaves the $name to the next handler', async ({ path }) => {
    const base = await serve(tempUi(true));
    const res = await fetch(base + path);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('api');
  });

  it('answers 304 to a matching ETag', async () => {
    const base = await serve(tempUi(true));
    const first = await fetch(`${base}/assets/app.js`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${base}/assets/app.js`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
  });

  it.each([
    { name: 'page', path: '/', cache: 'no-cache' },
    { name: 'unhashed script', path: '/assets/app.js', cache: 'no-cache' },
    { name: 'content-hashed script', path: '/assets/app.0123456789ab.js', cache: 'public, max-age=31536000, immutable' },
  ])('sends the $name with Cache-Control $cache', async ({ path, cache }) => {
    const base = await serve(tempUi(true));
    const res = await fetch(base + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(cache);
  });

  it('says how to build the UI when it is missing', async () => {
    const base = await serve(tempUi(false));
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('node ui/build.mjs');
  });

  it('ignores other methods', async () => {
    const base = await serve(tempUi(true));
    const res = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });
});
