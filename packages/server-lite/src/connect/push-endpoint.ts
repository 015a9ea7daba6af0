import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkBearer } from '../api/auth.js';
import { TENANT_LABEL, scopeProfile, tenantOf } from '../api/tenant-scope.js';
import type { ServerConfig } from '../config/resolve-config.js';
import type { DecodePool } from '../ingest/decode-pool.js';
import type { IngestProfile } from '../ingest/ingest-profile.js';
import { type DeltaTracker, createDeltaTracker } from '../ingest/pprof-delta.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { sendConnectError } from './connect-error.js';
import type { ConnectUnaryHandler } from './connect-unary.js';
import { PusherService } from '../gen/push/v1/push_pb.js';
import { createPushHandler } from './push-service.js';
import { needsServerDelta, pushedProfileToIngest } from './push-to-ingest.js';

/** What the mounted push endpoint needs from the server. */
export interface PushEndpointDeps {
  readonly config: ServerConfig;
  readonly batcher: WriteBatcher;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Clock, unix ms. */
  readonly now: () => number;
  /** Worker threads that convert profiles needing no server-side delta; absent = all on the main thread. */
  readonly decodePool?: DecodePool;
}

const PREFIX = `/${PusherService.typeName}/`;

/** Pushed `memory` series whose previous profile is kept for server-side deltas. */
export const PUSH_DELTA_MAX_KEYS = 1000;

/**
 * `POST /push.v1.PusherService/Push`, mounted: bearer auth (`auth.ingest-tokens`, refused as
 * Connect `unauthenticated`), then the Connect handler, whose series are converted with
 * {@link pushedProfileToIngest} — all of them before any is written, so a bad profile stores
 * nothing — and written through the batcher (resolving once committed). Counts
 * `kprof_ingest_profiles_total{format="push"}` per profile and `kprof_ingest_rejected_total` by
 * kprof code (or `CONNECT_HTTP_<status>` for protocol errors) per refused request.
 *
 * `memory` series pushed without `__delta__="false"` get Grafana Pyroscope's server-side delta
 * of `alloc_*` (see {@link pushedProfileToIngest}); baselines are kept for the
 * {@link PUSH_DELTA_MAX_KEYS} most recently pushed series.
 *
 * With `auth.multi-tenant` on, `X-Scope-OrgID` is required (`unauthenticated` without it,
 * `invalid_argument` when invalid) and every series is stored with the tenant's `__tenant__` label.
 *
 * Limits from `ingest.*`: request body `max-decompressed-bytes` (as sent and after gunzip), each
 * raw profile `max-body-bytes`, labels per series `max-labels`, label name / value lengths.
 */
export function createPushEndpoint(deps: PushEndpointDeps): ConnectUnaryHandler {
  const { config, batcher, metrics } = deps;
  const log = deps.logger.child({ component: 'push' });
  const limits = config.ingest;
  // One baseline per pushed `memory` series (a few MB for a large Go heap profile), so fewer
  // keys than the scraper's default.
  const deltas = createDeltaTracker({ maxKeys: PUSH_DELTA_MAX_KEYS });
  const handlerFor = (tenant: string | undefined): ConnectUnaryHandler =>
    createPushHandler(
      {
        async ingest(pushed) {
          // The tenant label keys the delta baselines per tenant; conversion drops `__` labels, scopeProfile sets it.
          const series = tenant === undefined ? pushed : pushed.map((s) => ({ ...s, labels: { ...s.labels, [TENANT_LABEL]: tenant } }));
          const started = performance.now();
          const nowMs = deps.now();
          // Stateless conversions run on the decode workers at once; delta'd ones on this thread in order.
          const converted: Promise<IngestProfile>[] = [];
          // Baselines this request moved: put back if it fails, so the client's retry is not
          // subtracted from itself (which would store zero growth).
          const undo: Array<() => void> = [];
          const requestDeltas: DeltaTracker = {
            next(key, profile, cumulative) {
              const result = deltas.next(key, profile, cumulative);
              undo.push(result.undo);
              return result;
            },
            forget: (key) => deltas.forget(key),
            get size() {
              return deltas.size;
            },
          };
          let profiles: IngestProfile[];
          try {
            for (const s of series) {
              for (const raw of s.profiles) {
                if (deps.decodePool !== undefined && !needsServerDelta(s.labels)) {
                  const p = deps.decodePool.parsePush(raw, s.labels, nowMs);
                  // Handled by Promise.all below; this keeps a rejection during a later await from counting as unhandled.
                  p.catch(() => undefined);
                  converted.push(p);
                } else converted.push(Promise.resolve(await pushedProfileToIngest(raw, s.labels, { limits, nowMs, deltas: requestDeltas })));
              }
            }
            profiles = (await Promise.all(converted)).map((p) => scopeProfile(p, tenant));
            // One unit: all accepted or none (a 429 stores nothing a retry would duplicate).
            await batcher.writeAll(profiles);
          } catch (err) {
            for (const u of undo.reverse()) u();
            throw err;
          }
          metrics.profilesIngested.inc({ format: 'push' }, profiles.length);
          metrics.bytesIngested.inc(profiles.reduce((n, p) => n + p.receivedBytes, 0));
          log.debug({ series: series.length, profiles: profiles.length, ms: Math.round(performance.now() - started) }, 'ingested push');
        },
      },
      {
        limits: {
          maxLabelsPerSeries: limits.maxLabels,
          maxLabelNameBytes: limits.maxLabelNameLength,
          maxLabelValueBytes: limits.maxLabelValueLength,
          maxProfileBytes: limits.maxBodyBytes,
        },
        maxRequestBytes: limits.maxDecompressedBytes,
        logger: log,
        onErrorResponse: (status, code) => metrics.rejected.inc({ reason: code ?? `CONNECT_HTTP_${status}` }),
      },
    );
  const shared = handlerFor(undefined);
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!(req.url ?? '').startsWith(PREFIX)) return false;
    let handler = shared;
    try {
      checkBearer(req, config.auth.ingestTokens, 'ingest');
      // One handler per request in multi-tenant mode binds the writes to the caller's tenant.
      if (config.auth.multiTenant) handler = handlerFor(tenantOf(req, config.auth));
    } catch (err) {
      sendConnectError(res, err, log);
      metrics.rejected.inc({ reason: (err as { code: string }).code });
      return true;
    }
    return handler(req, res);
  };
}
