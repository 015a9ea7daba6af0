// Reading server-lite's pull-mode state over HTTP: Prometheus-shaped /api/v1/targets, the apps
// list and /render flamegraph frame names.

import type { ActiveTargetJson, TargetsResponse } from '@kprof/server-lite';

export type { TargetsResponse };

/** One entry of `activeTargets` (Prometheus `GET /api/v1/targets`, plus kprof's slot counts). */
export type ActiveTarget = ActiveTargetJson;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export function getTargets(base: string): Promise<TargetsResponse> {
  return getJson<TargetsResponse>(`${base}/api/v1/targets`);
}

/** Active targets whose `kubernetes_pod_name` label (set by the seed's relabeling) is `pod`. */
export function targetsOfPod(t: TargetsResponse, pod: string): ActiveTarget[] {
  return t.data.activeTargets.filter((a) => a.labels.kubernetes_pod_name === pod);
}

/** The profile paths scraped for a pod, sorted (e.g. `/debug/pprof/heap`, `/debug/pprof/profile`). */
export function scrapedPaths(t: TargetsResponse, pod: string): string[] {
  return targetsOfPod(t, pod).map((a) => new URL(a.scrapeUrl).pathname).sort();
}

/** Application names (`<app>.<profile type>`) that have stored data. */
export function getAppNames(base: string): Promise<string[]> {
  return getJson<string[]>(`${base}/label-values?label=__name__`);
}

/** `GET /api/apps` entries: name and `lastSeen` (end of the newest stored profile, unix ms). */
export function getApps(base: string): Promise<{ name: string; lastSeen?: number }[]> {
  return getJson<{ name: string; lastSeen?: number }[]>(`${base}/api/apps`);
}

/** Frame names of `query`'s merged flamegraph over the last hour (empty when nothing is stored). */
export async function renderedFrames(base: string, query: string): Promise<string[]> {
  const qs = new URLSearchParams({ query, from: 'now-1h', until: 'now', format: 'json' });
  const body = await getJson<{ flamebearer: { names: string[] } }>(`${base}/render?${qs.toString()}`);
  return body.flamebearer.names;
}
