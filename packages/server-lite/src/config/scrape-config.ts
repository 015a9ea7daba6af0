import {
  ConfigProblems,
  readBoolean,
  readByteSize,
  readDurationMs,
  readList,
  readObject,
  readString,
  readStringList,
  readStringMap,
  type KeySpec,
} from './config-reader.js';
import { type KubernetesSdConfig, parseKubernetesSdConfig } from './kubernetes-sd-config.js';
import { parseRelabelConfigs } from './relabel-config.js';
import { isValidLabelName, type Labels, type RelabelRule } from './relabel-rules.js';
import { HTTP_KEYS, type HttpClientConfig, UNSUPPORTED_HTTP, parseHttpClientConfig } from './scrape-http-config.js';
import { type ProfileConfig, parseProfiles } from './scrape-profiles.js';

/** Targets listed in the config. */
export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels: Labels;
  /** Sets `__name__` (the application name) on these targets. */
  readonly application?: string;
  /** Sets `__spy_name__` on these targets. */
  readonly spyName?: string;
}

/** One `scrape-configs` entry, validated, with defaults applied. */
export interface ScrapeConfig {
  readonly jobName: string;
  /** `scrape-interval`, default 10 s. */
  readonly scrapeIntervalMs: number;
  /** `scrape-timeout`, default 15 s (Pyroscope OG allows it above the interval: a 10 s CPU profile needs it). */
  readonly scrapeTimeoutMs: number;
  /** `scheme`, default `http`. */
  readonly scheme: 'http' | 'https';
  /** `body-size-limit` after decompression, default 64 MiB; `0` (OG: no limit) means the 256 MiB hard cap. */
  readonly bodySizeLimitBytes: number;
  /** `enabled-profiles`, default none. Each names a key of `profiles`. */
  readonly enabledProfiles: readonly string[];
  /** `use-delta-profiles`: fetch godeltaprof's `delta_heap`/`delta_mutex`/`delta_block`. Default `false`. */
  readonly useDeltaProfiles: boolean;
  /** Built-in profiles (cpu, mem, goroutines, mutex, block) merged with the config's `profiles`. */
  readonly profiles: Readonly<Record<string, ProfileConfig>>;
  readonly staticConfigs: readonly StaticConfig[];
  readonly kubernetesSdConfigs: readonly KubernetesSdConfig[];
  readonly relabelRules: readonly RelabelRule[];
  readonly http: HttpClientConfig;
}

/** Defaults of a scrape config (Pyroscope OG v0.37). */
export const SCRAPE_DEFAULTS = Object.freeze({
  scrapeIntervalMs: 10_000,
  scrapeTimeoutMs: 15_000,
  scheme: 'http' as const,
  bodySizeLimitBytes: 64 * 1024 * 1024,
  maxBodySizeLimitBytes: 256 * 1024 * 1024,
});

const SCRAPE_KEYS: readonly KeySpec[] = [
  { name: 'job-name' },
  { name: 'scrape-interval' },
  { name: 'scrape-timeout' },
  { name: 'scheme' },
  { name: 'body-size-limit' },
  { name: 'enabled-profiles' },
  { name: 'use-delta-profiles' },
  { name: 'profiles' },
  { name: 'static-configs' },
  { name: 'kubernetes-sd-configs' },
  { name: 'relabel-configs' },
  ...HTTP_KEYS,
];

const UNSUPPORTED_SCRAPE: Readonly<Record<string, string>> = {
  ...UNSUPPORTED_HTTP,
  'file-sd-configs': 'not supported by kprof; use static-configs or kubernetes-sd-configs',
  'consul-sd-configs': 'not supported by kprof; use static-configs or kubernetes-sd-configs',
  'ec2-sd-configs': 'not supported by kprof; use static-configs or kubernetes-sd-configs',
  'http-sd-configs': 'not supported by kprof; use static-configs or kubernetes-sd-configs',
  'dns-sd-configs': 'not supported by kprof; use static-configs or kubernetes-sd-configs',
};

/**
 * Parses and validates the `scrape-configs` list of a Pyroscope OG (kebab-case) config, applying
 * defaults and compiling relabel rules. `path` prefixes every message (e.g. `scrape-configs`).
 * Every problem is reported; `configs` holds only entries without problems. `null`/absent
 * input means no scrape configs.
 */
export function parseScrapeConfigs(raw: unknown, path: string): { configs: ScrapeConfig[]; errors: string[] } {
  const problems = new ConfigProblems();
  const configs: ScrapeConfig[] = [];
  if (raw === undefined || raw === null) return { configs, errors: [] };
  const list = readList(raw, path, problems);
  const jobs = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const before = problems.errors.length;
    const cfg = parseScrapeConfig(item, `${path}[${i}]`, problems);
    if (cfg === undefined || problems.errors.length > before) return;
    const earlier = jobs.get(cfg.jobName);
    if (earlier !== undefined) {
      problems.add(`${path}[${i}].job-name`, `duplicate job name ${JSON.stringify(cfg.jobName)} (also ${path}[${earlier}]); job names must be unique`);
      return;
    }
    jobs.set(cfg.jobName, i);
    configs.push(cfg);
  });
  return { configs, errors: problems.errors };
}

