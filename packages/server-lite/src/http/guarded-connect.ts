import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthSettings } from '../config/resolve-config.js';
import { checkBearer } from './bearer-auth.js';
import { type ConnectLogger, sendConnectError } from './connect-error.js';
import type { ConnectUnaryHandler } from './connect-unary.js';
import { tenantOf } from './tenant-header.js';

/** Options of {@link guardedConnect}. */
export interface GuardedConnectOptions {
  /** The service's path prefix, `/<package>.<Service>/`; other paths are declined at once. */
  readonly prefix: string;
  /** Which bearer tokens admit a caller (`auth.ingest-tokens` or `auth.query-tokens`). */
  readonly side: 'ingest' | 'query';
  readonly auth: AuthSettings;
  /** The service handler for a tenant (undefined: multi-tenancy off). */
  readonly handlerFor: (tenant: string | undefined) => ConnectUnaryHandler;
  readonly logger: ConnectLogger;
  /** Called per request with its path; the function it returns when the request is over (metrics). */
  readonly onRequest?: (path: string) => () => void;
  /** A request refused before the service ran (bad token, tenant), with its error. */
  readonly onRefused?: (err: unknown) => void;
}

/**
 * A Connect service behind server-lite's request checks: bearer auth for its side (refused as
 * Connect `unauthenticated`) and, with `auth.multi-tenant` on, the `X-Scope-OrgID` tenant
 * (`unauthenticated` without it, `invalid_argument` when invalid), which binds the handler to
 * that tenant for this request.
 */
export function guardedConnect(opts: GuardedConnectOptions): ConnectUnaryHandler {
  const tokens = opts.side === 'ingest' ? opts.auth.ingestTokens : opts.auth.queryTokens;
  const shared = opts.handlerFor(undefined);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (!path.startsWith(opts.prefix)) return false;
    const end = opts.onRequest?.(path);
    try {
      let handler = shared;
      try {
        checkBearer(req, tokens, opts.side);
        if (opts.auth.multiTenant) handler = opts.handlerFor(tenantOf(req, opts.auth));
      } catch (err) {
        sendConnectError(res, err, opts.logger);
        opts.onRefused?.(err);
        return true;
      }
      return await handler(req, res);
    } finally {
      end?.();
    }
  };
}
