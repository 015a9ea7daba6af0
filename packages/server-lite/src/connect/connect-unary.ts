import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createErrorInterceptor, type ConnectLogger } from './connect-error.js';

/**
 * A node:http request handler for one group of Connect services. Resolves `true` once it has
 * answered the request (its path belongs to one of its services), `false` without touching
 * the request otherwise, so routes can be tried in turn:
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
   * Largest request body in bytes, checked both as received and after gunzip (gzip bombs):
   * a larger one is refused with resource_exhausted. Required: each service picks its own.
   */
  readonly maxRequestBytes: number;
  /** Optional pino-compatible logger: internal errors at `error`, rejected requests at `debug`. */
  readonly logger?: ConnectLogger;
}

/**
 * Builds a Connect unary handler on `@connectrpc/connect-node`'s adapter, restricted to the
 * Connect protocol (gRPC and gRPC-Web are off: kprof speaks only what Pyroscope's clients and
 * Grafana use). The adapter supplies the protocol: POST only (405 otherwise; no GET because no
 * method is marked side-effect free), `application/proto` and `application/json` (415 for
 * anything else), gzip request bodies, gzip responses when the client accepts them, the codec's
 * Content-Type on success and `{code, message}` JSON errors with Connect's status mapping.
 */
export function createConnectUnaryHandler(options: ConnectUnaryHandlerOptions): ConnectUnaryHandler {
  if (!Number.isSafeInteger(options.maxRequestBytes) || options.maxRequestBytes <= 0) {
    throw new RangeError(`maxRequestBytes must be a positive integer, got ${options.maxRequestBytes}`);
  }
  const prefixes = options.services.map((s) => `/${s.typeName}/`);
  const adapter = connectNodeAdapter({
    routes: options.routes,
    grpc: false,
    grpcWeb: false,
    connect: true,
    readMaxBytes: options.maxRequestBytes,
    interceptors: [createErrorInterceptor(options.logger)],
  });
  return async (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (!prefixes.some((p) => path.startsWith(p))) return false;
    // The adapter answers asynchronously and returns nothing; 'close' fires once the response
    // is fully written or the connection went away, so the caller never races the adapter.
    const done = new Promise<void>((resolve) => res.once('close', resolve));
    adapter(req, res);
    await done;
    return true;
  };
}
