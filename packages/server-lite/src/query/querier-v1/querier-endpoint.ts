import type { Logger } from 'pino';
import { guardedConnect } from '../../http/guarded-connect.js';
import type { ServerConfig } from '../../config/resolve-config.js';
import { QuerierService } from '../../gen/querier/v1/querier_pb.js';
import type { ServerMetrics } from '../../observability/metrics.js';
import type { ProfileStore } from '../../store/profile-store.js';
import { QueryEngine } from '../engine/query-engine.js';
import { EngineQuerierBackend } from './engine-querier-backend.js';
import type { ConnectUnaryHandler } from '../../http/connect-unary.js';
import { createQuerierHandler } from './querier-service.js';

/** What the mounted querier endpoint needs from the server. */
export interface QuerierEndpointDeps {
  readonly config: ServerConfig;
  readonly store: ProfileStore;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Clock, unix ms (lookups without a range end now). */
  readonly now: () => number;
}

const PREFIX = `/${QuerierService.typeName}/`;

/**
 * `POST /querier.v1.QuerierService/<Method>`, mounted over the store: bearer auth
 * (`auth.query-tokens`, refused as Connect `unauthenticated`), then the querier handler with a
 * {@link EngineQuerierBackend}; with `auth.multi-tenant` on, the `X-Scope-OrgID` tenant is required
 * (`unauthenticated` without it, `invalid_argument` when invalid) and the backend sees only that
 * tenant's series. The range limit is `query.max-range`; series and profile counts
 * are bounded by `query.max-series` / `query.max-profiles` / `query.max-listed-profiles`. Latency is observed in
 * `kprof_query_duration_seconds{route="/querier.v1.QuerierService/<Method>"}`.
 */
export function createQuerierEndpoint(deps: QuerierEndpointDeps): ConnectUnaryHandler {
  const { config, metrics } = deps;
  const log = deps.logger.child({ component: 'querier' });
  const handlerFor = (tenant: string | undefined): ConnectUnaryHandler =>
    createQuerierHandler(new EngineQuerierBackend(new QueryEngine(deps.store, config.query, tenant)), {
      limits: { maxRangeMs: config.query.maxRangeMs },
      nowMs: deps.now,
      logger: log,
    });
  const methods = new Set(QuerierService.methods.map((m) => `${PREFIX}${m.name}`));
  return guardedConnect({
    prefix: PREFIX,
    side: 'query',
    auth: config.auth,
    handlerFor,
    logger: log,
    // Unknown method names share one label value, so clients cannot grow the metric's series.
    onRequest: (path) => metrics.queryDuration.startTimer({ route: methods.has(path) ? path : `${PREFIX}unknown` }),
  });
}
