import { ConfigError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { LABEL_NAME_PATTERN } from './labels/label-limits.js';
import { DEFAULTS, SDK_DEFAULTS } from './config/defaults.js';
import { checkIntegerOption, describeValue as describe, isIntegerInRange, type IntegerOptionRule } from './config/option-check.js';

const OPTIONS = SDK_DEFAULTS.options;
const LIMITS = SDK_DEFAULTS.seriesName;

/**
 * Options of {@link start}. Every option except `appName` has a default; most can also come from a `KPROF_*`
 * environment variable. An option passed in code wins over its environment variable.
 */
export interface SdkOptions {
  /** Application name: the series name servers show (`service_name`). Required here or in `KPROF_APP_NAME`. */
  appName?: string;
  /** Base URL of a Pyroscope-compatible server. Default `http://localhost:4040` (`KPROF_SERVER_ADDRESS`). */
  serverAddress?: string;
  /** Static tags on every profile, e.g. `{ env: 'prod' }`. Keys are label names; no `{ } , =`. Default `{}` (`KPROF_TAGS=k=v;k2=v2`). */
  tags?: Readonly<Record<string, string>>;
  /** Bearer token for the server. Default none (`KPROF_AUTH_TOKEN`). */
  authToken?: string;
  /** Basic auth, used when there is no `authToken`. Default none (`KPROF_BASIC_AUTH_USER` + `KPROF_BASIC_AUTH_PASSWORD`). */
  basicAuth?: { user: string; password: string };
  /** Tenant sent as `X-Scope-OrgID`. Default none (`KPROF_TENANT_ID`). */
  tenantId?: string;
  /** Wall-time sampling interval, µs. Default 10_000 (100 Hz) (`KPROF_SAMPLING_INTERVAL_MICROS`). */
  samplingIntervalMicros?: number;
  /** Collect CPU time per sample alongside wall time. Default true (`KPROF_COLLECT_CPU_TIME`). */
  collectCpuTime?: boolean;
  /** Sample the heap (in-use objects and bytes). Default true (`KPROF_HEAP_SAMPLING`). */
  heapSampling?: boolean;
  /** Average bytes allocated between heap samples. Default 524_288 (512 KiB) (`KPROF_HEAP_INTERVAL_BYTES`). */
  heapIntervalBytes?: number;
  /** Maximum frames kept per heap sample. Default 64 (`KPROF_HEAP_STACK_DEPTH`). */
  heapStackDepth?: number;
  /** How often a time chunk and a heap snapshot are pushed, ms. Default 15_000 (`KPROF_UPLOAD_INTERVAL_MS`). */
  uploadIntervalMs?: number;
  /** How long `stop()` waits to deliver the last profiles, ms. Default 5_000 (`KPROF_FLUSH_TIMEOUT_MS`). */
  flushTimeoutMs?: number;
  /**
   * Map frames of compiled code (TypeScript) back to source files: `true` searches the current working directory
   * (or the main script's directory when the working directory is `/`), or pass the directories holding the `.js`
   * and `.js.map` files. `node_modules` is never searched. Default false (`KPROF_SOURCE_MAPS=true` or `dir1:dir2`).
   */
  sourceMaps?: boolean | readonly string[];
  /** Deadline of one upload request, ms. Default 10_000 (`KPROF_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /** Profiles waiting to be sent; the oldest is dropped beyond it. Default 32 (`KPROF_MAX_QUEUE_SIZE`). */
  maxQueueSize?: number;
  /** Retries per profile on network errors, timeouts, 5xx and 429. Default 5 (`KPROF_MAX_RETRIES`). */
  maxRetries?: number;
  /** pino-compatible logger. Default: silent. */
  logger?: Logger;
}

/** The resolved, validated, frozen configuration; inner code never re-checks it. */
export interface SdkConfig {
  readonly appName: string;
  readonly serverAddress: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly authToken: string | undefined;
  readonly basicAuth: Readonly<{ user: string; password: string }> | undefined;
  readonly tenantId: string | undefined;
  readonly samplingIntervalMicros: number;
  readonly collectCpuTime: boolean;
  readonly heapSampling: boolean;
  readonly heapIntervalBytes: number;
  readonly heapStackDepth: number;
  readonly uploadIntervalMs: number;
  readonly flushTimeoutMs: number;
  /** Directories to load source maps from; empty = source maps off. */
  readonly sourceMapDirs: readonly string[];
  readonly requestTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxRetries: number;
  readonly logger: Logger;
}

type NumericOption = {
  [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K] extends IntegerOptionRule ? K : never;
}[keyof typeof OPTIONS];
type BooleanOption = 'collectCpuTime' | 'heapSampling';

const ENV = {
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
} as const;

const KNOWN_OPTIONS = new Set<string>([
  'appName', 'serverAddress', 'tags', 'authToken', 'basicAuth', 'tenantId', 'samplingIntervalMicros', 'collectCpuTime',
  'heapSampling', 'heapIntervalBytes', 'heapStackDepth', 'uploadIntervalMs', 'flushTimeoutMs', 'sourceMaps',
  'requestTimeoutMs', 'maxQueueSize', 'maxRetries', 'logger',
]);

// Pyroscope's series name syntax `app{k=v,...}` reserves these characters.
const SERIES_RESERVED = /[{},=]/;
// Control characters would corrupt a URL query or a log line.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Applies env vars and defaults to `options` and validates the result.
 * A bad option passed in code throws {@link ConfigError}; a bad environment variable is logged (warn) and its
 * default used, so a typo in a deployment never stops the host from starting.
 */
export function resolveConfig(options: SdkOptions, env: Env = process.env): SdkConfig {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', `start() options must be an object, got ${describe(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !KNOWN_OPTIONS.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      'KPROF_CONFIG_UNKNOWN_OPTION',
      `unknown start() option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; known options: ${[...KNOWN_OPTIONS].join(', ')}`,
    );
  }
  const logger = resolveLogger(options.logger);
  const warnEnv = (name: string, value: string, why: string, fallback: string): void =>
    logger.warn({ env: name, value: redactEnv(name, value) }, `ignoring invalid ${name} (${why}); using ${fallback}`);

  const appName = resolveAppName(options.appName, env[ENV.appName], warnEnv);
  const serverAddress = resolveServerAddress(options.serverAddress, env[ENV.serverAddress], warnEnv);
  const tags = resolveTags(options.tags, env[ENV.tags], warnEnv);

  const num = (key: NumericOption): number => resolveNumber(key, options[key], env[ENV[key]], warnEnv);
  const bool = (key: BooleanOption): boolean => resolveBoolean(key, options[key], env[ENV[key]], warnEnv);

  const config: SdkConfig = {
    appName,
    serverAddress,
    tags,
    authToken: resolveSecret('authToken', options.authToken, env[ENV.authToken], warnEnv),
    basicAuth: resolveBasicAuth(options.basicAuth, env[ENV.basicAuthUser], env[ENV.basicAuthPassword], warnEnv),
    tenantId: resolveSecret('tenantId', options.tenantId, env[ENV.tenantId], warnEnv),
    samplingIntervalMicros: num('samplingIntervalMicros'),
    collectCpuTime: bool('collectCpuTime'),
    heapSampling: bool('heapSampling'),
    heapIntervalBytes: num('heapIntervalBytes'),
    heapStackDepth: num('heapStackDepth'),
    uploadIntervalMs: num('uploadIntervalMs'),
    flushTimeoutMs: num('flushTimeoutMs'),
    sourceMapDirs: resolveSourceMaps(options.sourceMaps, env[ENV.sourceMaps], warnEnv),
    requestTimeoutMs: num('requestTimeoutMs'),
    maxQueueSize: num('maxQueueSize'),
    maxRetries: num('maxRetries'),
    logger,
  };
  return Object.freeze(config);
}

