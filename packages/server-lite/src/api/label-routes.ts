import { ValidationError } from '../errors.js';
import type { ProfileStore } from '../store/profile-store.js';
import { selectForLabels } from './series-selector.js';

/** `GET /labels`: sorted label names of the matching series, `__name__` included. */
export function labelNames(store: ProfileStore, params: URLSearchParams): string[] {
  const names = new Set<string>();
  const series = selectForLabels(store, params.get('query'));
  if (series.length > 0) names.add('__name__');
  for (const s of series) for (const k of Object.keys(s.labels)) names.add(k);
  return [...names].sort();
}

/** `GET /label-values?label=…`: sorted values; `label=__name__` lists application names. */
export function labelValues(store: ProfileStore, params: URLSearchParams): string[] {
  const label = params.get('label');
  if (label === null || label === '') throw new ValidationError('KPROF_QUERY_MISSING_LABEL', 'label is required, e.g. /label-values?label=__name__');
  const values = new Set<string>();
  for (const s of selectForLabels(store, params.get('query'))) {
    const v = label === '__name__' ? s.name : s.labels[label];
    if (v !== undefined) values.add(v);
  }
  return [...values].sort();
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
 */
export function listApps(store: ProfileStore): AppInfo[] {
  const apps = new Map<string, AppInfo>();
  for (const s of store.series()) {
    const seen = store.lastProfileEndMs(s.id);
    const app = apps.get(s.name) ?? { name: s.name, spyName: s.meta.spyName, sampleRate: s.meta.sampleRate, units: s.meta.units };
    const lastSeen = seen === undefined || (app.lastSeen !== undefined && app.lastSeen >= seen) ? app.lastSeen : seen;
    apps.set(s.name, lastSeen === undefined ? app : { ...app, lastSeen });
  }
  return [...apps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
