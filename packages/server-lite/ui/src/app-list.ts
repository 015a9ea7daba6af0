import type { AppInfo } from './api.js';
import { h } from './dom.js';

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

/**
 * The app list: a search box and one entry per app with a link per profile type.
 * `hrefFor` builds the link for a series name so the URL carries the view.
 */
export function appList(apps: AppInfo[], initialFilter: string, hrefFor: (series: string) => string): HTMLElement {
  const groups = groupApps(apps);
  const input = h('input', { type: 'search', id: 'app-search', placeholder: 'Filter apps', value: initialFilter, autocomplete: 'off' });
  const list = h('ul', { class: 'app-list', 'aria-label': 'Applications' });
  const count = h('p', { role: 'status', class: 'app-count' });
  const render = (): void => {
    const f = input.value.trim().toLowerCase();
    const shown = groups.filter((g) => g.app.toLowerCase().includes(f) || g.series.some((s) => s.name.toLowerCase().includes(f)));
    list.replaceChildren(...shown.map((g) => h('li', { class: 'app' },
      h('h3', { text: g.app }),
      h('ul', { class: 'types', 'aria-label': `${g.app} profile types` }, ...g.series.map((s) => h('li', {},
        h('a', { href: hrefFor(s.name), 'data-series': s.name }, splitSeriesName(s.name).type),
        h('span', { class: 'meta', text: [s.units, s.spyName].filter(Boolean).join(' · ') }),
      ))),
    )));
    count.textContent = `${shown.length} of ${groups.length} app${groups.length === 1 ? '' : 's'}`;
  };
  input.addEventListener('input', render);
  render();
  return h('section', { class: 'apps', 'aria-label': 'Applications' },
    h('label', { for: 'app-search', text: 'Search applications' }), input, count, list);
}
