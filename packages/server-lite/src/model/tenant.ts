import type { IncomingMessage } from 'node:http';
import type { AuthSettings } from '../config/resolve-config.js';
import { UnauthorizedError, ValidationError } from '../errors.js';
import type { IngestProfile } from './ingest-profile.js';
import type { StoredSeries } from '../store/profile-store.js';

/** The request header naming the tenant (Grafana Pyroscope / Cortex multi-tenancy), lower-cased as Node keys it. */
export const TENANT_HEADER = 'x-scope-orgid';

/**
 * Reserved series label holding the tenant of a series stored while `auth.multi-tenant` is on.
 * Never shown by any API and never taken from a client.
 */
export const TENANT_LABEL = '__tenant__';

/** Longest tenant ID, as Cortex and Grafana Pyroscope allow. */
export const MAX_TENANT_ID_LENGTH = 150;

const TENANT_ID = /^[A-Za-z0-9!\-_.*'()]+$/;

/** True for a valid tenant ID: 1–150 of `[A-Za-z0-9!-_.*'()]`, and neither `.` nor `..` (Cortex rules). */
export function isValidTenantId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_TENANT_ID_LENGTH && TENANT_ID.test(id) && id !== '.' && id !== '..';
}

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

/** The series a tenant may see: all of them when `tenant` is undefined (multi-tenant off), else those labelled with it. */
export function seriesOfTenant(series: StoredSeries[], tenant: string | undefined): StoredSeries[] {
  if (tenant === undefined) return series;
  return series.filter((s) => s.labels[TENANT_LABEL] === tenant);
}

/**
 * A profile's series relabelled for `tenant`: any client-sent {@link TENANT_LABEL} is dropped
 * (so no client picks its tenant by label), and the tenant's is set when `tenant` is defined.
 * Returns `profile` itself when nothing changes, so single-tenant storage stays as before.
 */
export function scopeProfile(profile: IngestProfile, tenant: string | undefined): IngestProfile {
  if (tenant === undefined && !profile.series.some((s) => TENANT_LABEL in s.series.labels)) return profile;
  return {
    ...profile,
    series: profile.series.map((s) => {
      const { [TENANT_LABEL]: _dropped, ...labels } = s.series.labels;
      return { ...s, series: { ...s.series, labels: tenant === undefined ? labels : { ...labels, [TENANT_LABEL]: tenant } } };
    }),
  };
}
