import { appsUrl, renderJsonUrl, renderParams, withParams } from './api-urls.js';
import { apiHeaders } from './auth-token.js';
import { type BootAnswer, takeBootFetch } from './boot-fetch.js';
import type { RenderResponse } from './flamebearer.js';

/** server-lite's error body `{code, message}` as `message (code)`; any other body as it is. */
function readableError(body: string): { code: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed?.code === 'string' && typeof parsed.message === 'string') {
      return { code: parsed.code, message: `${parsed.message} (${parsed.code})` };
    }
  } catch {
    // not JSON
  }
  return { code: '', message: body };
}

/**
 * The server answered with a non-2xx status. `message` is its error message (server-lite's
 * `{code, message}` shown as `message (code)`, other bodies as text); `code` the kprof error
 * code, e.g. `KPROF_UNAUTHORIZED`, or '' when the body had none.
 */
export class ApiError extends Error {
  readonly code: string;

  constructor(readonly status: number, body: string) {
    const { code, message } = readableError(body);
    super(message);
    this.code = code;
  }
}

/** A 401: no query token, or a wrong one (server-lite `auth.query-tokens`). */
export function isUnauthorized(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 401;
}

/** One row of `GET /api/apps`. */
export interface AppInfo {
  name: string;
  spyName?: string;
  sampleRate?: number;
  units?: string;
  /** Unix ms when the newest stored profile of this series name ended (server-lite; absent elsewhere). */
  lastSeen?: number;
}

/** Fetches `url` with the API headers, or takes the boot script's request for it (page load). */
async function request(url: string, signal?: AbortSignal): Promise<BootAnswer> {
  const boot = takeBootFetch(url);
  if (boot) return boot;
  const res = await fetch(url, { signal, headers: apiHeaders() });
  return { ok: res.ok, status: res.status, text: await res.text() };
}

async function getJsonUrl<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await request(url, signal);
  const path = url.split('?')[0];
  // Pyroscope sets no Content-Type on /labels and /label-values, so read text and parse it.
  const text = res.text;
  if (!res.ok) throw new ApiError(res.status, text.trim() || `${path} answered ${res.status}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, `${path} did not return JSON`);
  }
}

function getJson<T>(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<T> {
  return getJsonUrl<T>(withParams(path, params), signal);
}

/** `GET /api/apps`. */
export function fetchApps(signal?: AbortSignal): Promise<AppInfo[]> {
  return getJsonUrl<AppInfo[]>(appsUrl(), signal);
}

/** `GET /labels`: label names for the series matched by `query`. */
export function fetchLabels(query: string, from: string, until: string, signal?: AbortSignal): Promise<string[]> {
  return getJson<string[]>('/labels', { query, from, until }, signal);
}

/** `GET /label-values`. */
export function fetchLabelValues(label: string, query: string, from: string, until: string, signal?: AbortSignal): Promise<string[]> {
  return getJson<string[]>('/label-values', { label, query, from, until }, signal);
}

/** `GET /render?format=json`. */
export function fetchRender(query: string, from: string, until: string, maxNodes: number, signal?: AbortSignal): Promise<RenderResponse> {
  return getJsonUrl<RenderResponse>(renderJsonUrl(query, from, until, maxNodes), signal);
}

/** Parameters of `GET /render-diff`. */
export interface DiffParams {
  leftQuery: string;
  leftFrom: string;
  leftUntil: string;
  rightQuery: string;
  rightFrom: string;
  rightUntil: string;
  maxNodes: number;
}

/** `GET /render-diff?format=json`. */
export function fetchDiff(p: DiffParams, signal?: AbortSignal): Promise<RenderResponse> {
  return getJson<RenderResponse>('/render-diff', { ...p, maxNodes: String(p.maxNodes), format: 'json' }, signal);
}

/** URL of the current single view as pprof. */
export function pprofUrl(query: string, from: string, until: string, maxNodes: number): string {
  return withParams('/render', { ...renderParams(query, from, until, maxNodes), format: 'pprof' });
}

/**
 * The current single view as gzipped pprof, fetched with the API headers (a plain link could
 * not send the bearer token).
 */
export async function fetchPprof(query: string, from: string, until: string, maxNodes: number, signal?: AbortSignal): Promise<Blob> {
  const res = await fetch(pprofUrl(query, from, until, maxNodes), { signal, headers: apiHeaders() });
  if (!res.ok) throw new ApiError(res.status, (await res.text()).trim() || `/render answered ${res.status}`);
  return res.blob();
}

/** A pull-mode scrape target, as `/api/v1/targets` reports it. */
export interface TargetInfo {
  scrapePool?: string;
  scrapeUrl?: string;
  labels?: Record<string, string>;
  health?: string;
  lastError?: string;
  lastScrape?: string;
  lastScrapeDuration?: number;
}

/** A discovered target that is not scraped, and why (Prometheus' `droppedTargets`). */
export interface DroppedTargetInfo {
  scrapePool?: string;
  discoveredLabels?: Record<string, string>;
  /** server-lite's reason, e.g. `dropped by relabeling`; Prometheus itself sends none. */
  reason?: string;
}

/** What the targets view shows. */
export interface TargetsInfo {
  active: TargetInfo[];
  dropped: DroppedTargetInfo[];
}

/**
 * `GET /api/v1/targets`. Accepts Prometheus' `{data:{activeTargets, droppedTargets}}` shape or a
 * plain array of active targets; returns null when the server has no pull mode (404).
 */
export async function fetchTargets(signal?: AbortSignal): Promise<TargetsInfo | null> {
  try {
    const body = await getJson<unknown>('/api/v1/targets', {}, signal);
    if (Array.isArray(body)) return { active: body as TargetInfo[], dropped: [] };
    const data = (body as { data?: { activeTargets?: TargetInfo[]; droppedTargets?: DroppedTargetInfo[] } }).data;
    return { active: data?.activeTargets ?? [], dropped: data?.droppedTargets ?? [] };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
