import type { AppInfo } from './api.js';
import { groupApps, groupLastSeen, splitSeriesName } from './app-groups.js';
import { h } from './dom.js';
import { absoluteUtc, relativeTime } from './relative-time.js';

function lastSeenLine(ms: number | undefined, nowMs: number): HTMLElement | null {
  if (ms === undefined) return null;
  return h('p', { class: 'last-seen' }, 'Last profile ',
    h('time', { datetime: new Date(ms).toISOString(), title: absoluteUtc(ms), text: relativeTime(ms, nowMs) }));
}

/**
 * The app list: a search box and one entry per app with a link per profile type and when its
 * newest profile arrived (relative, absolute UTC in the title). `hrefFor` builds the link for a
 * series name so the URL carries the view; `nowMs` defaults to the page's clock.
 */
export function appList(apps: AppInfo[], initialFilter: string, hrefFor: (series: string) => string, nowMs = Date.now()): HTMLElement {
  const groups = groupApps(apps);
  const input = h('input', { type: 'search', id: 'app-search', placeholder: 'Filter apps', value: initialFilter, autocomplete: 'off' });
  const list = h('ul', { class: 'app-list', 'aria-label': 'Applications' });
  const count = h('p', { role: 'status', class: 'app-count' });
  const render = (): void => {
    const f = input.value.trim().toLowerCase();
    const shown = groups.filter((g) => g.app.toLowerCase().includes(f) || g.series.some((s) => s.name.toLowerCase().includes(f)));
    list.replaceChildren(...shown.map((g) => h('li', { class: 'app' },
      h('h3', { text: g.app }),
      lastSeenLine(groupLastSeen(g), nowMs),
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
