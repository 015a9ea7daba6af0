import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../errors.js';
import { type ScrapeConfig, parseScrapeConfigs } from './scrape-config.js';
import {
  ConfigProblems,
  type KeySpec,
  readBoolean,
  readByteSize,
  readDurationMs,
  readObject,
  readString,
  readStringList,
} from './config-reader.js';
import { isValidTenantId } from '../model/tenant.js';
import { DEFAULTS, defaultBlockDurationMs } from './defaults.js';
import { type ListenAddress, parseListenAddress } from './listen-address.js';
import { MAX_CONFIG_BYTES, parseYamlSource } from './yaml-lines.js';

/** pino levels accepted by `log-level`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Ingest bounds; see {@link DEFAULTS}.ingest for each default. */
export type IngestLimits = { -readonly [K in keyof typeof DEFAULTS.ingest]: number };
/** Storage settings; see {@link DEFAULTS}.storage. */
export type StorageSettings = { -readonly [K in keyof typeof DEFAULTS.storage]: number };
/** Query bounds; see {@link DEFAULTS}.query. */
export type QueryLimits = { -readonly [K in keyof typeof DEFAULTS.query]: number };
/** Per-tenant and per-application ingest limits; see {@link DEFAULTS}.limits (0 = off). */
export type TenantLimits = { -readonly [K in keyof typeof DEFAULTS.limits]: number };

/** Optional bearer-token auth; an empty list leaves that side open (the default). */
export interface AuthSettings {
  /** Tokens accepted on ingest routes (`/ingest`, push). */
  readonly ingestTokens: readonly string[];
  /** Tokens accepted on query routes (`/render`, `/labels`, …). */
  readonly queryTokens: readonly string[];
  /**
   * `auth.multi-tenant` (default false): ingest and query requests must name their tenant in
   * `X-Scope-OrgID`, and each sees only its own series. Off, the header is ignored.
   */
  readonly multiTenant: boolean;
  /** `auth.scrape-tenant` (default `anonymous`): the tenant of pull-mode series while multi-tenant is on. */
  readonly scrapeTenant: string;
}

/** The validated, frozen server configuration. Inner code never re-checks it. */
export interface ServerConfig {
  /** The config file read, if any (absolute path). */
  readonly configFile: string | undefined;
  readonly listen: ListenAddress;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly ingest: Readonly<IngestLimits>;
  readonly storage: Readonly<StorageSettings>;
  readonly query: Readonly<QueryLimits>;
  readonly limits: Readonly<TenantLimits>;
  readonly auth: AuthSettings;
  /** Pyroscope OG `scrape-configs`, parsed and kept for pull mode. */
  readonly scrapeConfigs: readonly ScrapeConfig[];
  /**
   * Directory of the in-cluster service account (`token`, `ca.crt`, `namespace`) used by
   * `kubernetes-sd-configs` without `api-server`/`kubeconfig-file`: `KPROF_K8S_SERVICE_ACCOUNT_DIR`
   * (absolute), else `undefined` = `/var/run/secrets/kubernetes.io/serviceaccount`.
   */
  readonly kubernetesServiceAccountDir: string | undefined;
}

/** Command-line flags; each wins over its environment variable, which wins over the file. */
export interface ConfigFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly listen?: string;
}

const TOP_KEYS: readonly KeySpec[] = [
  { name: 'listen', aliases: ['api-bind-addr'] },
  { name: 'data-dir', aliases: ['storage-path'] },
  { name: 'log-level' },
  { name: 'shutdown-timeout' },
  { name: 'ingest' },
  { name: 'storage' },
  { name: 'query' },
  { name: 'limits' },
  { name: 'auth' },
  { name: 'scrape-configs' },
];

const NOT_SUPPORTED_TOP: Readonly<Record<string, string>> = {
  pyroscopeConfigs:
    'this looks like Helm values for Pyroscope; use the mapping under pyroscopeConfigs as the kprof config file',
};

const INGEST_KEYS = keysOf(DEFAULTS.ingest);
const STORAGE_KEYS = keysOf(DEFAULTS.storage);
const QUERY_KEYS = keysOf(DEFAULTS.query);
const LIMIT_KEYS = keysOf(DEFAULTS.limits);
const AUTH_KEYS: readonly KeySpec[] = [{ name: 'ingest-tokens' }, { name: 'query-tokens' }, { name: 'multi-tenant' }, { name: 'scrape-tenant' }];

