// In-process checks that need no profile data: options, the authorize hook, the seconds limit, the index page.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { PprofRouterOptions } from './config.js';
import { pprofRouter } from './pprof-router.js';

async function serve(options: PprofRouterOptions, prefix = '/debug/pprof'): Promise<string> {
  const app = express();
  app.use(prefix, pprofRouter({ heapSampling: false, ...options }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
}

describe('pprofRouter options', () => {
  it.each([
    { name: 'options not an object', input: 5 },
    { name: 'authorize not a function', input: { authorize: 'yes' } },
    { name: 'maxProfileSeconds zero', input: { maxProfileSeconds: 0 } },
    { name: 'maxProfileSeconds fraction', input: { maxProfileSeconds: 1.5 } },
    { name: 'maxProfileSeconds over 3600', input: { maxProfileSeconds: 3_601 } },
    { name: 'maxConcurrentHeapRequests 0', input: { maxConcurrentHeapRequests: 0 } },
    { name: 'heapSampling a string', input: { heapSampling: 'on' } },
  ])('$name → ConfigError KPROF_EXPRESS_INVALID_OPTION', ({ input }) => {
    expect(() => pprofRouter(input as PprofRouterOptions)).toThrow(
      expect.objectContaining({ name: 'ConfigError', code: 'KPROF_EXPRESS_INVALID_OPTION' }),
    );
  });

  it('heap sampling settings out of the SDK range are reported by the SDK', () => {
    expect(() => pprofRouter({ heapSampling: { intervalBytes: 1 } })).toThrow(expect.objectContaining({ code: 'KPROF_CONFIG_INVALID_OPTION' }));
  });
});

describe('authorize hook', () => {
  it.each([
    { name: 'true serves', decision: true, status: 200, challenge: null },
    { name: 'false is 403', decision: false, status: 403, challenge: null },
    { name: 'object 403', decision: { status: 403, message: 'admins only' }, status: 403, challenge: null, body: 'admins only\n' },
    {
      name: '401 with challenge',
      decision: { status: 401, wwwAuthenticate: 'Basic realm="pprof"' },
      status: 401,
      challenge: 'Basic realm="pprof"',
    },
    { name: 'async true', decision: Promise.resolve(true), status: 200, challenge: null },
    { name: 'unexpected value fails closed', decision: 'yes', status: 403, challenge: null },
  ])('$name', async ({ decision, status, challenge, body }) => {
    const seen: string[] = [];
    const base = await serve({
      authorize: (req) => {
        seen.push(req.originalUrl);
        return decision as never;
      },
    });
    const res = await fetch(`${base}/cmdline`);
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
    expect(seen).toEqual(['/debug/pprof/cmdline']);
    const text = await res.text();
    if (status !== 200) {
      expect(res.headers.get('x-go-pprof')).toBe('1');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      if (body) expect(text).toBe(body);
    }
  });

  it('a throwing hook answers 500 and logs, never serves', async () => {
    const errors: object[] = [];
    const noop = (): void => {};
    const base = await serve({
      authorize: () => {
        throw new Error('db down');
      },
      logger: { debug: noop, info: noop, warn: noop, error: (o) => errors.push(o) },
    });
    const res = await fetch(`${base}/heap`);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/authorize hook threw/);
    expect(errors).toHaveLength(1);
  });

  it('runs before the method check: a denied POST is 403, not 405', async () => {
    const base = await serve({ authorize: () => false });
    expect((await fetch(`${base}/heap`, { method: 'POST' })).status).toBe(403);
  });
});

describe('limits and pages', () => {
  it('profile?seconds over maxProfileSeconds → 400 naming the option, before any profiling', async () => {
    const base = await serve({ maxProfileSeconds: 10 });
    const res = await fetch(`${base}/profile?seconds=11`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-go-pprof')).toBe('1');
    expect(await res.text()).toBe('profile duration 11s exceeds the limit of 10s; ask for less or raise option maxProfileSeconds\n');
  });

  it('heap?seconds over maxProfileSeconds → 400', async () => {
    const base = await serve({ maxProfileSeconds: 5 });
    const res = await fetch(`${base}/heap?seconds=6`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/exceeds the limit of 5s/);
  });

  it('index lists the served profiles with relative debug=1 links and the Go-only ones with reasons', async () => {
    const base = await serve({});
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toContain('<title>/debug/pprof/</title>');
    for (const name of ['allocs', 'cmdline', 'heap', 'profile']) expect(html).toContain(`href="${name}?debug=1"`);
    for (const name of ['goroutine', 'block', 'mutex', 'threadcreate', 'trace']) expect(html).toMatch(new RegExp(`${name}: </div> 501 Not Implemented`));
  });

  it('redirect keeps the mount prefix and the query', async () => {
    const base = await serve({}, '/admin/pp');
    const res = await fetch(`${base}?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/admin/pp/?x=1');
  });

  it('cmdline is the node binary, its options and the arguments, NUL-separated', async () => {
    const base = await serve({});
    const text = await (await fetch(`${base}/cmdline`)).text();
    expect(text.split('\0')).toEqual([process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
  });
});