type WarnEnv = (name: string, value: string, why: string, fallback: string) => void;

function resolveLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return silentLogger;
  const ok = logger !== null && typeof logger === 'object' &&
    (['debug', 'info', 'warn', 'error'] as const).every((m) => typeof (logger as unknown as Record<string, unknown>)[m] === 'function');
  if (!ok) {
    throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', 'logger must have debug, info, warn and error methods (a pino logger works)');
  }
  return logger;
}

/** Returns why a series-name part is invalid, or undefined. */
function checkSeriesPart(value: string, maxChars: number): string | undefined {
  if (value.length > maxChars) return `${value.length} characters, over the limit of ${maxChars}`;
  const reserved = SERIES_RESERVED.exec(value);
  if (reserved) return `contains '${reserved[0]}'; Pyroscope series names cannot carry { } , =`;
  if (CONTROL_CHARS.test(value)) return 'contains control characters';
  return undefined;
}

function resolveAppName(fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): string {
  if (fromCode !== undefined) {
    if (typeof fromCode !== 'string' || fromCode.trim() === '') {
      throw new ConfigError('KPROF_CONFIG_APP_NAME', `appName must be a non-empty string, got ${describe(fromCode)}`);
    }
    const why = checkSeriesPart(fromCode, LIMITS.maxAppNameChars);
    if (why) throw new ConfigError('KPROF_CONFIG_APP_NAME', `appName '${fromCode.slice(0, 80)}' is invalid: ${why}`);
    return fromCode;
  }
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const why = checkSeriesPart(fromEnv, LIMITS.maxAppNameChars);
    if (!why) return fromEnv;
    warnEnv(ENV.appName, fromEnv, why, 'no default');
  }
  throw new ConfigError(
    'KPROF_CONFIG_APP_NAME',
    `appName is required: pass start({ appName: 'my-service' }) or set ${ENV.appName}`,
  );
}

