import { fetchTargets } from './api.js';
import { h, showMessage } from './dom.js';

/** Pull-mode targets: health, last scrape, last error and labels; explains when pull mode is off. */
export async function renderTargets(host: HTMLElement, signal: AbortSignal): Promise<void> {
  showMessage(host, 'loading', 'Loading targets…');
  let targets;
  try {
    targets = await fetchTargets(signal);
  } catch (err) {
    if (signal.aborted) return;
    showMessage(host, 'error', `Could not load targets: ${(err as Error).message}`);
    return;
  }
  if (targets === null) {
    showMessage(host, 'empty', 'This server has no pull-mode targets API (/api/v1/targets answered 404). Configure scrape-configs to scrape targets.');
    return;
  }
  if (targets.length === 0) {
    showMessage(host, 'empty', 'No scrape targets are configured.');
    return;
  }
  const rows = targets.map((t) => h('tr', {},
    h('th', { scope: 'row', text: t.scrapeUrl ?? '' }),
    h('td', { text: t.scrapePool ?? '' }),
    h('td', { class: `health health-${t.health ?? 'unknown'}`, text: t.health ?? 'unknown' }),
    h('td', { text: t.lastScrape ?? '' }),
    h('td', { class: 'error-cell', text: t.lastError ?? '' }),
    h('td', {}, h('ul', { class: 'labels' }, ...Object.entries(t.labels ?? {}).map(([k, v]) => h('li', { text: `${k}=${v}` })))),
  ));
  host.replaceChildren(h('table', { class: 'targets' },
    h('caption', { text: `${targets.length} scrape target${targets.length === 1 ? '' : 's'}` }),
    h('thead', {}, h('tr', {}, ...['Endpoint', 'Job', 'Health', 'Last scrape', 'Last error', 'Labels'].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...rows)));
  host.setAttribute('aria-busy', 'false');
}
