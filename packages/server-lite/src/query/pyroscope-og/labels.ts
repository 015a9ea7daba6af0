import { ValidationError } from '../../errors.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { TENANT_LABEL } from '../../model/tenant.js';
import { parseTimeRange } from '../../syntax/pyroscope-time.js';
import type { QueryEngine } from '../engine/query-engine.js';
import { parseOgLabelQuery } from './og-selector.js';

/**
 * Pyroscope OG's `GET /labels`: label names of the series matching `query` (optional), with a
 * profile in `from`/`until` when either is given. `__name__` when any series matches; internal
 * `__…` labels never.
 */
export function labelNames(engine: QueryEngine, params: URLSearchParams, nowMs: number): string[] {
  const names = new Set<string>();
  const series = seriesInRange(engine, params, nowMs);
  if (series.length > 0) names.add('__name__');
  for (const s of series) {
    // Internal labels (push.v1's `__profile_type__`) are not OG labels.
    for (const k of Object.keys(s.labels)) if (!k.startsWith('__')) names.add(k);
  }
  return [...names].sort();
}

/** Pyroscope OG's `GET /label-values?label=`: values of one label (`__name__`: series names) over the same series. */
export function labelValues(engine: QueryEngine, params: URLSearchParams, nowMs: number): string[] {
  const label = params.get('label');
  if (label === null || label === '') throw new ValidationError('KPROF_QUERY_MISSING_LABEL', 'label is required, e.g. /label-values?label=__name__');
  const values = new Set<string>();
  if (label === TENANT_LABEL) return [];
  for (const s of seriesInRange(engine, params, nowMs)) {
    const v = label === '__name__' ? s.name : s.labels[label];
    if (v !== undefined) values.add(v);
  }
  return [...values].sort();
}

function seriesInRange(engine: QueryEngine, params: URLSearchParams, nowMs: number): StoredSeries[] {
  const filter = parseOgLabelQuery(params.get('query'));
  const from = params.get('from');
  const until = params.get('until');
  if (from === null && until === null) return engine.series(filter);
  const { fromMs, untilMs } = parseTimeRange(from ?? undefined, until ?? undefined, nowMs, { maxRangeMs: Number.MAX_SAFE_INTEGER });
  return engine.seriesWithData({ fromMs, untilMs }, filter);
}

/** One application of `/api/apps`. */
export interface AppInfo {
  readonly name: string;
  readonly spyName?: string;
  readonly sampleRate?: number;
  readonly units?: string;
  /** End of the app's newest stored profile, unix ms. */
  readonly lastSeen?: number;
}

/** `GET /api/apps`: one entry per series name with its metadata and when it was last seen. */
export function listApps(engine: QueryEngine): AppInfo[] {
  const apps = new Map<string, AppInfo>();
  for (const s of engine.series()) {
    const seen = engine.lastSeen(s);
    const app = apps.get(s.name) ?? { name: s.name, spyName: s.meta.spyName, sampleRate: s.meta.sampleRate, units: s.meta.units };
    const lastSeen = seen === undefined || (app.lastSeen !== undefined && app.lastSeen >= seen) ? app.lastSeen : seen;
    apps.set(s.name, lastSeen === undefined ? app : { ...app, lastSeen });
  }
  return [...apps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
