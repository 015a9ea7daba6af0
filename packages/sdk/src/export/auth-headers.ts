import { hasControlChars } from '../config/value-checks.js';
import { ConfigError } from '../errors.js';

/** Credentials for the push endpoint. Empty strings count as "not set". */
export interface PushAuth {
  /** Sent as `Authorization: Bearer <token>`; wins over `basicAuth` (as in `@pyroscope/nodejs`). */
  authToken?: string | undefined;
  /** Sent as `Authorization: Basic base64(user:password)` when there is no `authToken`. */
  basicAuth?: { user: string; password: string } | undefined;
  /** Sent as `X-Scope-OrgID` (Grafana Pyroscope / Grafana Cloud tenant). */
  tenantId?: string | undefined;
}

/** What {@link describeAuth} puts in logs instead of secrets. */
export interface AuthSummary {
  auth: 'bearer' | 'basic' | 'none';
  tenant: boolean;
}

/**
 * Builds the auth headers once, at construction, so a bad credential is a `ConfigError` at `start()` rather than a
 * failed upload every interval. Error messages name the option, never its value.
 */
export function buildAuthHeaders(auth: PushAuth): Record<string, string> {
  const headers: Record<string, string> = {};
  if (auth.authToken) {
    assertHeaderSafe(auth.authToken, 'authToken');
    headers['authorization'] = `Bearer ${auth.authToken}`;
  } else if (auth.basicAuth && (auth.basicAuth.user || auth.basicAuth.password)) {
    const { user, password } = auth.basicAuth;
    // RFC 7617: the user-id cannot contain ':' because the first ':' separates it from the password.
    if (user.includes(':')) {
      throw new ConfigError(
        'KPROF_EXPORT_INVALID_AUTH',
        "basicAuth.user contains ':', which basic auth cannot carry; use a user name without ':' or authToken",
      );
    }
    assertHeaderSafe(user, 'basicAuth.user');
    assertHeaderSafe(password, 'basicAuth.password');
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  if (auth.tenantId) {
    assertHeaderSafe(auth.tenantId, 'tenantId');
    headers['x-scope-orgid'] = auth.tenantId;
  }
  return headers;
}

/** A log-safe summary of which credentials are configured. */
export function describeAuth(auth: PushAuth): AuthSummary {
  const hasBasic = Boolean(auth.basicAuth && (auth.basicAuth.user || auth.basicAuth.password));
  return {
    auth: auth.authToken ? 'bearer' : hasBasic ? 'basic' : 'none',
    tenant: Boolean(auth.tenantId),
  };
}

function assertHeaderSafe(value: string, option: string): void {
  // Control characters would let a value end the header line (request smuggling) and undici refuses them anyway.
  if (typeof value !== 'string' || hasControlChars(value)) {
    throw new ConfigError(
      'KPROF_EXPORT_INVALID_AUTH',
      `${option} must be a string without control characters (CR, LF, NUL, …); fix the ${option} option`,
    );
  }
}
