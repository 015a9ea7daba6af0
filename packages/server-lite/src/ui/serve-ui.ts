import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

/** Options for {@link createUiHandler}. */
export interface UiHandlerOptions {
  /**
   * Directory holding the built UI (`index.html`, `assets/`). Default: `dist/ui/public` of
   * this package, written by `node ui/build.mjs`.
   */
  readonly publicDir?: string;
  /**
   * Name the page's first API requests in a `Link: rel=preload` header (default true), so the
   * browser starts them as soon as the page's response arrives. Off when API calls need a
   * bearer token (`auth.query-tokens`): a preload cannot send it, and would only be refused.
   */
  readonly preloadBootRequests?: boolean;
}

/** Answers a request for the UI; returns false (and writes nothing) when the request is not for it. */
export type UiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly cacheControl: string;
}

/**
 * build.mjs names the script and stylesheet after their content (`app.<12 hex>.js`): such a
 * file never changes under its name, so browsers may keep it without revalidating (no round
 * trip on a page load). The page itself is revalidated every time, so a rebuild shows at once.
 */
const CONTENT_HASHED = /\.[0-9a-f]{12}\.[a-z.]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where the built UI sits, whether this runs from dist/ui (built) or src/ui (tests, tsx). */
function defaultPublicDir(): string {
  const candidates = [join(__dirname, 'public'), join(__dirname, '..', '..', 'dist', 'ui', 'public')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[0] as string);
}

type BootUrls = (search: string) => string[];

/**
 * The UI's own `bootUrls` (ui/src/boot-urls.ts, bundled by build.mjs as `boot-urls.cjs`): the
 * requests the boot script sends for a page URL, so the preload header names exactly those.
 * None (no header) for a build without it.
 */
function loadBootUrls(dir: string): BootUrls | null {
  const file = join(dir, 'boot-urls.cjs');
  if (!existsSync(file)) return null;
  const mod = createRequire(file)(file) as { bootUrls?: unknown };
  return typeof mod.bootUrls === 'function' ? (mod.bootUrls as BootUrls) : null;
}

/**
 * `Link` header value preloading `urls` as `fetch()` would send them (same-origin credentials,
 * hence `crossorigin`), so the boot script's fetch takes the preloaded response.
 * The URLs are built with URLSearchParams, which percent-encodes `<`, `>`, `,` and `;`.
 */
function preloadLink(urls: readonly string[]): string {
  return urls.map((u) => `<${u}>; rel=preload; as=fetch; crossorigin`).join(', ');
}

function load(path: string): Asset {
  const body = readFileSync(path);
  return {
    contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    body,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    cacheControl: CONTENT_HASHED.test(path) ? IMMUTABLE : 'no-cache',
  };
}

/**
 * Reads the built UI once and returns a node:http handler for it: `GET`/`HEAD` of `/` and
 * `/index.html` give the page, `/assets/<file>` its script and stylesheet. Only files that
 * exist in the build are served (no path from the request reaches the file system), with an
 * ETag; the page with `Cache-Control: no-cache` so a rebuilt UI is picked up at once, its
 * content-hashed script and stylesheet as immutable.
 *
 * When the UI was not built, `/` answers 503 with the command that builds it.
 * Mount it first: `if (ui(req, res)) return;`.
 */
export function createUiHandler(opts: UiHandlerOptions = {}): UiHandler {
  const dir = opts.publicDir ?? defaultPublicDir();
  const assets = new Map<string, Asset>();
  const bootUrls = opts.preloadBootRequests === false ? null : loadBootUrls(dir);
  if (existsSync(join(dir, 'index.html'))) {
    const page = load(join(dir, 'index.html'));
    assets.set('/', page);
    assets.set('/index.html', page);
    const assetDir = join(dir, 'assets');
    if (existsSync(assetDir)) {
      for (const f of readdirSync(assetDir, { withFileTypes: true })) {
        if (f.isFile()) assets.set(`/assets/${f.name}`, load(join(assetDir, f.name)));
      }
    }
  }

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const asset = assets.get(path);
    if (!asset) {
      if (path !== '/' && path !== '/index.html') return false;
      const msg = `kprof UI is not built (no ${join(dir, 'index.html')}); run \`node ui/build.mjs\` in packages/server-lite\n`;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(msg) });
      res.end(req.method === 'HEAD' ? undefined : msg);
      return true;
    }
    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      etag: asset.etag,
      'cache-control': asset.cacheControl,
      'x-content-type-options': 'nosniff',
    };
    if (bootUrls && q >= 0 && (path === '/' || path === '/index.html')) {
      const urls = bootUrls(url.slice(q));
      if (urls.length > 0) headers['link'] = preloadLink(urls);
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}
