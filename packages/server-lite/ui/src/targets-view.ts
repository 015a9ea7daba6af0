import { type DroppedTargetInfo, type TargetInfo, fetchTargets, isUnauthorized } from './api.js';
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
 * long it took), last error and public labels; then the dropped targets with the reason; explains
 * when pull mode is off.
 */
export async function renderTargets(host: HTMLElement, signal: AbortSignal): Promise<void> {
  showMessage(host, 'loading', 'Loading targets…');
  let targets;
  try {
    targets = await fetchTargets(signal);
  } catch (err) {
    if (signal.aborted) return;
    if (isUnauthorized(err)) throw err; // the caller shows the sign-in prompt
    showMessage(host, 'error', `Could not load targets: ${(err as Error).message}`);
    return;
  }
  if (targets === null) {
    showMessage(host, 'empty', 'This server has no pull-mode targets API (/api/v1/targets answered 404). Configure scrape-configs to scrape targets.');
    return;
  }
  const { active, dropped } = targets;
  if (active.length === 0 && dropped.length === 0) {
    showMessage(host, 'empty', 'No scrape targets are configured.');
    return;
  }
  const nowMs = Date.now();
  const rows = active.map((t) => h('tr', {},
    h('th', { scope: 'row', text: t.scrapeUrl ?? '' }),
    h('td', { text: t.labels?.['__name__'] ?? '' }),
    h('td', { text: t.labels?.['__profile_name__'] ?? '' }),
    h('td', { text: t.scrapePool ?? '' }),
    h('td', { class: `health health-${t.health ?? 'unknown'}`, text: t.health ?? 'unknown' }),
    lastScrapeCell(t, nowMs),
    h('td', { class: 'error-cell', text: t.lastError ?? '' }),
    h('td', {}, labelList(publicLabels(t.labels))),
  ));
  const up = active.filter((t) => t.health === 'up').length;
  const tables: HTMLElement[] = [h('table', { class: 'targets' },
    h('caption', { text: `${active.length} scrape target${active.length === 1 ? '' : 's'}, ${up} up` }),
    h('thead', {}, h('tr', {}, ...['Endpoint', 'Application', 'Profile', 'Job', 'Health', 'Last scrape', 'Last error', 'Labels']
      .map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...rows))];
  if (dropped.length > 0) tables.push(droppedTable(dropped));
  host.replaceChildren(...tables);
  host.setAttribute('aria-busy', 'false');
}

function labelList(labels: Array<[string, string]>): HTMLElement {
  return h('ul', { class: 'labels' }, ...labels.map(([k, v]) => h('li', { text: `${k}=${v}` })));
}

/** Discovered targets that are not scraped: address, job, reason and every discovered label (meta ones explain why). */
function droppedTable(dropped: DroppedTargetInfo[]): HTMLElement {
  const sorted = (labels: Record<string, string> | undefined): Array<[string, string]> =>
    Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return h('table', { class: 'targets dropped' },
    h('caption', { text: `${dropped.length} dropped target${dropped.length === 1 ? '' : 's'} (discovered, not scraped)` }),
    h('thead', {}, h('tr', {}, ...['Address', 'Job', 'Reason', 'Discovered labels'].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...dropped.map((d) => h('tr', {},
      h('th', { scope: 'row', text: d.discoveredLabels?.['__address__'] ?? '' }),
      h('td', { text: d.scrapePool ?? '' }),
      h('td', { text: d.reason ?? '' }),
      h('td', {}, h('details', {}, h('summary', { text: `${Object.keys(d.discoveredLabels ?? {}).length} labels` }),
        labelList(sorted(d.discoveredLabels))))))));
}
