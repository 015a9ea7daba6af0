import type { Logger } from 'pino';
import type { ServerConfig } from '../../../config/resolve-config.js';
import { PusherService } from '../../../gen/push/v1/push_pb.js';
import type { ConnectUnaryHandler } from '../../../http/connect-unary.js';
import { guardedConnect } from '../../../http/guarded-connect.js';
import type { ServerMetrics } from '../../../observability/metrics.js';
import type { Intake } from '../../intake.js';
import { createPushHandler } from './push-service.js';
import { intakeFromPush } from './push-series.js';

/** What the mounted push endpoint needs from the server. */
export interface PushEndpointDeps {
  readonly config: ServerConfig;
  readonly intake: Intake;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
}

const PREFIX = `/${PusherService.typeName}/`;

/**
 * `POST /push.v1.PusherService/Push`, mounted: bearer auth (`auth.ingest-tokens`, refused as
 * Connect `unauthenticated`), then the Connect handler, whose profiles go to the intake as one
 * unit — all converted before any is written, so a bad profile stores nothing — and resolve
 * once committed. Counts `kprof_ingest_profiles_total{format="push"}` per profile and
 * `kprof_ingest_rejected_total` by kprof code (or `CONNECT_HTTP_<status>` for protocol errors)
 * per refused request. `memory` series without `__delta__="false"` get Grafana Pyroscope's
 * server-side delta of `alloc_*` (see push-series.ts).
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
  const { config, metrics } = deps;
  const log = deps.logger.child({ component: 'push' });
  const limits = config.ingest;
  const handlerFor = (tenant: string | undefined): ConnectUnaryHandler =>
    createPushHandler(
      {
        async ingest(series) {
          const started = performance.now();
          const requests = series.flatMap((s) => s.profiles.map((raw) => intakeFromPush(raw, s.labels, limits, tenant)));
          const profiles = await deps.intake.ingest(requests);
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
  return guardedConnect({
    prefix: PREFIX,
    side: 'ingest',
    auth: config.auth,
    handlerFor,
    logger: log,
    onRefused: (err) => metrics.rejected.inc({ reason: (err as { code: string }).code }),
  });
}