/**
 * Builds the server configuration: defaults, then the YAML file (`flags.config` or
 * `KPROF_CONFIG`), then `KPROF_DATA_DIR`/`KPROF_LISTEN`, then flags. Every problem in the file is
 * collected and thrown at once as `ConfigError` `KPROF_CONFIG_INVALID`, one line per problem with
 * `file:line: key: message`. A missing/unreadable file throws `KPROF_CONFIG_UNREADABLE`.
 */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd = process.cwd()): ServerConfig {
  const configPath = flags.config ?? nonEmpty(env.KPROF_CONFIG);
  let raw: unknown;
  let file: string | undefined;
  let lineOf: (path: string) => number | undefined = () => undefined;
  if (configPath !== undefined) {
    file = resolvePath(cwd, configPath);
    const text = readConfigText(file);
    const source = parseYamlSource(text, file);
    if (source.syntaxErrors.length > 0) {
      throw new ConfigError('KPROF_CONFIG_INVALID', `config file has YAML errors:\n  ${source.syntaxErrors.join('\n  ')}`);
    }
    raw = source.value;
    lineOf = source.lineOf;
  }

  const problems = new ConfigProblems();
  const top = raw === undefined ? new Map<string, unknown>() : readObject(raw, '', problems, TOP_KEYS, NOT_SUPPORTED_TOP);
  const get = (k: string): unknown => top?.get(k);

  const listenText = flags.listen ?? nonEmpty(env.KPROF_LISTEN) ?? optString(get('listen'), 'listen', problems) ?? DEFAULTS.listen;
  const listenSource = flags.listen !== undefined ? '--listen' : nonEmpty(env.KPROF_LISTEN) !== undefined ? 'KPROF_LISTEN' : 'listen';
  let listen: ListenAddress | undefined;
  try {
    listen = parseListenAddress(listenText, listenSource);
  } catch (err) {
    problems.add(listenSource, (err as Error).message.replace(`${listenSource}: `, ''));
  }

  const dataDirText =
    flags.dataDir ?? nonEmpty(env.KPROF_DATA_DIR) ?? optString(get('data-dir'), 'data-dir', problems) ?? DEFAULTS.dataDir;

  const levelText = optString(get('log-level'), 'log-level', problems) ?? DEFAULTS.logLevel;
  const logLevel = LOG_LEVELS.find((l) => l === levelText);
  if (logLevel === undefined) problems.add('log-level', `unknown level ${JSON.stringify(levelText)}; use one of ${LOG_LEVELS.join(', ')}`);

  const shutdownTimeoutMs =
    get('shutdown-timeout') === undefined ? DEFAULTS.shutdownTimeoutMs : readDurationMs(get('shutdown-timeout'), 'shutdown-timeout', problems);

  const ingest = readSection('ingest', get('ingest'), DEFAULTS.ingest, INGEST_KEYS, problems, readCount);
  const storage = readSection('storage', get('storage'), DEFAULTS.storage, STORAGE_KEYS, problems, readStorageValue);
  if (storage.maxAgeMs < 60_000) problems.add('storage.max-age', `must be at least 1m, got ${storage.maxAgeMs} ms`);
  if (storage.blockDurationMs === 0) storage.blockDurationMs = defaultBlockDurationMs(storage.maxAgeMs);
  else if (storage.blockDurationMs % 60_000 !== 0 || storage.blockDurationMs > 86_400_000) {
    problems.add('storage.block-duration', `must be a whole number of minutes from 1m to 24h (or 0 for a quarter of max-age), got ${storage.blockDurationMs} ms`);
  }
  const query = readSection('query', get('query'), DEFAULTS.query, QUERY_KEYS, problems, readQueryValue);
  const limits = readSection('limits', get('limits'), DEFAULTS.limits, LIMIT_KEYS, problems, readLimitValue);

  const authRaw = get('auth');
  const auth = { ingestTokens: [] as string[], queryTokens: [] as string[], multiTenant: false, scrapeTenant: 'anonymous' };
  if (authRaw !== undefined && authRaw !== null) {
    const a = readObject(authRaw, 'auth', problems, AUTH_KEYS);
    auth.ingestTokens = readTokens(a?.get('ingest-tokens'), 'auth.ingest-tokens', problems);
    auth.queryTokens = readTokens(a?.get('query-tokens'), 'auth.query-tokens', problems);
    const multiTenant = a?.get('multi-tenant');
    if (multiTenant !== undefined) auth.multiTenant = readBoolean(multiTenant, 'auth.multi-tenant', problems) ?? false;
    const scrapeTenant = a?.get('scrape-tenant');
    if (scrapeTenant !== undefined) {
      const t = readString(scrapeTenant, 'auth.scrape-tenant', problems);
      if (t !== undefined && isValidTenantId(t)) auth.scrapeTenant = t;
      else if (t !== undefined) problems.add('auth.scrape-tenant', `${JSON.stringify(t)} is not a valid tenant ID (1–150 of A-Z a-z 0-9 ! - _ . * ' ( ), not "." or "..")`);
    }
  }

  const scrape = parseScrapeConfigs(get('scrape-configs'), 'scrape-configs');
  const serviceAccountDir = nonEmpty(env.KPROF_K8S_SERVICE_ACCOUNT_DIR);
  for (const e of scrape.errors) problems.errors.push(e);

  if (problems.errors.length > 0) {
    const where = file ?? 'configuration';
    const lines = problems.errors.map((e) => {
      const path = e.slice(0, Math.max(e.indexOf(': '), 0));
      const line = file === undefined ? undefined : lineOf(path.replace(/^\./, ''));
      return line === undefined ? `${where}: ${e.replace(/^\./, '')}` : `${where}:${line}: ${e.replace(/^\./, '')}`;
    });
    throw new ConfigError(
      'KPROF_CONFIG_INVALID',
      `invalid configuration (${problems.errors.length} problem${problems.errors.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`,
    );
  }

  // Scrape configs hold compiled regexes with internal caches, so they are not frozen.
  return Object.freeze({
    configFile: file,
    listen: Object.freeze(listen as ListenAddress),
    dataDir: resolvePath(cwd, dataDirText),
    logLevel: logLevel as LogLevel,
    shutdownTimeoutMs: shutdownTimeoutMs as number,
    ingest: Object.freeze(ingest),
    storage: Object.freeze(storage),
    query: Object.freeze(query),
    limits: Object.freeze(limits),
    auth: Object.freeze({ ...auth, ingestTokens: Object.freeze(auth.ingestTokens), queryTokens: Object.freeze(auth.queryTokens) }),
    scrapeConfigs: Object.freeze(scrape.configs),
    kubernetesServiceAccountDir: serviceAccountDir === undefined ? undefined : resolvePath(cwd, serviceAccountDir),
  });
}

