import type { ScrapeConfig } from '../config/scrape-config.js';
import type { ProfileConfig } from '../config/scrape-profiles.js';
import { formatGoDuration, parseGoDuration } from '../syntax/go-duration.js';
import { needsDefaultPort } from './host-port.js';
import { isValidLabelName, type Labels } from '../config/relabel-rules.js';
import { relabel } from './relabel.js';
import type { TargetGroup } from './target-group.js';

/** One profile of one target to scrape. */
export interface ScrapeTarget {
  /** Identity for de-duplication and target health: URL + public labels. */
  readonly key: string;
  readonly job: string;
  /** Profile name from the config (`cpu`, `mem`, …). */
  readonly profileName: string;
  /** Full URL including query parameters (sorted, as Go's `url.Values.Encode`). */
  readonly url: string;
  /** Labels stored with the profiles: `__name__` (the application) and every label not starting with `__`. */
  readonly labels: Labels;
  /** All labels after relabeling and clean-up, including `__` ones and `__profile_name__`/`__profile_path__` (for target health pages). */
  readonly targetLabels: Labels;
  /** Labels as discovered, before relabeling. */
  readonly discoveredLabels: Labels;
  /** Pre-relabel `__spy_name__`, else `scrape`. */
  readonly spyName: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Compute deltas of cumulative sample types on the scraper side. */
  readonly delta: boolean;
  readonly profile: ProfileConfig;
}

/** A discovered target that will not be scraped, and why. */
export interface DroppedTarget {
  readonly job: string;
  readonly discoveredLabels: Labels;
  /** E.g. `dropped by relabeling`, `no __name__ (application name) after relabeling`. */
  readonly reason: string;
}

/** Result of {@link resolveTargetGroup}. */
export interface ResolvedTargets {
  readonly active: ScrapeTarget[];
  readonly dropped: DroppedTarget[];
}

const PROFILE_LABEL = /^__profile_(.+)_(enabled|path)$/;

/**
 * Pyroscope OG's target flow for one discovered group and its scrape config:
 * add `job`, `__scrape_interval__`, `__scrape_timeout__`, `__scheme__` (unless set) → relabel →
 * require `__address__` and `__name__` → default port (:80/:443) → per-profile
 * `__profile_<p>_enabled|_path|_param<k>` → drop `__meta_*`, `instance` = address → one
 * {@link ScrapeTarget} per enabled profile. Targets identical after relabeling (e.g. the ports
 * of one pod rewritten to the same address) collapse into one.
 */
export function resolveTargetGroup(group: TargetGroup, config: ScrapeConfig): ResolvedTargets {
  const active: ScrapeTarget[] = [];
  const dropped: DroppedTarget[] = [];
  const seen = new Set<string>();
  for (const target of group.targets) {
    const discovered = withScrapeLabels(group, target, config);
    const result = resolveTarget(discovered, config);
    if ('reason' in result) {
      dropped.push({ job: config.jobName, discoveredLabels: discovered, reason: result.reason });
      continue;
    }
    for (const t of result.targets) {
      if (seen.has(t.key)) continue;
      seen.add(t.key);
      active.push(t);
    }
  }
  return { active, dropped };
}

function withScrapeLabels(group: TargetGroup, target: Labels, config: ScrapeConfig): Labels {
  const lb = new Map<string, string>();
  for (const [k, v] of Object.entries(group.labels)) if (v !== '') lb.set(k, v);
  for (const [k, v] of Object.entries(target)) if (v !== '') lb.set(k, v);
  const defaults: [string, string][] = [
    ['job', config.jobName],
    ['__scrape_interval__', formatGoDuration(config.scrapeIntervalMs)],
    ['__scrape_timeout__', formatGoDuration(config.scrapeTimeoutMs)],
    ['__scheme__', config.scheme],
  ];
  for (const [k, v] of defaults) if (!lb.has(k)) lb.set(k, v);
  return sortedLabels(lb);
}