function checkServerAddress(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `protocol ${url.protocol} is not http: or https:`;
  // Same rules as the push exporter, so a bad KPROF_SERVER_ADDRESS falls back here instead of failing start().
  if (url.username || url.password) return 'it carries credentials; pass them as authToken or basicAuth';
  if (url.search) return 'it has a query string';
  if (url.hash) return 'it has a fragment';
  return undefined;
}

function resolveServerAddress(fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): string {
  if (fromCode !== undefined) {
    const why = typeof fromCode === 'string' ? checkServerAddress(fromCode) : `got ${describe(fromCode)}`;
    if (why) {
      throw new ConfigError(
        'KPROF_CONFIG_SERVER_ADDRESS',
        `serverAddress must be an absolute http(s) URL like ${DEFAULTS.serverAddress} (${why})`,
      );
    }
    return fromCode as string;
  }
  if (fromEnv !== undefined && fromEnv !== '') {
    const why = checkServerAddress(fromEnv);
    if (!why) return fromEnv;
    warnEnv(ENV.serverAddress, fromEnv, why, DEFAULTS.serverAddress);
  }
  return DEFAULTS.serverAddress;
}

/** Returns why one tag is invalid, or undefined. */
function checkTag(key: string, value: unknown): string | undefined {
  if (!LABEL_NAME_PATTERN.test(key)) return `tag name '${key.slice(0, 80)}' must match ${LABEL_NAME_PATTERN.source}`;
  if (typeof value !== 'string') return `tags.${key} must be a string, got ${describe(value)}`;
  const why = checkSeriesPart(value, LIMITS.maxTagValueChars);
  return why ? `tags.${key} '${value.slice(0, 80)}' is invalid: ${why}` : undefined;
}

function resolveTags(fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): Readonly<Record<string, string>> {
  if (fromCode !== undefined) {
    if (fromCode === null || typeof fromCode !== 'object' || Array.isArray(fromCode)) {
      throw new ConfigError('KPROF_CONFIG_TAGS', `tags must be an object of string values, got ${describe(fromCode)}`);
    }
    const entries = Object.entries(fromCode);
    if (entries.length > LIMITS.maxTags) {
      throw new ConfigError('KPROF_CONFIG_TAGS', `tags has ${entries.length} entries, over the limit of ${LIMITS.maxTags}`);
    }
    for (const [k, v] of entries) {
      const why = checkTag(k, v);
      if (why) throw new ConfigError('KPROF_CONFIG_TAGS', why);
    }
    return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
  }
  if (fromEnv === undefined || fromEnv.trim() === '') return Object.freeze({});
  // `k=v;k2=v2`: `,` and `=` cannot appear in tags anyway, `;` keeps the value readable in manifests.
  const tags: Record<string, string> = {};
  for (const part of fromEnv.split(/[;,]/)) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    const why = value === undefined ? `'${key}' has no '='` : checkTag(key, value);
    if (why) {
      warnEnv(ENV.tags, fromEnv, why, 'no tags');
      return Object.freeze({});
    }
    tags[key] = value as string;
  }
  if (Object.keys(tags).length > LIMITS.maxTags) {
    warnEnv(ENV.tags, fromEnv, `more than ${LIMITS.maxTags} tags`, 'no tags');
    return Object.freeze({});
  }
  return Object.freeze(tags);
}

function resolveSecret(
  name: 'authToken' | 'tenantId',
  fromCode: unknown,
  fromEnv: string | undefined,
  warnEnv: WarnEnv,
): string | undefined {
  if (fromCode !== undefined) {
    if (typeof fromCode !== 'string' || fromCode === '') {
      throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', `${name} must be a non-empty string when set`);
    }
    return fromCode;
  }
  if (fromEnv === undefined || fromEnv === '') return undefined;
  // A header value cannot carry control characters (the exporter would refuse it and fail start()).
  if (CONTROL_CHARS.test(fromEnv)) {
    warnEnv(name === 'authToken' ? ENV.authToken : ENV.tenantId, fromEnv, 'contains control characters', `no ${name}`);
    return undefined;
  }
  return fromEnv;
}

