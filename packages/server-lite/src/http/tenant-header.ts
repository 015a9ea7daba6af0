import type { IncomingMessage } from 'node:http';
import type { AuthSettings } from '../config/resolve-config.js';
import { UnauthorizedError, ValidationError } from '../errors.js';
import { MAX_TENANT_ID_LENGTH, isValidTenantId } from '../model/tenant.js';

/** The request header naming the tenant (Grafana Pyroscope / Cortex multi-tenancy), lower-cased as Node keys it. */
export const TENANT_HEADER = 'x-scope-orgid';

/**
 * The tenant a request acts for: `undefined` when `auth.multi-tenant` is off (the header is then
 * ignored), else its `X-Scope-OrgID`. Throws `UnauthorizedError` `KPROF_TENANT_MISSING` (401)
 * without the header, `ValidationError` `KPROF_TENANT_INVALID` (400) for an invalid ID (a repeated
 * header arrives joined with `, ` and is invalid too).
 */
export function tenantOf(req: IncomingMessage, auth: Pick<AuthSettings, 'multiTenant'>): string | undefined {
  if (!auth.multiTenant) return undefined;
  const raw = req.headers[TENANT_HEADER];
  const id = Array.isArray(raw) ? raw.join(', ') : raw;
  if (id === undefined || id === '') {
    throw new UnauthorizedError('KPROF_TENANT_MISSING', 'auth.multi-tenant is on: send the tenant ID in the X-Scope-OrgID header');
  }
  if (!isValidTenantId(id)) {
    const shown = id.length > 40 ? `${JSON.stringify(id.slice(0, 40))}… (${id.length} characters)` : JSON.stringify(id);
    throw new ValidationError(
      'KPROF_TENANT_INVALID',
      `X-Scope-OrgID ${shown} is not a valid tenant ID: use 1–${MAX_TENANT_ID_LENGTH} characters of A-Z a-z 0-9 ! - _ . * ' ( ), not "." or ".."`,
    );
  }
  return id;
}
