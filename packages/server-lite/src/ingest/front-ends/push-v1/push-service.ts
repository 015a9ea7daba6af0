import { PushResponseSchema, PusherService } from '../../../gen/push/v1/push_pb.js';
import { create } from '@bufbuild/protobuf';
import type { ConnectLogger } from '../../../http/connect-error.js';
import { createConnectUnaryHandler, type ConnectUnaryHandler, type ConnectUnaryHandlerOptions } from '../../../http/connect-unary.js';
import { DEFAULT_PUSH_LIMITS, validatePushRequest, type PushLimits, type PushedSeries } from './push-validation.js';

/** What the Push service needs from the server: storing validated series. */
export interface PushDeps {
  /**
   * Stores the series of one Push. Called once per request with at least one series, only
   * after the whole request validated. Throw a kprof error (ValidationError, LimitError, …)
   * to reject it with the matching Connect code; anything else answers `internal`.
   */
  ingest(series: PushedSeries[]): Promise<void>;
}

/** Options of {@link createPushHandler}. */
export interface PushHandlerOptions {
  /** Per-series limits; defaults {@link DEFAULT_PUSH_LIMITS} (Grafana Pyroscope's). */
  readonly limits?: Partial<PushLimits>;
  /**
   * Largest request body in bytes, as sent and after gunzip. Default 64 MiB (Pyroscope allows
   * 256 MB; one series' profiles are at most 4 MiB each and clients push a few at a time).
   */
  readonly maxRequestBytes?: number;
  /** Optional pino-compatible logger. */
  readonly logger?: ConnectLogger;
  /** See {@link ConnectUnaryHandlerOptions.onErrorResponse}. */
  readonly onErrorResponse?: ConnectUnaryHandlerOptions['onErrorResponse'];
}

/** Default {@link PushHandlerOptions.maxRequestBytes}: 64 MiB. */
export const DEFAULT_PUSH_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/**
 * The `POST /push.v1.PusherService/Push` endpoint as a node:http handler. Mount with
 * `if (await push(req, res)) return;`.
 */
export function createPushHandler(deps: PushDeps, options: PushHandlerOptions = {}): ConnectUnaryHandler {
  const limits: PushLimits = { ...DEFAULT_PUSH_LIMITS, ...options.limits };
  return createConnectUnaryHandler({
    services: [PusherService],
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_PUSH_MAX_REQUEST_BYTES,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onErrorResponse ? { onErrorResponse: options.onErrorResponse } : {}),
    routes: (router) =>
      router.service(PusherService, {
        async push(request) {
          const series = validatePushRequest(request, limits);
          if (series.length > 0) await deps.ingest(series);
          return create(PushResponseSchema);
        },
      }),
  });
}
