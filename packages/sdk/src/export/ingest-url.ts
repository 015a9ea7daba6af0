/**
 * Builds the Pyroscope `/ingest` URL the way `@pyroscope/nodejs` 0.6.4 does, so kprof's push is accepted by
 * server-lite, Pyroscope and Grafana Pyroscope alike (`pyroscope-compat.test.ts` compares the two byte for byte).
 *
 * Byte compatibility: parameters go in the order that client sends them (format, from, name, spyName, until,
 * sampleRate) and are encoded with `URLSearchParams` (application/x-www-form-urlencoded: `{` → `%7B`, space → `+`),
 * which is what that client uses too.
 */

/** Characters Pyroscope's series-name syntax `app{k=v,...}` reserves; they cannot be escaped, only refused. */
const SERIES_NAME_RESERVED_CHARS: readonly string[] = ['{', '}', ',', '='];

/** What one upload's URL depends on besides the fixed endpoint. */
interface IngestQuery {
  /** Series name from {@link formatSeriesName}. */
  seriesName: string;
  /** Value of `spyName`; `nodespy` is what `@pyroscope/nodejs` sends. */
  spyName: string;
  /** Window start, unix milliseconds; sent as whole seconds, rounded down. */
  startMs: number;
  /** Window end, unix milliseconds; sent as whole seconds, rounded down. */
  endMs: number;
  /** Sampling frequency in Hz for time profiles; omitted for heap profiles. Rounded to an integer ≥ 1. */
  sampleRateHz?: number;
}

/**
 * Why `serverAddress` cannot be pushed to, or `undefined` when it is an absolute http(s) URL without query, fragment
 * or credentials. `start()` applies the same rule, so a bad `KPROF_SERVER_ADDRESS` falls back to the default there
 * instead of failing in the exporter.
 */
export function checkServerAddress(serverAddress: string): string | undefined {
  return parseServerAddress(serverAddress).problem;
}

/**
 * Resolves `{serverAddress}/ingest`, keeping any path prefix (e.g. `https://host/pyroscope/` behind a reverse proxy).
 * Returns `undefined` when {@link checkServerAddress} refuses `serverAddress`; the caller turns that into a
 * `ConfigError` naming the option.
 */
export function resolveIngestEndpoint(serverAddress: string): URL | undefined {
  const { url } = parseServerAddress(serverAddress);
  if (url === undefined) return undefined;
  // `new URL('http://h')` has pathname '/', `http://h/p/` has '/p/': strip trailing slashes so we never send `//ingest`.
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ingest`;
  return url;
}

function parseServerAddress(serverAddress: string): { url: URL; problem?: undefined } | { url?: undefined; problem: string } {
  let url: URL;
  try {
    url = new URL(serverAddress);
  } catch {
    return { problem: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `protocol ${url.protocol} is not http: or https:` };
  // Credentials would end up in logs; a query or fragment would be silently merged with ours.
  if (url.username !== '' || url.password !== '') return { problem: 'it carries credentials; pass them as authToken or basicAuth' };
  if (url.search !== '') return { problem: 'it has a query string' };
  if (url.hash !== '') return { problem: 'it has a fragment' };
  return { url };
}

/**
 * Formats the Pyroscope series name `app{k=v,...}` with tag keys sorted (`Array.prototype.sort` order, UTF-16 code units), so one app always maps to
 * one series whatever order the tags were written in. No tags gives `app{}`.
 * Inputs must not contain {@link SERIES_NAME_RESERVED_CHARS}; see {@link findReservedChar}.
 */
export function formatSeriesName(appName: string, tags: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(tags)
    .sort()
    .map((key) => `${key}=${tags[key]}`);
  return `${appName}{${pairs.join(',')}}`;
}

/** Returns the first reserved character in `text`, or `undefined` if it can be used in a series name. */
export function findReservedChar(text: string): string | undefined {
  return SERIES_NAME_RESERVED_CHARS.find((c) => text.includes(c));
}

/** Builds the full upload URL for one profile. */
export function buildIngestUrl(endpoint: URL, query: IngestQuery): string {
  const params = new URLSearchParams();
  params.append('format', 'pprof');
  params.append('from', String(toUnixSeconds(query.startMs)));
  params.append('name', query.seriesName);
  params.append('spyName', query.spyName);
  params.append('until', String(toUnixSeconds(query.endMs)));
  if (query.sampleRateHz !== undefined && Number.isFinite(query.sampleRateHz)) {
    params.append('sampleRate', String(Math.max(1, Math.round(query.sampleRateHz))));
  }
  return `${endpoint.origin}${endpoint.pathname}?${params.toString()}`;
}

function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
