import type { IngestProfile } from './ingest-profile.js';
import type { StoredSeries } from './stored-series.js';

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
