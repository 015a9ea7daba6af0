import type { SlotCounts } from '../scrape/scrape-status.js';
import type { TargetsSnapshot } from '../scrape/scrape-manager.js';

/** One active target in Prometheus' `/api/v1/targets` shape. */
export interface ActiveTargetJson {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  /** Empty after a successful scrape. */
  lastError: string;
  /** RFC 3339; Prometheus' zero time before the first scrape. */
  lastScrape: string;
  /** Seconds. */
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
  /**
   * kprof's addition: the target's slots since its loop started, by outcome — on time (request
   * sent within 10 % of the interval after the slot), late, or missed (by reason).
   */
  slots: SlotCounts;
  /** kprof's addition: scraped profiles the store did not take (after one retry of a transient error). */
  droppedProfiles: number;
}

/** A dropped target: its discovered labels and why it is not scraped. */
export interface DroppedTargetJson {
  discoveredLabels: Record<string, string>;
  scrapePool: string;
  reason: string;
}

/** `GET /api/v1/targets` body. */
export interface TargetsResponse {
  status: 'success';
  data: { activeTargets: ActiveTargetJson[]; droppedTargets: DroppedTargetJson[] };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Prometheus' `/api/v1/targets` answer for pull mode. `state=active|dropped|any` (default any)
 * filters as Prometheus does. Active targets are one per profile of a target, so `labels` also
 * carry `__profile_name__`/`__profile_path__` and the other `__` labels left after relabeling.
 */
export function targetsJson(snapshot: TargetsSnapshot | undefined, params: URLSearchParams): TargetsResponse {
  const state = (params.get('state') ?? 'any').toLowerCase();
  const active = state === 'dropped' || snapshot === undefined ? [] : snapshot.active;
  const dropped = state === 'active' || snapshot === undefined ? [] : snapshot.dropped;
  return {
    status: 'success',
    data: {
      activeTargets: active.map(({ target, scrapeUrl, status }) => ({
        discoveredLabels: { ...target.discoveredLabels },
        labels: { ...target.targetLabels },
        scrapePool: target.job,
        scrapeUrl,
        lastError: status.lastError,
        lastScrape: status.lastScrapeMs === undefined ? ZERO_TIME : new Date(status.lastScrapeMs).toISOString(),
        lastScrapeDuration: status.lastDurationMs === undefined ? 0 : status.lastDurationMs / 1000,
        health: status.health,
        scrapeInterval: target.targetLabels.__scrape_interval__ ?? `${target.intervalMs / 1000}s`,
        scrapeTimeout: target.targetLabels.__scrape_timeout__ ?? `${target.timeoutMs / 1000}s`,
        slots: { ...status.slots, missedByReason: { ...status.slots.missedByReason } },
        droppedProfiles: status.droppedProfiles,
      })),
      droppedTargets: dropped.map((d) => ({ discoveredLabels: { ...d.discoveredLabels }, scrapePool: d.job, reason: d.reason })),
    },
  };
}

/** `GET /targets`: a small server-rendered page of the same data, every value HTML-escaped. */
export function targetsHtml(snapshot: TargetsSnapshot | undefined): string {
  const { activeTargets, droppedTargets } = targetsJson(snapshot, new URLSearchParams()).data;
  const labelList = (labels: Record<string, string>): string =>
    `<ul class="labels">${Object.entries(labels)
      .map(([k, v]) => `<li>${escapeHtml(k)}="${escapeHtml(v)}"</li>`)
      .join('')}</ul>`;
  const up = activeTargets.filter((t) => t.health === 'up').length;
  const active = activeTargets
    .map(
      (t) => `<tr class="health-${t.health}">
<td><a href="${escapeHtml(t.scrapeUrl)}">${escapeHtml(t.scrapeUrl)}</a></td>
<td>${escapeHtml(t.scrapePool)}</td>
<td>${t.health}</td>
<td>${labelList(publicLabels(t.labels))}</td>
<td>${t.lastScrape === ZERO_TIME ? 'never' : escapeHtml(t.lastScrape)}</td>
<td>${t.lastScrape === ZERO_TIME ? '' : `${t.lastScrapeDuration.toFixed(3)} s`}</td>
<td>${t.slots.onTime} / ${t.slots.late} / ${t.slots.missed}${missedReasons(t.slots)}</td>
<td>${t.droppedProfiles}</td>
<td class="error">${escapeHtml(t.lastError)}</td>
<td><details><summary>discovered</summary>${labelList(t.discoveredLabels)}</details></td>
</tr>`,
    )
    .join('\n');
  const dropped = droppedTargets
    .map((d) => `<tr><td>${escapeHtml(d.scrapePool)}</td><td>${escapeHtml(d.reason)}</td><td>${labelList(d.discoveredLabels)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kprof targets</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%;margin-bottom:2em}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}ul.labels{margin:0;padding-left:1.2em}
tr.health-up td:nth-child(3){color:#176f2c;font-weight:bold}tr.health-down td:nth-child(3){color:#b00020;font-weight:bold}td.error{color:#b00020}
</style></head><body>
<h1>Scrape targets</h1>
<p>${activeTargets.length} active (${up} up), ${droppedTargets.length} dropped. JSON: <a href="api/v1/targets">/api/v1/targets</a>.</p>
<table><caption>Active targets</caption>
<thead><tr><th>Endpoint</th><th>Job</th><th>Health</th><th>Labels</th><th>Last scrape</th><th>Duration</th><th title="since the target's loop started">Slots on time / late / missed</th><th>Profiles dropped</th><th>Error</th><th>Discovered labels</th></tr></thead>
<tbody>
${active}
</tbody></table>
<table><caption>Dropped targets</caption>
<thead><tr><th>Job</th><th>Reason</th><th>Discovered labels</th></tr></thead>
<tbody>
${dropped}
</tbody></table>
</body></html>
`;
}

function missedReasons(slots: SlotCounts): string {
  const reasons = Object.entries(slots.missedByReason).filter(([, n]) => n > 0);
  return reasons.length === 0 ? '' : ` (${reasons.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}

function publicLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k === '__name__' || !k.startsWith('__')));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
