import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { toHttpError } from '../errors.js';

/** Logger the Connect modules accept: any pino-compatible logger. */
export type ConnectLogger = Pick<Logger, 'debug' | 'error'>;

/** Response header that carries the stable kprof error code next to the Connect error. */
export const KPROF_ERROR_CODE_HEADER = 'kprof-error-code';

/**
 * The Connect code for a kprof HTTP status. The Connect client derives its code from the
 * JSON body, so this choice is what a caller sees; the HTTP status then follows from the code
 * (docs/COMPATIBILITY.md §3). A 413 (a pushed profile over a size, sample or label limit; on the querier
 * a query over a limit such as `query.max-series`) is permanent, so it is
 * invalid_argument / 400 as Grafana Pyroscope's distributor answers a profile failing its
 * validation limits: resource_exhausted is retryable to Grafana's clients, which would resend
 * the same request. Only 429 (backpressure, store full) is resource_exhausted. The
 * whole-message read limit (`maxRequestBytes`) stays resource_exhausted: the Connect library
 * answers it, as connect-go does for its read limit.
 */
function connectCodeForStatus(status: number): Code {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 409:
      return Code.AlreadyExists;
    case 429:
      return Code.ResourceExhausted;
    case 501:
      return Code.Unimplemented;
    case 502:
    case 503:
      return Code.Unavailable;
    case 504:
      return Code.DeadlineExceeded;
    default:
      return status >= 500 ? Code.Internal : Code.InvalidArgument;
  }
}

/**
 * Converts anything a service implementation throws into a ConnectError. ConnectErrors pass
 * through; kprof errors keep their message and get their `code` in the `kprof-error-code`
 * header; anything else becomes `internal` with a fixed message, because Connect would
 * otherwise send the raw message (possibly a path or SQL) to the client.
 */
export function toConnectError(err: unknown, logger?: ConnectLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  const mapped = toHttpError(err);
  if (mapped.internal) logger?.error({ err }, 'connect request failed');
  else logger?.debug({ err }, 'connect request rejected');
  return new ConnectError(
    mapped.body.message,
    connectCodeForStatus(mapped.status),
    { [KPROF_ERROR_CODE_HEADER]: mapped.body.code },
    undefined,
    err,
  );
}

/** Interceptor that applies {@link toConnectError} to every failed call. */
export function createErrorInterceptor(logger?: ConnectLogger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err, logger);
    }
  };
}

// Connect's HTTP status per code (connectrpc.com/docs/protocol#error-codes), indexed by Code.
const HTTP_STATUS_BY_CODE: Readonly<Record<Code, number>> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/**
 * Answers a Connect request with `err` as a Connect error (`{code, message}` JSON, Connect's HTTP
 * status, the kprof code in the `kprof-error-code` header), for refusals made before the Connect
 * router runs, such as a missing bearer token. The request body is left unread, so the
 * connection is closed after the answer.
 */
export function sendConnectError(res: ServerResponse, err: unknown, logger?: ConnectLogger): void {
  const connectErr = toConnectError(err, logger);
  // Too late for an answer: the client sees the connection drop.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    code: Code[connectErr.code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '_') + c.toLowerCase()),
    message: connectErr.rawMessage,
  });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  };
  connectErr.metadata.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(HTTP_STATUS_BY_CODE[connectErr.code], headers);
  res.end(body);
}
