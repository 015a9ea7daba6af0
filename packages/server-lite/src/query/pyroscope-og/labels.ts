import { ValidationError } from '../../errors.js';
import { parseTimeRange } from '../../syntax/pyroscope-time.js';
import type { ProfileStore } from '../../store/profile-store.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { selectForLabels } from './series-selector.js';
import { TENANT_LABEL, seriesOfTenant } from '../../model/tenant.js';

/** `GET /labels`: sorted label names of the matching series (of `tenant`, when given), `__name__` included. */
export function labelNames(store: ProfileStore, params: URLSearchParams, nowMs: number, tenant?: string): string[] {
  const names = new Set<string>();
  const series = seriesInRange(store, params, nowMs, tenant);
  if (series.length > 0) names.add('__name__');
  for (const s of series) {
    // Internal labels (push.v1's `__profile_type__`) are not OG labels.
    for (const k of Object.keys(s.labels)) if (!k.startsWith('__')) names.add(k);
  }
  return [...names].sort();
}

/**
 * `GET /label-values?label=…`: sorted values (of `tenant`'s series, when given); `label=__name__`
 * lists application names. The reserved `__tenant__` label has no values to show.
 */
export function labelValues(store: ProfileStore, params: URLSearchParams, nowMs: number, tenant?: string): string[] {
  const label = params.get('label');
  if (label === null || label === '') throw new ValidationError('KPROF_QUERY_MISSING_LABEL', 'label is required, e.g. /label-values?label=__name__');
  const values = new Set<string>();
  if (label === TENANT_LABEL) return [];
  for (const s of seriesInRange(store, params, nowMs, tenant)) {
    const v = label === '__name__' ? s.name : s.labels[label];
    if (v !== undefined) values.add(v);
  }
  return [...values].sort();
}

/**
 * Series matching `query` that have a profile in `from`..`until` (Pyroscope time syntax; until
 * defaults to now, from to an hour before until). Without either parameter every matching series
 * counts, whenever its data is. The range is not size-bounded: only the series index is read.
 */
function seriesInRange(store: ProfileStore, params: URLSearchParams, nowMs: number, tenant: string | undefined): StoredSeries[] {
  const series = selectForLabels(store, params.get('query'), tenant);
  const from = params.get('from');
  const until = params.get('until');
  if (from === null && until === null) return series;
  const { fromMs, untilMs } = parseTimeRange(from ?? undefined, until ?? undefined, nowMs, { maxRangeMs: Number.MAX_SAFE_INTEGER });
  return series.filter((s) => store.hasProfilesBetween(s.id, fromMs, untilMs));
}

/** One `/api/apps` entry. */
export interface AppInfo {
  readonly name: string;
  readonly spyName?: string;
  readonly sampleRate?: number;
  readonly units?: string;
  /** End time (unix ms) of the newest stored profile of any series with this name; absent when none is stored. */
  readonly lastSeen?: number;
}

/**
 * `GET /api/apps`: one entry per application name (`__name__`), metadata from its first series,
 * `lastSeen` from the newest profile across its series (profiles still in the write batch are not counted).
 * Only `tenant`'s series when it is given.
 */
export function listApps(store: ProfileStore, tenant?: string): AppInfo[] {
  const apps = new Map<string, AppInfo>();
  for (const s of seriesOfTenant(store.series(), tenant)) {
    const seen = store.lastProfileEndMs(s.id);
    const app = apps.get(s.name) ?? { name: s.name, spyName: s.meta.spyName, sampleRate: s.meta.sampleRate, units: s.meta.units };
    const lastSeen = seen === undefined || (app.lastSeen !== undefined && app.lastSeen >= seen) ? app.lastSeen : seen;
    apps.set(s.name, lastSeen === undefined ? app : { ...app, lastSeen });
  }
  return [...apps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