function resolveTarget(discovered: Labels, config: ScrapeConfig): { targets: ScrapeTarget[] } | { reason: string } {
  const relabeled = relabel(discovered, config.relabelRules);
  if (relabeled === null) return { reason: 'dropped by relabeling' };
  const lb = new Map(Object.entries(relabeled));

  let address = lb.get('__address__');
  if (address === undefined) return { reason: 'no __address__ after relabeling' };
  const app = lb.get('__name__');
  if (app === undefined) return { reason: 'no __name__ (application name) after relabeling' };

  const scheme = lb.get('__scheme__') ?? '';
  if (needsDefaultPort(address)) {
    if (scheme === 'http' || scheme === '') address += ':80';
    else if (scheme === 'https') address += ':443';
    else return { reason: `invalid scheme ${JSON.stringify(scheme)}; use http or https` };
    lb.set('__address__', address);
  }
  if (scheme !== 'http' && scheme !== 'https') return { reason: `invalid scheme ${JSON.stringify(scheme)}; use http or https` };
  if (address.includes('/') || !URL.canParse(`${scheme}://${address}/`)) return { reason: `${JSON.stringify(address)} is not a valid host:port` };

  const intervalText = lb.get('__scrape_interval__') ?? '';
  const intervalMs = parseGoDuration(intervalText);
  if (intervalMs === undefined || intervalMs === 0) return { reason: `invalid __scrape_interval__ ${JSON.stringify(intervalText)}` };
  const timeoutText = lb.get('__scrape_timeout__') ?? '';
  const timeoutMs = parseGoDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs === 0) return { reason: `invalid __scrape_timeout__ ${JSON.stringify(timeoutText)}` };

  // Per-profile overrides are read before the `__` clean-up; they never reach storage.
  const enabledOverride = new Map<string, boolean>();
  const pathOverride = new Map<string, string>();
  for (const [name, value] of lb) {
    const m = PROFILE_LABEL.exec(name);
    if (m === null) continue;
    const [, profileName = '', kind] = m;
    if (kind === 'path') {
      pathOverride.set(profileName, value);
      continue;
    }
    const enabled = parseGoBool(value);
    if (enabled === undefined) return { reason: `invalid ${name} ${JSON.stringify(value)}; use true or false` };
    enabledOverride.set(profileName, enabled);
  }

  for (const name of [...lb.keys()]) if (name.startsWith('__meta_')) lb.delete(name);
  if (!lb.has('instance')) lb.set('instance', address);
  // labelmap can produce names the store cannot keep (e.g. `$1` expanding to `0x`).
  const badName = [...lb.keys()].find((name) => !isValidLabelName(name));
  if (badName !== undefined) return { reason: `invalid label name ${JSON.stringify(badName)} after relabeling` };
  const targetLabels = sortedLabels(lb);
  const publicLabels = sortedLabels(new Map([...lb].filter(([k]) => k === '__name__' || !k.startsWith('__'))));
  const spyName = discoveredValue(discovered, '__spy_name__') ?? 'scrape';

  const targets: ScrapeTarget[] = [];
  for (const [profileName, profile] of Object.entries(config.profiles)) {
    const enabled = enabledOverride.get(profileName) ?? config.enabledProfiles.includes(profileName);
    if (!enabled) continue;
    const path = pathOverride.get(profileName) ?? profile.path;
    const params = profileParams(profileName, profile, lb, intervalMs);
    const url = `${scheme}://${address}${path.startsWith('/') ? path : `/${path}`}${encodeParams(params)}`;
    targets.push({
      key: `${url} ${JSON.stringify(publicLabels)}`,
      job: config.jobName,
      profileName,
      url,
      labels: publicLabels,
      targetLabels: { ...targetLabels, __profile_name__: profileName, __profile_path__: path },
      discoveredLabels: discovered,
      spyName,
      intervalMs,
      timeoutMs,
      delta: profile.delta,
      profile,
    });
  }
  return { targets };
}

function discoveredValue(labels: Labels, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
}

// `__profile_<p>_param<k>` sets query parameter `<k>` verbatim — Pyroscope OG keeps the
// underscore after `param`, so `…_param_seconds` sets `_seconds`, not `seconds`.
function profileParams(profileName: string, profile: ProfileConfig, lb: ReadonlyMap<string, string>, intervalMs: number): Map<string, string[]> {
  const params = new Map<string, string[]>(Object.entries(profile.params).map(([k, v]) => [k, [...v]]));
  const prefix = `__profile_${profileName}_param`;
  for (const [name, value] of lb) {
    if (name.startsWith(prefix) && name.length > prefix.length) params.set(name.slice(prefix.length), [value]);
  }
  if (profileName === 'cpu') {
    // The CPU profile must fit inside the interval, or scrapes would overlap.
    const intervalSeconds = Math.max(1, Math.floor(intervalMs / 1000));
    const seconds = Number(params.get('seconds')?.[0]);
    if (!Number.isInteger(seconds) || seconds <= 0 || seconds > intervalSeconds) params.set('seconds', [String(intervalSeconds)]);
  }
  return params;
}

function encodeParams(params: ReadonlyMap<string, readonly string[]>): string {
  const keys = [...params.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) for (const v of params.get(k) ?? []) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

// Go's url.QueryEscape: space → '+', unreserved bytes kept, everything else %XX.
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function sortedLabels(lb: ReadonlyMap<string, string>): Labels {
  return Object.fromEntries([...lb].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