function resolveBasicAuth(
  fromCode: unknown,
  user: string | undefined,
  password: string | undefined,
  warnEnv: WarnEnv,
): Readonly<{ user: string; password: string }> | undefined {
  if (fromCode !== undefined) {
    const v = fromCode as { user?: unknown; password?: unknown } | null;
    if (v === null || typeof v !== 'object' || typeof v.user !== 'string' || v.user === '' || typeof v.password !== 'string') {
      throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', 'basicAuth must be { user: non-empty string, password: string }');
    }
    return Object.freeze({ user: v.user, password: v.password });
  }
  if (user === undefined || user === '') return undefined;
  if (password === undefined) {
    warnEnv(ENV.basicAuthUser, user, `${ENV.basicAuthPassword} is not set`, 'no basic auth');
    return undefined;
  }
  if (user.includes(':') || CONTROL_CHARS.test(user) || CONTROL_CHARS.test(password)) {
    warnEnv(ENV.basicAuthUser, user, "user contains ':' or control characters, or the password contains control characters", 'no basic auth');
    return undefined;
  }
  return Object.freeze({ user, password });
}

function resolveNumber(key: NumericOption, fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): number {
  const rule = OPTIONS[key];
  if (fromCode !== undefined) return checkIntegerOption(fromCode, rule, { name: key, invalid: invalidOption });
  if (fromEnv === undefined || fromEnv.trim() === '') return rule.default;
  const n = Number(fromEnv.trim());
  if (isIntegerInRange(n, rule)) return n;
  warnEnv(ENV[key], fromEnv, `not an integer from ${rule.min} to ${rule.max}`, String(rule.default));
  return rule.default;
}

function resolveBoolean(key: BooleanOption, fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): boolean {
  if (fromCode !== undefined) {
    if (typeof fromCode !== 'boolean') {
      throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', `${key} must be true or false, got ${describe(fromCode)}`);
    }
    return fromCode;
  }
  if (fromEnv === undefined || fromEnv.trim() === '') return DEFAULTS[key];
  const parsed = parseBoolean(fromEnv);
  if (parsed !== undefined) return parsed;
  warnEnv(ENV[key], fromEnv, 'not true/false/1/0', String(DEFAULTS[key]));
  return DEFAULTS[key];
}

function parseBoolean(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  return undefined;
}

function resolveSourceMaps(fromCode: unknown, fromEnv: string | undefined, warnEnv: WarnEnv): readonly string[] {
  if (fromCode !== undefined) {
    if (typeof fromCode === 'boolean') return Object.freeze(fromCode ? [defaultSourceMapDir()] : []);
    if (!Array.isArray(fromCode) || fromCode.length > SDK_DEFAULTS.maxSourceMapDirs || fromCode.some((d) => typeof d !== 'string' || d === '')) {
      throw new ConfigError(
        'KPROF_CONFIG_INVALID_OPTION',
        `sourceMaps must be true, false or an array of at most ${SDK_DEFAULTS.maxSourceMapDirs} directory paths, got ${describe(fromCode)}`,
      );
    }
    return Object.freeze([...(fromCode as string[])]);
  }
  if (fromEnv === undefined || fromEnv.trim() === '') return Object.freeze([]);
  const asBool = parseBoolean(fromEnv);
  if (asBool !== undefined) return Object.freeze(asBool ? [defaultSourceMapDir()] : []);
  const dirs = fromEnv.split(':').filter((d) => d !== '');
  if (dirs.length > SDK_DEFAULTS.maxSourceMapDirs) {
    warnEnv(ENV.sourceMaps, fromEnv, `more than ${SDK_DEFAULTS.maxSourceMapDirs} directories`, 'source maps off');
    return Object.freeze([]);
  }
  return Object.freeze(dirs);
}

/**
 * `sourceMaps: true` searches the working directory: services are started from their project root, where the build
 * output and its maps live. When the working directory is `/` (some containers) a recursive scan would walk the whole
 * filesystem, so the main script's directory is used instead.
 */
function defaultSourceMapDir(): string {
  const cwd = process.cwd();
  if (cwd !== '/' || !process.argv[1]) return cwd;
  const main = process.argv[1];
  return main.slice(0, Math.max(1, main.lastIndexOf('/')));
}

function redactEnv(name: string, value: string): string {
  return /TOKEN|PASSWORD/.test(name) ? '<redacted>' : value.slice(0, 200);
}

function invalidOption(message: string): ConfigError {
  return new ConfigError('KPROF_CONFIG_INVALID_OPTION', message);
}