function parseScrapeConfig(raw: unknown, path: string, problems: ConfigProblems): ScrapeConfig | undefined {
  const o = readObject(raw, path, problems, SCRAPE_KEYS, UNSUPPORTED_SCRAPE);
  if (o === undefined) return undefined;
  const at = (key: string): string => `${path}.${key}`;

  const jobName = o.has('job-name') ? readString(o.get('job-name'), at('job-name'), problems) : undefined;
  if (jobName === '' || (jobName === undefined && !o.has('job-name'))) problems.add(at('job-name'), 'is required and must not be empty');

  const scrapeIntervalMs = o.has('scrape-interval') ? readDurationMs(o.get('scrape-interval'), at('scrape-interval'), problems) : SCRAPE_DEFAULTS.scrapeIntervalMs;
  const scrapeTimeoutMs = o.has('scrape-timeout') ? readDurationMs(o.get('scrape-timeout'), at('scrape-timeout'), problems) : SCRAPE_DEFAULTS.scrapeTimeoutMs;

  let scheme: 'http' | 'https' = SCRAPE_DEFAULTS.scheme;
  if (o.has('scheme')) {
    const s = readString(o.get('scheme'), at('scheme'), problems);
    if (s === 'http' || s === 'https') scheme = s;
    else if (s !== undefined && s !== '') problems.add(at('scheme'), `must be http or https, got ${JSON.stringify(s)}`);
  }

  let bodySizeLimitBytes: number = SCRAPE_DEFAULTS.bodySizeLimitBytes;
  if (o.has('body-size-limit')) {
    const n = readByteSize(o.get('body-size-limit'), at('body-size-limit'), problems);
    if (n === 0) bodySizeLimitBytes = SCRAPE_DEFAULTS.maxBodySizeLimitBytes;
    else if (n !== undefined && n > SCRAPE_DEFAULTS.maxBodySizeLimitBytes) {
      problems.add(at('body-size-limit'), `${n} bytes is over the hard cap of ${SCRAPE_DEFAULTS.maxBodySizeLimitBytes} bytes (256 MiB); lower it`);
    } else if (n !== undefined) bodySizeLimitBytes = n;
  }

  const useDeltaProfiles = o.has('use-delta-profiles') ? readBoolean(o.get('use-delta-profiles'), at('use-delta-profiles'), problems) ?? false : false;
  const profiles = parseProfiles(o.get('profiles'), at('profiles'), problems, useDeltaProfiles);

  const enabledProfiles = o.has('enabled-profiles') ? readStringList(o.get('enabled-profiles'), at('enabled-profiles'), problems) ?? [] : [];
  enabledProfiles.forEach((name, i) => {
    if (profiles[name] === undefined) {
      problems.add(`${at('enabled-profiles')}[${i}]`, `unknown profile ${JSON.stringify(name)}; known: ${Object.keys(profiles).join(', ')} (add it under 'profiles' with a path)`);
    }
  });

  const relabelRules = parseRelabelConfigs(o.get('relabel-configs'), at('relabel-configs'), problems);
  const staticConfigs = (readList(o.get('static-configs') ?? null, at('static-configs'), problems) ?? [])
    .map((s, i) => parseStaticConfig(s, `${at('static-configs')}[${i}]`, problems, relabelRules.length > 0))
    .filter((s): s is StaticConfig => s !== undefined);
  const kubernetesSdConfigs = (readList(o.get('kubernetes-sd-configs') ?? null, at('kubernetes-sd-configs'), problems) ?? [])
    .map((s, i) => parseKubernetesSdConfig(s, `${at('kubernetes-sd-configs')}[${i}]`, problems))
    .filter((s): s is KubernetesSdConfig => s !== undefined);
  const http = parseHttpClientConfig(o, path, problems);

  if (jobName === undefined || jobName === '' || scrapeIntervalMs === undefined || scrapeTimeoutMs === undefined) return undefined;
  return Object.freeze({
    jobName,
    scrapeIntervalMs,
    scrapeTimeoutMs,
    scheme,
    bodySizeLimitBytes,
    enabledProfiles: Object.freeze([...new Set(enabledProfiles)]),
    useDeltaProfiles,
    profiles,
    staticConfigs: Object.freeze(staticConfigs),
    kubernetesSdConfigs: Object.freeze(kubernetesSdConfigs),
    relabelRules: Object.freeze(relabelRules),
    http,
  });
}

const STATIC_KEYS: readonly KeySpec[] = [{ name: 'targets' }, { name: 'labels' }, { name: 'application' }, { name: 'spy-name' }];

function parseStaticConfig(raw: unknown, path: string, problems: ConfigProblems, hasRelabeling: boolean): StaticConfig | undefined {
  const o = readObject(raw, path, problems, STATIC_KEYS);
  if (o === undefined) return undefined;
  const before = problems.errors.length;
  const targets = readStringList(o.get('targets') ?? null, `${path}.targets`, problems) ?? [];
  targets.forEach((t, i) => {
    if (t === '') problems.add(`${path}.targets[${i}]`, 'empty target address');
    // Relabeling may still rewrite a URL-looking address, so only check when there is none (as Pyroscope does).
    else if (!hasRelabeling && t.includes('/')) problems.add(`${path}.targets[${i}]`, `${JSON.stringify(t)} is not a valid host:port (no scheme or path; set 'scheme' and 'profiles' instead)`);
  });
  const labelMap = readStringMap(o.get('labels') ?? null, `${path}.labels`, problems) ?? new Map();
  for (const name of labelMap.keys()) {
    if (!isValidLabelName(name)) problems.add(`${path}.labels.${name}`, `${JSON.stringify(name)} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
  }
  const application = o.has('application') ? readString(o.get('application'), `${path}.application`, problems) : undefined;
  const spyName = o.has('spy-name') ? readString(o.get('spy-name'), `${path}.spy-name`, problems) : undefined;
  if (problems.errors.length > before) return undefined;
  return Object.freeze({
    targets: Object.freeze(targets),
    labels: Object.freeze(Object.fromEntries(labelMap)),
    ...(application ? { application } : {}),
    ...(spyName ? { spyName } : {}),
  });
}

