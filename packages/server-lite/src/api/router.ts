import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/resolve-config.js';
import { NotFoundError, UnavailableError, ValidationError } from '../errors.js';
import { createIngestRoute } from '../ingest/front-ends/pyroscope-ingest.js';
import type { Intake } from '../ingest/intake.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { TargetsSnapshot } from '../scrape/scrape-manager.js';
import type { ProfileStore } from '../store/profile-store.js';
import { checkBearer } from '../http/bearer-auth.js';
import { QueryEngine } from '../query/engine/query-engine.js';
import { labelNames, labelValues, listApps } from '../query/pyroscope-og/labels.js';
import { renderDiff } from '../query/pyroscope-og/render-diff.js';
import { render } from '../query/pyroscope-og/render.js';
import { sendBody, sendError, sendJson } from '../http/respond.js';
import { targetsHtml, targetsJson } from './targets-route.js';
import { tenantOf } from '../http/tenant-header.js';

/** What the routes need. */
export interface RouterDeps {
  readonly config: ServerConfig;
  readonly store: ProfileStore;
  /** Where `POST /ingest` hands its profiles. */
  readonly intake: Intake;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** False while starting and once shutdown began (`/ready` answers 503). */
  readonly isReady: () => boolean;
  /** Clock, for tests. */
  readonly now: () => number;
  /** Pull-mode targets and their health; absent or undefined = no scrape configs (empty lists). */
  readonly scrapeTargets?: () => TargetsSnapshot | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** Builds the request handler for every HTTP route. */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, store, metrics, logger } = deps;
  const log = logger.child({ component: 'http' });

  const ingest = createIngestRoute({ config, intake: deps.intake, metrics, logger, now: deps.now });

  const query =
    (
      route: string,
      answer: (url: URL, engine: () => QueryEngine) => Promise<{ body: string | Uint8Array; contentType: string }> | unknown,
    ): Handler =>
    async (req, res, url) => {
      const end = metrics.queryDuration.startTimer({ route });
      try {
        checkBearer(req, config.auth.queryTokens, 'query');
        // The engine sees the request's tenant; routes that need none (scrape targets) never ask.
        const result = await answer(url, () => new QueryEngine(store, config.query, tenantOf(req, config.auth)));
        if (isBody(result)) sendBody(res, result.body, result.contentType);
        else sendJson(res, result);
      } catch (err) {
        sendError(res, err, log, { route });
      } finally {
        end();
      }
    };

  const routes = new Map<string, Handler>([
    ['POST /ingest', ingest],
    ['GET /render', query('/render', (url, engine) => render(engine(), url.searchParams, config.query, deps.now()))],
    ['GET /render-diff', query('/render-diff', (url, engine) => renderDiff(engine(), url.searchParams, config.query, deps.now()))],
    ['GET /labels', query('/labels', (url, engine) => labelNames(engine(), url.searchParams, deps.now()))],
    ['GET /label-values', query('/label-values', (url, engine) => labelValues(engine(), url.searchParams, deps.now()))],
    ['GET /api/apps', query('/api/apps', (_url, engine) => listApps(engine()))],
    // Scrape targets are server-wide configuration, the same for every tenant.
    ['GET /api/v1/targets', query('/api/v1/targets', (url) => targetsJson(deps.scrapeTargets?.(), url.searchParams))],
    ['GET /targets', query('/targets', () => ({ body: targetsHtml(deps.scrapeTargets?.()), contentType: 'text/html; charset=utf-8' }))],
    [
      'GET /healthz',
      async (_req, res) => {
        sendJson(res, { status: 'ok' });
      },
    ],
    [
      'GET /ready',
      async (_req, res) => {
        if (deps.isReady()) sendJson(res, { status: 'ready' });
        else sendError(res, new UnavailableError('KPROF_NOT_READY', 'the server is starting or shutting down'), log, { route: '/ready' });
      },
    ],
    [
      'GET /metrics',
      async (_req, res) => {
        sendBody(res, await metrics.registry.metrics(), metrics.registry.contentType);
      },
    ],
  ]);

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, new ValidationError('KPROF_BAD_URL', `cannot parse request URL ${JSON.stringify(req.url)}`), log, {}, true);
      return;
    }
    const handler = routes.get(`${req.method} ${url.pathname}`);
    if (handler === undefined) {
      const known = [...routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
      const err = known
        ? new ValidationError('KPROF_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`)
        : new NotFoundError('KPROF_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
      sendError(res, err, log, { route: url.pathname }, true);
      return;
    }
    handler(req, res, url).catch((err: unknown) => sendError(res, err, log, { route: url.pathname }, true));
  };
}

function isBody(v: unknown): v is { body: string | Uint8Array; contentType: string } {
  return typeof v === 'object' && v !== null && 'contentType' in v && 'body' in v;
}
