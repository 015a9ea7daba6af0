import { SDK_DEFAULTS } from '../config/defaults.js';
import { checkIntegerOption, type IntegerOptionRule } from '../config/option-check.js';
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

const { options: OPTIONS, push: PUSH } = SDK_DEFAULTS;

/** `sampleRate` sent for time profiles that do not say theirs: the rate of the SDK's default sampling interval. */
export const DEFAULT_SAMPLE_RATE_HZ = 1_000_000 / OPTIONS.samplingIntervalMicros.default;

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
  const spyName = opts.spyName ?? PUSH.spyName;
  if (typeof spyName !== 'string' || spyName === '') {
    throw new ConfigError('KPROF_EXPORT_INVALID_OPTION', `spyName must be a non-empty string; leave it unset for '${PUSH.spyName}'`);
  }
  const retryBaseMs = intOption('retryBaseMs', opts.retryBaseMs, PUSH.retryBaseMs);
  const auth = { authToken: opts.authToken, basicAuth: opts.basicAuth, tenantId: opts.tenantId };
  return {
    endpoint,
    seriesName: formatSeriesName(opts.appName, tags),
    spyName,
    headers: Object.freeze({ 'content-type': 'application/octet-stream', ...buildAuthHeaders(auth) }),
    authSummary: describeAuth(auth),
    requestTimeoutMs: intOption('requestTimeoutMs', opts.requestTimeoutMs, OPTIONS.requestTimeoutMs),
    maxQueueSize: intOption('maxQueueSize', opts.maxQueueSize, OPTIONS.maxQueueSize),
    maxQueueBytes: intOption('maxQueueBytes', opts.maxQueueBytes, PUSH.maxQueueBytes),
    maxRetries: intOption('maxRetries', opts.maxRetries, OPTIONS.maxRetries),
    retryBaseMs,
    retryMaxMs: intOption('retryMaxMs', opts.retryMaxMs, { ...PUSH.retryMaxMs, min: retryBaseMs }),
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

function intOption(name: string, value: number | undefined, rule: IntegerOptionRule): number {
  return checkIntegerOption(value, rule, {
    name,
    invalid: (message) => new ConfigError('KPROF_EXPORT_INVALID_OPTION', message),
  });
}
