import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkBearer } from '../../../http/bearer-auth.js';
import { scopeProfile } from '../../../model/tenant.js';
import { tenantOf } from '../../../http/tenant-header.js';
import type { ServerConfig } from '../../../config/resolve-config.js';
import type { DecodePool } from '../../decode-pool.js';
import type { IngestProfile } from '../../../model/ingest-profile.js';
import type { PackedBaseline } from '../../packed-baseline.js';
import type { ServerMetrics } from '../../../observability/metrics.js';
import type { WriteBatcher } from '../../../store/write-batcher.js';
import { sendConnectError } from '../../../http/connect-error.js';
import type { ConnectUnaryHandler } from '../../../http/connect-unary.js';
import { PusherService } from '../../../gen/push/v1/push_pb.js';
import { createPushHandler } from './push-service.js';
import { PushDeltaBaselines } from '../../push-delta-baselines.js';
import { type PushedDelta, needsServerDelta, pushSeriesKey, pushedDeltaToIngest, pushedProfileToIngest } from '../../push-to-ingest.js';

/** What the mounted push endpoint needs from the server. */
export interface PushEndpointDeps {
  readonly config: ServerConfig;
  readonly batcher: WriteBatcher;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Clock, unix ms. */
  readonly now: () => number;
  /** Worker threads that convert the pushed profiles; absent = all on the main thread. */
  readonly decodePool?: DecodePool;
}

const PREFIX = `/${PusherService.typeName}/`;

/**
 * Profiles of one push converting at once. A push may carry 1000 profiles while the decode queue
 * holds 64 per worker: handing them all over at once would make one large push answer 429 on an
 * idle server; this way only concurrent pushes compete for the queue.
 */
const PUSH_CONVERSIONS_IN_FLIGHT = 16;

// Runs `jobs`, at most `limit` at a time, starting them in order (so pushes of one series reach
// the delta baselines in the order they were sent); resolves once all have settled.
async function settleInOrder<T>(jobs: ReadonlyArray<() => Promise<T>>, limit: number): Promise<PromiseSettledResult<T>[]> {
  const out = new Array<PromiseSettledResult<T>>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await jobs[i]!() };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  return out;
}

/**
 * `POST /push.v1.PusherService/Push`, mounted: bearer auth (`auth.ingest-tokens`, refused as
 * Connect `unauthenticated`), then the Connect handler, whose series are converted — all of them
 * before any is written, so a bad profile stores nothing — and written through the batcher
 * (resolving once committed). Counts `kprof_ingest_profiles_total{format="push"}` per profile and
 * `kprof_ingest_rejected_total` by kprof code (or `CONNECT_HTTP_<status>` for protocol errors)
 * per refused request.
 *
 * Conversions run on the decode workers (on this thread when there is no pool), `memory` series
 * too: those without `__delta__="false"` get Grafana Pyroscope's server-side delta of `alloc_*`
 * ({@link pushedDeltaToIngest}), with each series' baseline kept here in
 * {@link PushDeltaBaselines} (per tenant, bounded by `ingest.push-delta-max-bytes`) and sent to
 * the worker with the next push. A failed push puts back the baselines it moved.
 *
 * With `auth.multi-tenant` on, `X-Scope-OrgID` is required (`unauthenticated` without it,
 * `invalid_argument` when invalid) and every series is stored with the tenant's `__tenant__` label.
 *
 * Limits from `ingest.*`: request body `max-decompressed-bytes` (as sent and after gunzip), each
 * raw profile `max-body-bytes` and after gunzip `max-decompressed-bytes`, then the decoder's
 * sample / location / string limits, labels per series `max-labels`, label name / value lengths,
 * and `decode-timeout` per profile.
 */
export function createPushEndpoint(deps: PushEndpointDeps): ConnectUnaryHandler {
  const { config, batcher, metrics } = deps;
  const log = deps.logger.child({ component: 'push' });
  const limits = config.ingest;
  const baselines = new PushDeltaBaselines({
    maxBytes: limits.pushDeltaMaxBytes,
    now: deps.now,
    logger: log,
    onEvict: (active) => metrics.pushDeltaEvictions.inc({ active: String(active) }),
  });
  metrics.setPushDeltaSource(baselines);
  const pool = deps.decodePool;
  const handlerFor = (tenant: string | undefined): ConnectUnaryHandler =>
    createPushHandler(
      {
        async ingest(series) {
          const started = performance.now();
          const nowMs = deps.now();
          const jobs: Array<() => Promise<IngestProfile>> = [];
          // Baselines this request moved: put back if it fails, so the client's retry is not
          // subtracted from itself (which would store zero growth).
          const undo: Array<() => void> = [];
          for (const s of series) {
            const delta = needsServerDelta(s.labels);
            const seriesKey = delta ? pushSeriesKey(s.labels) : '';
            for (const raw of s.profiles) {
              if (delta) {
                const convert = (previous: PackedBaseline | undefined): Promise<PushedDelta> =>
                  pool !== undefined ? pool.parsePushDelta(raw, s.labels, nowMs, previous) : pushedDeltaToIngest(raw, s.labels, { limits, nowMs }, previous);
                jobs.push(() =>
                  baselines.next(tenant ?? '', seriesKey, convert).then((r) => {
                    undo.push(r.undo);
                    return r.profile;
                  }),
                );
              } else {
                jobs.push(() => (pool !== undefined ? pool.parsePush(raw, s.labels, nowMs) : pushedProfileToIngest(raw, s.labels, { limits, nowMs })));
              }
            }
          }
          // Every conversion settles before an undo, so none moves a baseline after it.
          const settled = await settleInOrder(jobs, PUSH_CONVERSIONS_IN_FLIGHT);
          let profiles: IngestProfile[];
          try {
            const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
            if (failed !== undefined) throw failed.reason;
            profiles = settled.map((r) => scopeProfile((r as PromiseFulfilledResult<IngestProfile>).value, tenant));
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
