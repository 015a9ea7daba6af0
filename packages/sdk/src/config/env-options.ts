import { checkServerAddress } from '../export/ingest-url.js';
import type { Logger } from '../logger.js';
import { defaultSourceMapDir } from '../source-maps.js';
import { SDK_DEFAULTS } from './defaults.js';
import { isIntegerInRange } from './option-check.js';
import type { BooleanOption, IntegerOption } from './sdk-options.js';
import { checkSeriesPart, checkTag, hasControlChars } from './value-checks.js';

/** The environment variable of each `start()` option that has one. */
export const ENV_NAMES = Object.freeze({
  appName: 'KPROF_APP_NAME',
  serverAddress: 'KPROF_SERVER_ADDRESS',
  tags: 'KPROF_TAGS',
  authToken: 'KPROF_AUTH_TOKEN',
  basicAuthUser: 'KPROF_BASIC_AUTH_USER',
  basicAuthPassword: 'KPROF_BASIC_AUTH_PASSWORD',
  tenantId: 'KPROF_TENANT_ID',
  samplingIntervalMicros: 'KPROF_SAMPLING_INTERVAL_MICROS',
  collectCpuTime: 'KPROF_COLLECT_CPU_TIME',
  heapSampling: 'KPROF_HEAP_SAMPLING',
  heapIntervalBytes: 'KPROF_HEAP_INTERVAL_BYTES',
  heapStackDepth: 'KPROF_HEAP_STACK_DEPTH',
  uploadIntervalMs: 'KPROF_UPLOAD_INTERVAL_MS',
  flushTimeoutMs: 'KPROF_FLUSH_TIMEOUT_MS',
  sourceMaps: 'KPROF_SOURCE_MAPS',
  requestTimeoutMs: 'KPROF_REQUEST_TIMEOUT_MS',
  maxQueueSize: 'KPROF_MAX_QUEUE_SIZE',
  maxRetries: 'KPROF_MAX_RETRIES',
});

/** Environment variables, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

const { options: OPTIONS, seriesName: SERIES_NAME } = SDK_DEFAULTS;

/**
 * Reads `start()` options from `KPROF_*` environment variables, one option at a time: an option passed in code is never
 * read here, so its variable is neither parsed nor warned about. An unset or blank variable reads as `undefined`. A bad
 * value never stops the host: it is logged at `warn` (secrets redacted) and reads as `undefined`, so the default applies.
 */
export class EnvOptions {
  constructor(
    private readonly env: Env,
    private readonly logger: Logger,
  ) {}

  appName(): string | undefined {
    const value = this.env[ENV_NAMES.appName];
    if (value === undefined || value.trim() === '') return undefined;
    const why = checkSeriesPart(value, SERIES_NAME.maxAppNameChars);
    return why ? this.ignore(ENV_NAMES.appName, value, why, 'no default') : value;
  }

  serverAddress(): string | undefined {
    const value = this.env[ENV_NAMES.serverAddress];
    if (value === undefined || value === '') return undefined;
    const why = checkServerAddress(value);
    return why ? this.ignore(ENV_NAMES.serverAddress, value, why, OPTIONS.serverAddress) : value;
  }

  /** `k=v;k2=v2` (`,` also separates): `,` and `=` cannot appear in tags anyway, `;` keeps the value readable in manifests. */
  tags(): Record<string, string> | undefined {
    const value = this.env[ENV_NAMES.tags];
    if (value === undefined || value.trim() === '') return undefined;
    const tags: Record<string, string> = {};
    for (const part of value.split(/[;,]/)) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq < 0 ? part.trim() : part.slice(0, eq).trim();
      const tagValue = eq < 0 ? undefined : part.slice(eq + 1).trim();
      const why = tagValue === undefined ? `'${key}' has no '='` : checkTag(key, tagValue);
      if (why) return this.ignore(ENV_NAMES.tags, value, why, 'no tags');
      tags[key] = tagValue as string;
    }
    if (Object.keys(tags).length > SERIES_NAME.maxTags) {
      return this.ignore(ENV_NAMES.tags, value, `more than ${SERIES_NAME.maxTags} tags`, 'no tags');
    }
    return tags;
  }

  /** A header value: control characters would make the exporter refuse it and fail `start()`. */
  secret(option: 'authToken' | 'tenantId'): string | undefined {
    const value = this.env[ENV_NAMES[option]];
    if (value === undefined || value === '') return undefined;
    return hasControlChars(value) ? this.ignore(ENV_NAMES[option], value, 'contains control characters', `no ${option}`) : value;
  }

  basicAuth(): Readonly<{ user: string; password: string }> | undefined {
    const { basicAuthUser, basicAuthPassword } = ENV_NAMES;
    const user = this.env[basicAuthUser];
    const password = this.env[basicAuthPassword];
    if (user === undefined || user === '') return undefined;
    if (password === undefined) return this.ignore(basicAuthUser, user, `${basicAuthPassword} is not set`, 'no basic auth');
    if (user.includes(':') || hasControlChars(user) || hasControlChars(password)) {
      const why = "user contains ':' or control characters, or the password contains control characters";
      return this.ignore(basicAuthUser, user, why, 'no basic auth');
    }
    return Object.freeze({ user, password });
  }

  integer(option: IntegerOption): number | undefined {
    const value = this.env[ENV_NAMES[option]];
    if (value === undefined || value.trim() === '') return undefined;
    const rule = OPTIONS[option];
    const n = Number(value.trim());
    if (isIntegerInRange(n, rule)) return n;
    return this.ignore(ENV_NAMES[option], value, `not an integer from ${rule.min} to ${rule.max}`, String(rule.default));
  }

  boolean(option: BooleanOption): boolean | undefined {
    const value = this.env[ENV_NAMES[option]];
    if (value === undefined || value.trim() === '') return undefined;
    return parseBoolean(value) ?? this.ignore(ENV_NAMES[option], value, 'not true/false/1/0', String(OPTIONS[option]));
  }

  /** `true`/`false` as the option's booleans, or directories separated by `:`. */
  sourceMapDirs(): string[] | undefined {
    const value = this.env[ENV_NAMES.sourceMaps];
    if (value === undefined || value.trim() === '') return undefined;
    const on = parseBoolean(value);
    if (on !== undefined) return on ? [defaultSourceMapDir()] : [];
    const dirs = value.split(':').filter((d) => d !== '');
    if (dirs.length > SDK_DEFAULTS.maxSourceMapDirs) {
      return this.ignore(ENV_NAMES.sourceMaps, value, `more than ${SDK_DEFAULTS.maxSourceMapDirs} directories`, 'source maps off');
    }
    return dirs;
  }

  private ignore(name: string, value: string, why: string, fallback: string): undefined {
    const shown = /TOKEN|PASSWORD/.test(name) ? '<redacted>' : value.slice(0, 200);
    this.logger.warn({ env: name, value: shown }, `ignoring invalid ${name} (${why}); using ${fallback}`);
    return undefined;
  }
}

function parseBoolean(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  return undefined;
}
