import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createUiHandler } from './serve-ui.js';

async function serve(publicDir: string, preloadBootRequests?: boolean): Promise<string> {
  const handler = createUiHandler(preloadBootRequests === undefined ? { publicDir } : { publicDir, preloadBootRequests });
  const server: Server = createServer((req, res) => {
    if (handler(req, res)) return;
    res.writeHead(404).end('api');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// What build.mjs bundles from ui/src/boot-urls.ts, reduced to a stand-in the tests control.
const BOOT_URLS_CJS = `exports.bootUrls = (search) => {
  const p = new URLSearchParams(search);
  return p.get('query') ? ['/render?' + new URLSearchParams({ query: p.get('query'), format: 'json' }), '/api/apps'] : [];
};`;

function tempUi(withFiles: boolean, withBootUrls = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'kprof-ui-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (withFiles) {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'void 0;');
    writeFileSync(join(dir, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'app.0123456789ab.js'), 'void 1;');
    if (withBootUrls) writeFileSync(join(dir, 'boot-urls.cjs'), BOOT_URLS_CJS);
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

  it.each([
    { name: 'a single view, on 200', path: '/?view=single&query=app.cpu', etag: false,
      link: '</render?query=app.cpu&format=json>; rel=preload; as=fetch; crossorigin, </api/apps>; rel=preload; as=fetch; crossorigin' },
    { name: 'a single view, on 304', path: '/index.html?query=a%3Cb%3E%2Cc%3Bd', etag: true,
      link: '</render?query=a%3Cb%3E%2Cc%3Bd&format=json>; rel=preload; as=fetch; crossorigin, </api/apps>; rel=preload; as=fetch; crossorigin' },
    { name: 'a view without boot requests', path: '/?view=targets', etag: false, link: null },
    { name: 'a page without a query string', path: '/', etag: false, link: null },
    { name: 'an asset', path: '/assets/app.js?query=app.cpu', etag: false, link: null },
  ])('names the boot requests of $name in a Link preload header', async ({ path, etag, link }) => {
    const base = await serve(tempUi(true, true));
    let res = await fetch(base + path);
    if (etag) {
      res = await fetch(base + path, { headers: { 'if-none-match': res.headers.get('etag') as string } });
      expect(res.status).toBe(304);
    }
    expect(res.headers.get('link')).toBe(link);
  });

  it.each([
    { name: 'turned off (query tokens)', withBootUrls: true, preload: false },
    { name: 'a build without boot-urls.cjs', withBootUrls: false, preload: undefined },
  ])('sends no Link header when $name', async ({ withBootUrls, preload }) => {
    const base = await serve(tempUi(true, withBootUrls), preload);
    const res = await fetch(`${base}/?view=single&query=app.cpu`);
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toBeNull();
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
