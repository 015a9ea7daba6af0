import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createConnectRouter, type ConnectRouter } from '@connectrpc/connect';
import { createAsyncIterable, readAllBytes, type UniversalServerResponse } from '@connectrpc/connect/protocol';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import { NotFoundError } from '../errors.js';
import { KPROF_ERROR_CODE_HEADER, createErrorInterceptor, sendConnectError, type ConnectLogger } from './connect-error.js';

/**
 * A node:http request handler for one group of Connect services. Resolves `true` once it has
 * answered the request (its path belongs to one of its services) and the response is finished
 * or the connection closed, `false` without touching the request otherwise, so routes can be
 * tried in turn:
 * `if (await pushHandler(req, res)) return;`.
 */
export type ConnectUnaryHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options of {@link createConnectUnaryHandler}. */
export interface ConnectUnaryHandlerOptions {
  /** The services served; requests under `/<service type name>/` are answered, others declined. */
  readonly services: readonly DescService[];
  /** Registers the implementations (`router.service(Schema, impl)`). */
  readonly routes: (router: ConnectRouter) => void;
  /**
   * Largest request body in bytes, checked both as received and after decompression (gzip
   * bombs): a larger one is refused with resource_exhausted. Required: each service picks its own.
   */
  readonly maxRequestBytes: number;
  /** Optional pino-compatible logger: internal errors at `error`, rejected requests at `debug`. */
  readonly logger?: ConnectLogger;
  /**
   * Called for every error answer (protocol errors included) with its HTTP status and the kprof
   * error code when a kprof error caused it, e.g. to count rejections.
   */
  readonly onErrorResponse?: (status: number, kprofCode: string | undefined) => void;
}

/** Largest error body inspected by {@link reclassifyBinaryParseError}; Connect errors are small. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * `@connectrpc/connect` answers an undecodable binary request body with `internal` (500), while
 * connect-go (what Pyroscope runs) answers `invalid_argument`: the client sent bad bytes, and a
 * 500 would count against the server. Rewrites exactly that error, which the library marks
 * with the message prefix `parse binary:`.
 */
async function reclassifyBinaryParseError(uRes: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (uRes.status !== 500 || !uRes.body || uRes.header?.has('content-encoding')) return uRes;
  const bytes = await readAllBytes(uRes.body, MAX_ERROR_BODY_BYTES);
  let parsed: { code?: unknown; message?: unknown } | undefined;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as { code?: unknown; message?: unknown };
  } catch {
    parsed = undefined;
  }
  if (parsed?.code === 'internal' && typeof parsed.message === 'string' && parsed.message.startsWith('parse binary:')) {
    const body = new TextEncoder().encode(
      JSON.stringify({ code: 'invalid_argument', message: `request body is not a valid protobuf message (${parsed.message})` }),
    );
    const header = new Headers(uRes.header);
    header.set('content-length', String(body.byteLength));
    return { ...uRes, status: 400, header, body: createAsyncIterable([body]) };
  }
  return { ...uRes, body: createAsyncIterable([bytes]) };
}

/**
 * Builds a Connect unary handler from `@connectrpc/connect`'s router and connect-node's request
 * and response conversion, restricted to the Connect protocol (gRPC and gRPC-Web are off: kprof
 * serves what Pyroscope's clients and Grafana use). The library supplies the protocol: POST only
 * (405 otherwise; no GET because no method is marked side-effect free), `application/proto` and
 * `application/json` (415 for anything else), gzip/brotli request bodies, compressed responses
 * when the client accepts them, the codec's Content-Type on success, `Connect-Timeout-Ms`, and
 * `{code, message}` JSON errors with Connect's HTTP status mapping. An unknown method of a
 * served service answers 404 (which Connect clients read as unimplemented).
 */
export function createConnectUnaryHandler(options: ConnectUnaryHandlerOptions): ConnectUnaryHandler {
  if (!Number.isSafeInteger(options.maxRequestBytes) || options.maxRequestBytes <= 0) {
    throw new RangeError(`maxRequestBytes must be a positive integer, got ${options.maxRequestBytes}`);
  }
  const { logger } = options;
  const router = createConnectRouter({
    grpc: false,
    grpcWeb: false,
    connect: true,
    readMaxBytes: options.maxRequestBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
    interceptors: [createErrorInterceptor(logger)],
  });
  options.routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  const prefixes = options.services.map((s) => `/${s.typeName}/`);

  return async (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (!prefixes.some((p) => path.startsWith(p))) return false;
    const handler = handlers.get(path);
    if (!handler) {
      sendConnectError(res, new NotFoundError('KPROF_NOT_FOUND', `no procedure ${path}`), logger);
      return true;
    }
    try {
      const uRes = await reclassifyBinaryParseError(await handler(universalRequestFromNodeRequest(req, res, undefined, undefined)));
      if (uRes.status >= 400) options.onErrorResponse?.(uRes.status, uRes.header?.get(KPROF_ERROR_CODE_HEADER) ?? undefined);
      // connect-node 2.1.2 waits for an `end` event that an HTTP/1.1 ServerResponse never
      // emits, so its promise would stay pending after the answer went out; `close` (emitted
      // once the response finished or the connection dropped) settles the request instead.
      const closed = new Promise<void>((resolve) => res.once('close', resolve));
      await Promise.race([universalResponseToNodeResponse(uRes, res), closed]);
    } catch (err) {
      // Reached only when the exchange itself broke (client went away mid-body, socket error):
      // handler errors are already Connect error responses.
      if (ConnectError.from(err).code !== Code.Aborted) {
        logger?.error({ err, path }, 'connect response failed');
      }
      sendConnectError(res, err);
    }
    return true;
  };
}