function readConfigText(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new ConfigError(
      'KPROF_CONFIG_UNREADABLE',
      `cannot read config file ${file}: ${(err as Error).message}; check --config / KPROF_CONFIG`,
      { cause: err },
    );
  }
  if (buf.length > MAX_CONFIG_BYTES) {
    throw new ConfigError('KPROF_CONFIG_INVALID', `config file ${file} is ${buf.length} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`);
  }
  return buf.toString('utf8');
}

function keysOf(defaults: object): KeySpec[] {
  return Object.keys(defaults).map((k) => ({ name: kebab(k) }));
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/-ms$/, '');
}

type ValueReader = (key: string, value: unknown, path: string, problems: ConfigProblems) => number | undefined;

function readSection<T extends Record<string, number>>(
  name: string,
  raw: unknown,
  defaults: Readonly<T>,
  keys: readonly KeySpec[],
  problems: ConfigProblems,
  readValue: ValueReader,
): T {
  const out = { ...defaults } as T;
  if (raw === undefined || raw === null) return out;
  const o = readObject(raw, name, problems, keys);
  if (o === undefined) return out;
  for (const key of Object.keys(defaults)) {
    const v = o.get(kebab(key));
    if (v === undefined) continue;
    const n = readValue(key, v, `${name}.${kebab(key)}`, problems);
    if (n !== undefined) (out as Record<string, number>)[key] = n;
  }
  return out;
}

// Longest delay a Node timer holds: a longer one fires after 1 ms (with a TimeoutOverflowWarning).
const MAX_TIMER_MS = 2 ** 31 - 1;

function readCount(key: string, value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (key.endsWith('Ms')) {
    // ingest.* durations arm timers (decode-timeout): one past the timer limit would fire at once.
    const ms = readDurationMs(value, path, problems);
    if (ms !== undefined && ms > MAX_TIMER_MS) return problems.add(path, `must be at most 596h (${MAX_TIMER_MS} ms, the longest Node timer), got ${JSON.stringify(value)}`);
    return ms;
  }
  if (key.endsWith('Bytes')) {
    const n = readByteSize(value, path, problems);
    if (n !== undefined && n < 1) return problems.add(path, 'must be at least 1 byte');
    return n;
  }
  // The store packs sample positions into sort keys below 2^26; no real profile comes close.
  const max = key === 'maxSamples' ? 10_000_000 : Number.MAX_SAFE_INTEGER;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max) return value;
  return problems.add(path, `expected a whole number ≥ 1${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got ${JSON.stringify(value)}`);
}

function readStorageValue(key: string, value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (key === 'maxSizeBytes') return readByteSize(value, path, problems);
  if (key === 'blockDurationMs' && (value === 0 || value === '0')) return 0;
  if (key.endsWith('Ms')) return readLongDurationMs(value, path, problems);
  return readCount(key, value, path, problems);
}

// A limit of 0 turns it off.
function readLimitValue(key: string, value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (value === 0 || value === '0') return 0;
  if (key.endsWith('Bytes') || key.endsWith('BytesPerMinute')) return readByteSize(value, path, problems);
  return readCount(key, value, path, problems);
}

function readQueryValue(key: string, value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (key.endsWith('Ms')) return readLongDurationMs(value, path, problems);
  return readCount(key, value, path, problems);
}

// Go durations have no day unit, but retention is naturally written in days or weeks.
function readLongDurationMs(value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*([dw])\s*$/.exec(value);
    if (m !== null) return Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 7 * 86_400_000);
  }
  return readDurationMs(value, path, problems);
}

function readTokens(value: unknown, path: string, problems: ConfigProblems): string[] {
  if (value === undefined) return [];
  const list = readStringList(value, path, problems) ?? [];
  list.forEach((t, i) => {
    if (t.length < 16 || /\s/.test(t)) problems.add(`${path}[${i}]`, 'a token must be at least 16 characters without spaces');
  });
  return list;
}

function optString(value: unknown, path: string, problems: ConfigProblems): string | undefined {
  if (value === undefined) return undefined;
  return readString(value, path, problems);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
