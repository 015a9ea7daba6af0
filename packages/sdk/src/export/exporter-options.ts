import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { describeAuth, buildAuthHeaders, type AuthSummary } from './auth-headers.js';
import { findReservedChar, formatSeriesName, resolveIngestEndpoint } from './ingest-url.js';

/** Options of {@link PushExporter}. The SDK's config resolves and validates them; the exporter checks them again. */
export interface PushExporterOptions {
  /** Base URL of a Pyroscope-compatible server, e.g. `http://localhost:4040`; a path prefix is kept (`https://h/pyroscope`). */
  serverAddress: string;
  /** Application name, the `<app>` of `<app>{tags}`. Must not contain `{ } , =`. */
  appName: string;
  /** Static tags added to every profile's series name. Keys and values must not contain `{ } , =`. */
  tags: Readonly<Record<string, string>>;
  /** `spyName` query parameter. Default `'nodespy'` (what `@pyroscope/nodejs` sends). */
  spyName?: string;
  /** Bearer token (`Authorization: Bearer`). Wins over `basicAuth`. Default: none. */
  authToken?: string;
  /** Basic auth credentials, used when there is no `authToken`. Default: none. */
  basicAuth?: { user: string; password: string };
  /** Tenant sent as `X-Scope-OrgID`. Default: none. */
  tenantId?: string;
  /** Deadline for one request (connect, upload, response headers and body), ms. Default 10_000. */
  requestTimeoutMs?: number;
  /** Profiles waiting to be sent, not counting the one in flight; the oldest is dropped (and counted) beyond it. Default 32. */
  maxQueueSize?: number;
  /** Bytes of waiting profile bodies; the oldest are dropped (and counted) beyond it. Default 16 MiB. */
  maxQueueBytes?: number;
  /** Retries per profile after the first attempt (network errors, timeouts, 5xx, 429). Default 5. */
  maxRetries?: number;
  /** Backoff base, ms: retry n waits a uniform random time in [0, min(retryMaxMs, retryBaseMs·2ⁿ)). Default 1_000. */
  retryBaseMs?: number;
  /** Upper bound of any wait between attempts, including a server's `Retry-After`, ms. Default 30_000. */
  retryMaxMs?: number;
  /** pino-compatible logger. Default: silent. */
  logger?: Logger;
}

/** Defaults of the optional numeric and string options, with units in the names. */
export const PUSH_EXPORTER_DEFAULTS = Object.freeze({
  spyName: 'nodespy',
  requestTimeoutMs: 10_000,
  maxQueueSize: 32,
  maxQueueBytes: 16 * 1024 * 1024,
  maxRetries: 5,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  /** `sampleRate` sent for time profiles that do not say theirs: the SDK samples every 10_000 µs. */
  sampleRateHz: 100,
});

/** Options after defaults and checks; computed once in the constructor. */
export interface ResolvedExporterOptions {
  endpoint: URL;
  seriesName: string;
  spyName: string;
  headers: Readonly<Record<string, string>>;
  authSummary: AuthSummary;
  requestTimeoutMs: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  logger: Logger;
}

/** setTimeout cannot wait longer than this (it fires at once instead). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Applies defaults and validates; throws `ConfigError` naming the option, its value and the accepted range. */
export function resolveExporterOptions(opts: PushExporterOptions): ResolvedExporterOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new ConfigError('KPROF_EXPORT_INVALID_OPTION', 'push exporter options must be an object');
  }
  const endpoint = typeof opts.serverAddress === 'string' ? resolveIngestEndpoint(opts.serverAddress) : undefined;
  if (endpoint === undefined) {
    // The value may carry credentials (user:pass@host), so it is only echoed when it has none.
    const shown =
      typeof opts.serverAddress === 'string' && !opts.serverAddress.includes('@') ? ` '${opts.serverAddress}'` : '';
    throw new ConfigError(
      'KPROF_EXPORT_INVALID_SERVER_ADDRESS',
      `serverAddress${shown} is not an absolute http(s) URL without query, fragment or credentials; ` +
        'set serverAddress like http://localhost:4040 and pass credentials as authToken or basicAuth',
    );
  }
  checkSeriesPart(opts.appName, 'appName', { allowEmpty: false });
  const tags = opts.tags ?? {};
  if (typeof tags !== 'object') {
    throw new ConfigError('KPROF_EXPORT_INVALID_OPTION', 'tags must be an object of string keys and string values');
  }
  for (const [key, value] of Object.entries(tags)) {
    checkSeriesPart(key, `tag name '${key}'`, { allowEmpty: false });
    checkSeriesPart(value, `tags.${key}`, { allowEmpty: true });
  }
  const spyName = opts.spyName ?? PUSH_EXPORTER_DEFAULTS.spyName;
  if (typeof spyName !== 'string' || spyName === '') {
    throw new ConfigError('KPROF_EXPORT_INVALID_OPTION', `spyName must be a non-empty string; leave it unset for 'nodespy'`);
  }
  const retryBaseMs = intOption(opts.retryBaseMs, 'retryBaseMs', PUSH_EXPORTER_DEFAULTS.retryBaseMs, 1, MAX_TIMER_MS);
  const auth = { authToken: opts.authToken, basicAuth: opts.basicAuth, tenantId: opts.tenantId };
  return {
    endpoint,
    seriesName: formatSeriesName(opts.appName, tags),
    spyName,
    headers: Object.freeze({ 'content-type': 'application/octet-stream', ...buildAuthHeaders(auth) }),
    authSummary: describeAuth(auth),
    requestTimeoutMs: intOption(opts.requestTimeoutMs, 'requestTimeoutMs', PUSH_EXPORTER_DEFAULTS.requestTimeoutMs, 1, MAX_TIMER_MS),
    maxQueueSize: intOption(opts.maxQueueSize, 'maxQueueSize', PUSH_EXPORTER_DEFAULTS.maxQueueSize, 1, 100_000),
    maxQueueBytes: intOption(opts.maxQueueBytes, 'maxQueueBytes', PUSH_EXPORTER_DEFAULTS.maxQueueBytes, 1, Number.MAX_SAFE_INTEGER),
    maxRetries: intOption(opts.maxRetries, 'maxRetries', PUSH_EXPORTER_DEFAULTS.maxRetries, 0, 1_000),
    retryBaseMs,
    retryMaxMs: intOption(opts.retryMaxMs, 'retryMaxMs', PUSH_EXPORTER_DEFAULTS.retryMaxMs, retryBaseMs, MAX_TIMER_MS),
    logger: opts.logger ?? silentLogger,
  };
}

function checkSeriesPart(value: unknown, what: string, { allowEmpty }: { allowEmpty: boolean }): void {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw new ConfigError('KPROF_EXPORT_INVALID_SERIES_NAME', `${what} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  }
  const reserved = findReservedChar(value);
  if (reserved !== undefined) {
    throw new ConfigError(
      'KPROF_EXPORT_INVALID_SERIES_NAME',
      `${what} is '${value}', which contains '${reserved}'; Pyroscope series names cannot carry { } , = — remove it`,
    );
  }
}

function intOption(value: number | undefined, name: string, fallback: number, min: number, max: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
    throw new ConfigError(
      'KPROF_EXPORT_INVALID_OPTION',
      `${name} is ${String(resolved)}; it must be an integer from ${min} to ${max}; change ${name} or leave it unset for ${fallback}`,
    );
  }
  return resolved;
}
