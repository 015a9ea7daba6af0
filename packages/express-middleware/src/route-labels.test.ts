// profileRoutes with real Express 5 routing: handlers report the labels they run under (SDK getLabels).
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { getLabels } from '@kprof/sdk';
import express, { type Express } from 'express';
import { describe, expect, it, onTestFinished } from 'vitest';
import { profileRoutes, type ProfileRoutesOptions } from './route-labels.js';

/** The JSON body's `handler` labels. */
async function handlerLabels(url: string): Promise<unknown> {
  return ((await (await fetch(url)).json()) as { handler: unknown }).handler;
}

async function listen(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function labelledApp(options?: ProfileRoutesOptions): Express {
  const app = express();
  app.use(profileRoutes(options));
  app.use((req: express.Request, _res: express.Response, next: express.NextFunction) => {
    (req as unknown as { before: unknown }).before = getLabels();
    next();
  });
  app.get('/users/:id', async (req, res) => {
    await tick();
    res.json({ before: (req as unknown as { before: unknown }).before, handler: getLabels() });
  });
  app.get(
    '/fail',
    (_req: express.Request, _res: express.Response, next: express.NextFunction) => next(new Error('boom')),
    (_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ handler: getLabels() });
    },
  );
  const api = express.Router();
  api.get('/items/:itemId', (_req, res) => res.json({ handler: getLabels() }));
  app.use('/api', api);
  app.use((_req, res) => res.status(404).json({ handler: getLabels() }));
  return app;
}

describe('profileRoutes', () => {
  it('labels the matched route template, after awaits too; work before routing is unmatched', async () => {
    const base = await listen(labelledApp());
    const body = await (await fetch(`${base}/users/42?q=1`)).json();
    expect(body).toEqual({ before: { route: 'unmatched' }, handler: { route: 'GET /users/:id' } });
  });

  it('includes the mount path of nested routers', async () => {
    const base = await listen(labelledApp());
    expect(await (await fetch(`${base}/api/items/7`)).json()).toEqual({ handler: { route: 'GET /api/items/:itemId' } });
  });

  it('unmatched requests share one label', async () => {
    const base = await listen(labelledApp());
    for (const path of ['/nope', '/users', '/api/other/1']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ handler: { route: 'unmatched' } });
    }
  });

  it('keeps route error handlers working (arity preserved) and labelled', async () => {
    const base = await listen(labelledApp());
    const res = await fetch(`${base}/fail`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ handler: { route: 'GET /fail' } });
  });

  it('bounds cardinality: routes past maxRoutes share the overflow value', async () => {
    const base = await listen(labelledApp({ maxRoutes: 1, overflowValue: 'too_many' }));
    expect(await handlerLabels(`${base}/users/1`)).toEqual({ route: 'GET /users/:id' });
    expect(await handlerLabels(`${base}/api/items/1`)).toEqual({ route: 'too_many' });
    expect(await handlerLabels(`${base}/users/2`)).toEqual({ route: 'GET /users/:id' });
  });

  it('requests that did not pass through profileRoutes are not labelled, even on wrapped routes', async () => {
    const handler = (_req: express.Request, res: express.Response): void => {
      res.json({ handler: getLabels() });
    };
    const labelled = express();
    const plain = express();
    const shared = express.Router();
    shared.get('/x/:id', handler);
    labelled.use(profileRoutes(), shared);
    plain.use(shared);
    const [a, b] = await Promise.all([listen(labelled), listen(plain)]);
    expect(await handlerLabels(`${a}/x/1`)).toEqual({ route: 'GET /x/:id' });
    expect(await handlerLabels(`${b}/x/1`)).toEqual({});
  });

  it.each([
    { name: 'bad label name', options: { labelName: '1x' } },
    { name: 'reserved label name', options: { labelName: '__name__' } },
    { name: 'maxRoutes 0', options: { maxRoutes: 0 } },
    { name: 'empty unmatched value', options: { unmatchedValue: '' } },
  ])('$name → ConfigError', ({ options }) => {
    expect(() => profileRoutes(options)).toThrow(expect.objectContaining({ code: 'KPROF_EXPRESS_INVALID_OPTION' }));
  });
});
