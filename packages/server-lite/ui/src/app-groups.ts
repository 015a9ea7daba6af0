import type { AppInfo } from './api.js';

/** Apps grouped by name: `myapp.cpu` and `myapp.inuse_space` → `myapp` with two profile types. */
export interface AppGroup {
  app: string;
  series: AppInfo[];
}

/** Splits a series name at its last dot into app and profile type (app names may contain dots). */
export function splitSeriesName(name: string): { app: string; type: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { app: name.slice(0, dot), type: name.slice(dot + 1) } : { app: name, type: name };
}

/** Groups `/api/apps` rows by app, both sorted by name. */
export function groupApps(apps: AppInfo[]): AppGroup[] {
  const groups = new Map<string, AppInfo[]>();
  for (const a of apps) {
    const { app } = splitSeriesName(a.name);
    const list = groups.get(app) ?? [];
    list.push(a);
    groups.set(app, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, series]) => ({ app, series: series.sort((x, y) => x.name.localeCompare(y.name)) }));
}

/** Newest `lastSeen` of a group's series, or undefined when the server sent none. */
export function groupLastSeen(group: AppGroup): number | undefined {
  let newest: number | undefined;
  for (const s of group.series) if (typeof s.lastSeen === 'number' && (newest === undefined || s.lastSeen > newest)) newest = s.lastSeen;
  return newest;
}
