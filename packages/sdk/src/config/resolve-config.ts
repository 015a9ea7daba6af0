import { ConfigError } from '../errors.js';
import { checkServerAddress } from '../export/ingest-url.js';
import { silentLogger, type Logger } from '../logger.js';
import { defaultSourceMapDir } from '../source-maps.js';
import { SDK_DEFAULTS } from './defaults.js';
import { ENV_NAMES, EnvOptions, type Env } from './env-options.js';
import { checkIntegerOption, describeValue } from './option-check.js';
import { SDK_OPTION_NAMES, type BooleanOption, type IntegerOption, type SdkConfig, type SdkOptions } from './sdk-options.js';
import { checkSeriesPart, checkTag } from './value-checks.js';

const { options: OPTIONS, seriesName: SERIES_NAME } = SDK_DEFAULTS;

/**
 * Resolves `start()`'s options: each option passed in code wins, else its `KPROF_*` environment variable, else its
 * default. A bad option passed in code throws {@link ConfigError}; a bad environment variable is logged (warn) and its
 * default used, so a typo in a deployment never stops the host from starting. Returns a frozen config that inner code
 * never re-checks.
 */
export function resolveConfig(options: SdkOptions, env: Env = process.env): SdkConfig {
  if (options === null || typeof options !== 'object') {
    throw invalidOption(`start() options must be an object, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !(SDK_OPTION_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      'KPROF_CONFIG_UNKNOWN_OPTION',
      `unknown start() option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; known options: ${SDK_OPTION_NAMES.join(', ')}`,
    );
  }
  const logger = checkLogger(options.logger);
  const fromEnv = new EnvOptions(env, logger);
  const integer = (key: IntegerOption): number =>
    options[key] !== undefined
      ? checkIntegerOption(options[key], OPTIONS[key], { name: key, invalid: invalidOption })
      : (fromEnv.integer(key) ?? OPTIONS[key].default);
  const boolean = (key: BooleanOption): boolean =>
    options[key] !== undefined ? checkBoolean(key, options[key]) : (fromEnv.boolean(key) ?? OPTIONS[key]);

  // Resolved in this order so that environment warnings come out in the order of the options.
  const config: SdkConfig = {
    appName: options.appName !== undefined ? checkAppName(options.appName) : (fromEnv.appName() ?? missingAppName()),
    serverAddress:
      options.serverAddress !== undefined
        ? checkServerAddressOption(options.serverAddress)
        : (fromEnv.serverAddress() ?? OPTIONS.serverAddress),
    tags: Object.freeze(options.tags !== undefined ? checkTags(options.tags) : (fromEnv.tags() ?? {})),
    authToken: options.authToken !== undefined ? checkSecret('authToken', options.authToken) : fromEnv.secret('authToken'),
    basicAuth: options.basicAuth !== undefined ? checkBasicAuth(options.basicAuth) : fromEnv.basicAuth(),
    tenantId: options.tenantId !== undefined ? checkSecret('tenantId', options.tenantId) : fromEnv.secret('tenantId'),
    samplingIntervalMicros: integer('samplingIntervalMicros'),
    collectCpuTime: boolean('collectCpuTime'),
    heapSampling: boolean('heapSampling'),
    heapIntervalBytes: integer('heapIntervalBytes'),
    heapStackDepth: integer('heapStackDepth'),
    uploadIntervalMs: integer('uploadIntervalMs'),
    flushTimeoutMs: integer('flushTimeoutMs'),
    sourceMapDirs: Object.freeze(options.sourceMaps !== undefined ? checkSourceMaps(options.sourceMaps) : (fromEnv.sourceMapDirs() ?? [])),
    requestTimeoutMs: integer('requestTimeoutMs'),
    maxQueueSize: integer('maxQueueSize'),
    maxRetries: integer('maxRetries'),
    logger,
  };
  return Object.freeze(config);
}

function invalidOption(message: string): ConfigError {
  return new ConfigError('KPROF_CONFIG_INVALID_OPTION', message);
}

function checkLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return silentLogger;
  const ok = logger !== null && typeof logger === 'object' &&
    (['debug', 'info', 'warn', 'error'] as const).every((m) => typeof (logger as unknown as Record<string, unknown>)[m] === 'function');
  if (!ok) throw invalidOption('logger must have debug, info, warn and error methods (a pino logger works)');
  return logger;
}

function checkAppName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError('KPROF_CONFIG_APP_NAME', `appName must be a non-empty string, got ${describeValue(value)}`);
  }
  const why = checkSeriesPart(value, SERIES_NAME.maxAppNameChars);
  if (why) throw new ConfigError('KPROF_CONFIG_APP_NAME', `appName ${describeValue(value)} is invalid: ${why}`);
  return value;
}

function missingAppName(): never {
  throw new ConfigError(
    'KPROF_CONFIG_APP_NAME',
    `appName is required: pass start({ appName: 'my-service' }) or set ${ENV_NAMES.appName}`,
  );
}

function checkServerAddressOption(value: unknown): string {
  const why = typeof value === 'string' ? checkServerAddress(value) : `got ${describeValue(value)}`;
  if (why) {
    throw new ConfigError(
      'KPROF_CONFIG_SERVER_ADDRESS',
      `serverAddress must be an absolute http(s) URL like ${OPTIONS.serverAddress} (${why})`,
    );
  }
  return value as string;
}

function checkTags(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('KPROF_CONFIG_TAGS', `tags must be an object of string values, got ${describeValue(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > SERIES_NAME.maxTags) {
    throw new ConfigError('KPROF_CONFIG_TAGS', `tags has ${entries.length} entries, over the limit of ${SERIES_NAME.maxTags}`);
  }
  for (const [k, v] of entries) {
    const why = checkTag(k, v);
    if (why) throw new ConfigError('KPROF_CONFIG_TAGS', why);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function checkSecret(name: 'authToken' | 'tenantId', value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidOption(`${name} must be a non-empty string when set`);
  return value;
}

function checkBasicAuth(value: unknown): Readonly<{ user: string; password: string }> {
  const v = value as { user?: unknown; password?: unknown } | null;
  if (v === null || typeof v !== 'object' || typeof v.user !== 'string' || v.user === '' || typeof v.password !== 'string') {
    throw invalidOption('basicAuth must be { user: non-empty string, password: string }');
  }
  return Object.freeze({ user: v.user, password: v.password });
}

function checkBoolean(name: BooleanOption, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidOption(`${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

function checkSourceMaps(value: unknown): string[] {
  if (typeof value === 'boolean') return value ? [defaultSourceMapDir()] : [];
  const max = SDK_DEFAULTS.maxSourceMapDirs;
  if (!Array.isArray(value) || value.length > max || value.some((d) => typeof d !== 'string' || d === '')) {
    throw invalidOption(`sourceMaps must be true, false or an array of at most ${max} directory paths, got ${describeValue(value)}`);
  }
  return [...(value as string[])];
}
