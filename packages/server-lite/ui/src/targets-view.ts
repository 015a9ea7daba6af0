import { type TargetInfo, fetchTargets } from './api.js';
import { h, showMessage } from './dom.js';
import { absoluteUtc, relativeTime } from './relative-time.js';

// Prometheus' zero time: what /api/v1/targets reports before a target's first scrape.
const NEVER = '0001-01-01T00:00:00Z';

/** Labels shown for a target: the public ones (Prometheus hides `__`-prefixed labels too). */
export function publicLabels(labels: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(labels ?? {}).filter(([k]) => !k.startsWith('__')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function lastScrapeCell(t: TargetInfo, nowMs: number): HTMLElement {
  const ms = t.lastScrape === undefined || t.lastScrape === NEVER ? Number.NaN : Date.parse(t.lastScrape);
  if (Number.isNaN(ms)) return h('td', { text: t.lastScrape && t.lastScrape !== NEVER ? t.lastScrape : 'never' });
  const took = typeof t.lastScrapeDuration === 'number' && t.lastScrapeDuration > 0 ? ` (took ${t.lastScrapeDuration.toFixed(2)} s)` : '';
  return h('td', {}, h('time', { datetime: new Date(ms).toISOString(), title: absoluteUtc(ms), text: relativeTime(ms, nowMs) }), took);
}

/**
 * Pull-mode targets (`/api/v1/targets` active targets, one per profile of a target): endpoint,
 * application (`__name__`), profile, job, health, last scrape (relative, absolute UTC title, how
 * long it took), last error and public labels; explains when pull mode is off.
 */
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
  const nowMs = Date.now();
  const rows = targets.map((t) => h('tr', {},
    h('th', { scope: 'row', text: t.scrapeUrl ?? '' }),
    h('td', { text: t.labels?.['__name__'] ?? '' }),
    h('td', { text: t.labels?.['__profile_name__'] ?? '' }),
    h('td', { text: t.scrapePool ?? '' }),
    h('td', { class: `health health-${t.health ?? 'unknown'}`, text: t.health ?? 'unknown' }),
    lastScrapeCell(t, nowMs),
    h('td', { class: 'error-cell', text: t.lastError ?? '' }),
    h('td', {}, h('ul', { class: 'labels' }, ...publicLabels(t.labels).map(([k, v]) => h('li', { text: `${k}=${v}` })))),
  ));
  const up = targets.filter((t) => t.health === 'up').length;
  host.replaceChildren(h('table', { class: 'targets' },
    h('caption', { text: `${targets.length} scrape target${targets.length === 1 ? '' : 's'}, ${up} up` }),
    h('thead', {}, h('tr', {}, ...['Endpoint', 'Application', 'Profile', 'Job', 'Health', 'Last scrape', 'Last error', 'Labels']
      .map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...rows)));
  host.setAttribute('aria-busy', 'false');
}
