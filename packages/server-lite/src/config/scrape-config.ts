import { type SampleTypeConfig, readSampleTypeConfigs } from '../model/sample-type-config.js';
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
import { compileRelabelConfig, isValidLabelName, RELABEL_ACTIONS, RELABEL_DEFAULTS, type Labels, type RelabelAction, type RelabelRule } from './relabel-rules.js';

/** TLS settings for scraping targets or reaching the Kubernetes API. */
export interface TlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
  /** Default `false`. */
  readonly insecureSkipVerify: boolean;
}

/** HTTP client settings shared by scrape configs and Kubernetes SD configs. At most one credential. */
export interface HttpClientConfig {
  readonly bearerToken?: string;
  readonly bearerTokenFile?: string;
  readonly basicAuth?: { readonly username: string; readonly password?: string; readonly passwordFile?: string };
  readonly tls: TlsConfig;
  /** Default `true`. */
  readonly followRedirects: boolean;
}

/** One profile the scraper can fetch. */
export interface ProfileConfig {
  /** URL path on the target, e.g. `/debug/pprof/heap`. */
  readonly path: string;
  /** Query parameters (`seconds` for CPU is fitted inside the scrape interval). */
  readonly params: Readonly<Record<string, readonly string[]>>;
  /**
   * Compute deltas of cumulative sample types on the scraper side (the first scrape is the
   * baseline). Defaults: `mem` true (alloc_* are cumulative), others false.
   */
  readonly delta: boolean;
  /** Pyroscope OG `sample-types` overrides (type → naming, units, aggregation, cumulative). */
  readonly sampleTypes: Readonly<Record<string, SampleTypeConfig>>;
  /** Pyroscope OG `all-sample-types`. Default `false`. */
  readonly allSampleTypes: boolean;
}

/** Targets listed in the config. */
export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels: Labels;
  /** Sets `__name__` (the application name) on these targets. */
  readonly application?: string;
  /** Sets `__spy_name__` on these targets. */
  readonly spyName?: string;
}

/** Label/field selector for Kubernetes SD (the `role` must match the SD role). */
export interface KubernetesSelector {
  readonly role: 'pod';
  readonly label?: string;
  readonly field?: string;
}

/** Kubernetes pod discovery. Without `apiServer` or `kubeconfigFile`, the in-cluster service account is used. */
export interface KubernetesSdConfig {
  readonly role: 'pod';
  readonly apiServer?: string;
  readonly kubeconfigFile?: string;
  /** Empty = all namespaces. */
  readonly namespaces: readonly string[];
  readonly selectors: readonly KubernetesSelector[];
  readonly http: HttpClientConfig;
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

/** Built-in profiles (Pyroscope OG's defaults, plus kprof's `delta` flag). */
export const DEFAULT_PROFILES: Readonly<Record<string, ProfileConfig>> = Object.freeze({
  cpu: profile('/debug/pprof/profile', { seconds: ['10'] }, false),
  mem: profile('/debug/pprof/heap', {}, true),
  goroutines: profile('/debug/pprof/goroutine', {}, false),
  mutex: profile('/debug/pprof/mutex', { seconds: ['10'] }, false),
  block: profile('/debug/pprof/block', { seconds: ['10'] }, false),
});

// godeltaprof serves deltas itself, so scraper-side deltas are off for these paths.
const DELTA_PROFILE_PATHS: Readonly<Record<string, string>> = {
  mem: '/debug/pprof/delta_heap',
  mutex: '/debug/pprof/delta_mutex',
  block: '/debug/pprof/delta_block',
};

function profile(path: string, params: Record<string, string[]>, delta: boolean): ProfileConfig {
  return Object.freeze({ path, params: Object.freeze(params), delta, sampleTypes: Object.freeze({}), allSampleTypes: false });
}

const HTTP_KEYS: readonly KeySpec[] = [
  { name: 'tls-config', aliases: ['tls_config'] },
  { name: 'bearer-token', aliases: ['bearer_token'] },
  { name: 'bearer-token-file', aliases: ['bearer_token_file'] },
  { name: 'basic-auth', aliases: ['basic_auth'] },
  { name: 'follow-redirects', aliases: ['follow_redirects'] },
];

const UNSUPPORTED_HTTP: Readonly<Record<string, string>> = {
  authorization: 'not supported by kprof; use bearer-token or bearer-token-file',
  oauth2: 'not supported by kprof; use bearer-token or bearer-token-file',
  proxy_url: 'not supported by kprof',
  'proxy-url': 'not supported by kprof',
};

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

const PROFILE_KEYS: readonly KeySpec[] = [
  { name: 'path' },
  { name: 'params' },
  { name: 'delta' },
  { name: 'sample-types' },
  { name: 'all-sample-types' },
];

function parseProfiles(raw: unknown, path: string, problems: ConfigProblems, useDeltaProfiles: boolean): Readonly<Record<string, ProfileConfig>> {
  const merged = new Map<string, ProfileConfig>(Object.entries(DEFAULT_PROFILES));
  if (useDeltaProfiles) {
    for (const [name, deltaPath] of Object.entries(DELTA_PROFILE_PATHS)) {
      const base = merged.get(name) as ProfileConfig;
      merged.set(name, Object.freeze({ ...base, path: deltaPath, params: Object.freeze({}), delta: false }));
    }
  }
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.add(path, 'expected a mapping of profile name → settings');
    } else {
      for (const [name, value] of Object.entries(raw)) {
        const p = parseProfile(value, `${path}.${name}`, problems, merged.get(name));
        if (p !== undefined) merged.set(name, p);
      }
    }
  }
  return Object.freeze(Object.fromEntries(merged));
}

function parseProfile(raw: unknown, path: string, problems: ConfigProblems, base: ProfileConfig | undefined): ProfileConfig | undefined {
  // `mem: {}` or `mem:` keeps the built-in settings, as Pyroscope's defaults merge did.
  const o = raw === null ? new Map<string, unknown>() : readObject(raw, path, problems, PROFILE_KEYS);
  if (o === undefined) return undefined;
  let profilePath = base?.path;
  if (o.has('path')) {
    const p = readString(o.get('path'), `${path}.path`, problems);
    if (p !== undefined && !p.startsWith('/')) problems.add(`${path}.path`, `must start with "/", got ${JSON.stringify(p)}`);
    else if (p !== undefined) profilePath = p;
  }
  if (profilePath === undefined) return problems.add(`${path}.path`, 'is required for a profile that is not built in (cpu, mem, goroutines, mutex, block)');
  let params = base?.params ?? {};
  if (o.has('params')) {
    const p = o.get('params');
    if (p !== null && (typeof p !== 'object' || Array.isArray(p))) {
      problems.add(`${path}.params`, 'expected a mapping of parameter → value or list of values');
    } else {
      const out: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(p ?? {})) {
        const values = Array.isArray(v) ? readStringList(v, `${path}.params.${k}`, problems) : [readString(v, `${path}.params.${k}`, problems)];
        if (values !== undefined && values.every((x): x is string => x !== undefined)) out[k] = values;
      }
      params = Object.freeze(out);
    }
  }
  const delta = o.has('delta') ? readBoolean(o.get('delta'), `${path}.delta`, problems) ?? false : base?.delta ?? false;
  const allSampleTypes = o.has('all-sample-types') ? readBoolean(o.get('all-sample-types'), `${path}.all-sample-types`, problems) ?? false : base?.allSampleTypes ?? false;
  let sampleTypes = base?.sampleTypes ?? {};
  if (o.has('sample-types')) {
    const st = o.get('sample-types');
    if (st !== null && (typeof st !== 'object' || Array.isArray(st))) problems.add(`${path}.sample-types`, 'expected a mapping of sample type → settings');
    else sampleTypes = Object.freeze(readSampleTypeConfigs((st ?? {}) as Record<string, unknown>));
  }
  return Object.freeze({ path: profilePath, params, delta, sampleTypes, allSampleTypes });
}

const RELABEL_KEYS: readonly KeySpec[] = [
  { name: 'source-labels' },
  { name: 'separator' },
  { name: 'target-label' },
  { name: 'regex' },
  { name: 'modulus' },
  { name: 'replacement' },
  { name: 'action' },
];

/** Parses and compiles a `relabel-configs` list (kebab-case keys, Prometheus defaults). */
export function parseRelabelConfigs(raw: unknown, path: string, problems: ConfigProblems): RelabelRule[] {
  const rules: RelabelRule[] = [];
  (readList(raw ?? null, path, problems) ?? []).forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (item === null) {
      problems.add(p, 'empty relabel rule; remove it or give it an action');
      return;
    }
    const o = readObject(item, p, problems, RELABEL_KEYS);
    if (o === undefined) return;
    const before = problems.errors.length;
    let sourceLabels: string[] | undefined;
    if (o.has('source-labels') && o.get('source-labels') !== null) {
      sourceLabels = readStringList(o.get('source-labels'), `${p}.source-labels`, problems);
      sourceLabels?.forEach((name, j) => {
        if (!isValidLabelName(name)) problems.add(`${p}.source-labels[${j}]`, `${JSON.stringify(name)} is not a valid label name`);
      });
    }
    // Go's YAML decoder leaves an explicit null at the zero value (empty string), not the default.
    const str = (key: string, dflt: string): string | undefined => (o.has(key) ? readString(o.get(key), `${p}.${key}`, problems) : dflt);
    const separator = str('separator', RELABEL_DEFAULTS.separator);
    const targetLabel = str('target-label', RELABEL_DEFAULTS.targetLabel);
    const regex = str('regex', RELABEL_DEFAULTS.regex);
    const replacement = str('replacement', RELABEL_DEFAULTS.replacement);
    const actionText = str('action', RELABEL_DEFAULTS.action);
    const action = actionText?.toLowerCase();
    if (action === '') problems.add(`${p}.action`, `relabel action cannot be empty; use one of ${RELABEL_ACTIONS.join(', ')}`);
    let modulus = RELABEL_DEFAULTS.modulus;
    if (o.has('modulus') && o.get('modulus') !== null) {
      const m = o.get('modulus');
      if ((typeof m === 'number' && Number.isSafeInteger(m) && m >= 0) || (typeof m === 'string' && /^\d+$/.test(m))) modulus = BigInt(m);
      else if (typeof m === 'bigint' && m >= 0n) modulus = m;
      else problems.add(`${p}.modulus`, `expected a whole number ≥ 0, got ${JSON.stringify(m)}`);
      if (modulus >= 2n ** 64n) problems.add(`${p}.modulus`, `must be below 2^64, got ${modulus}`);
    }
    if (problems.errors.length > before || separator === undefined || targetLabel === undefined || regex === undefined || replacement === undefined || action === undefined || action === '') return;
    const compiled = compileRelabelConfig({ sourceLabels, separator, targetLabel, regex, replacement, modulus, action: action as RelabelAction });
    if (compiled.ok) rules.push(compiled.rule);
    else for (const e of compiled.errors) problems.add(p, e);
  });
  return rules;
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

const K8S_KEYS: readonly KeySpec[] = [
  { name: 'role' },
  { name: 'api-server' },
  { name: 'kubeconfig-file' },
  { name: 'namespaces' },
  { name: 'selectors' },
  ...HTTP_KEYS,
];

const K8S_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];

function parseKubernetesSdConfig(raw: unknown, path: string, problems: ConfigProblems): KubernetesSdConfig | undefined {
  const o = readObject(raw, path, problems, K8S_KEYS, UNSUPPORTED_HTTP);
  if (o === undefined) return undefined;
  const before = problems.errors.length;
  const role = o.has('role') ? readString(o.get('role'), `${path}.role`, problems) : '';
  if (role === '') problems.add(`${path}.role`, 'is required (kprof supports role: pod)');
  else if (role !== undefined && K8S_ROLES.includes(role) && role !== 'pod') problems.add(`${path}.role`, `role ${JSON.stringify(role)} is not supported by kprof; use role: pod`);
  else if (role !== undefined && role !== 'pod') problems.add(`${path}.role`, `unknown Kubernetes SD role ${JSON.stringify(role)}; use pod`);

  let apiServer: string | undefined;
  if (o.has('api-server') && o.get('api-server') !== null) {
    apiServer = readString(o.get('api-server'), `${path}.api-server`, problems);
    if (apiServer !== undefined && !/^https?:\/\/[^/]+/.test(apiServer)) problems.add(`${path}.api-server`, `expected an http(s) URL such as https://kubernetes.default.svc, got ${JSON.stringify(apiServer)}`);
  }
  const kubeconfigFile = o.has('kubeconfig-file') ? readString(o.get('kubeconfig-file'), `${path}.kubeconfig-file`, problems) || undefined : undefined;
  if (apiServer !== undefined && kubeconfigFile !== undefined) problems.add(path, "cannot use 'kubeconfig-file' and 'api-server' together");

  let namespaces: string[] = [];
  if (o.has('namespaces') && o.get('namespaces') !== null) {
    const ns = readObject(o.get('namespaces'), `${path}.namespaces`, problems, [{ name: 'names' }]);
    if (ns !== undefined) namespaces = readStringList(ns.get('names') ?? null, `${path}.namespaces.names`, problems) ?? [];
  }

  const selectors: KubernetesSelector[] = [];
  (readList(o.get('selectors') ?? null, `${path}.selectors`, problems) ?? []).forEach((s, i) => {
    const sp = `${path}.selectors[${i}]`;
    const so = readObject(s, sp, problems, [{ name: 'role' }, { name: 'label' }, { name: 'field' }]);
    if (so === undefined) return;
    const sRole = readString(so.get('role') ?? null, `${sp}.role`, problems);
    if (sRole !== 'pod') problems.add(`${sp}.role`, `pod role supports only pod selectors, got ${JSON.stringify(sRole)}`);
    else if (selectors.length > 0) problems.add(`${sp}.role`, 'duplicated selector role: pod');
    const label = so.has('label') ? readString(so.get('label'), `${sp}.label`, problems) || undefined : undefined;
    const field = so.has('field') ? readString(so.get('field'), `${sp}.field`, problems) || undefined : undefined;
    if (sRole === 'pod') selectors.push(Object.freeze({ role: 'pod' as const, ...(label ? { label } : {}), ...(field ? { field } : {}) }));
  });

  const http = parseHttpClientConfig(o, path, problems);
  const customHttp = HTTP_KEYS.some((k) => o.has(k.name));
  if (customHttp && kubeconfigFile !== undefined) problems.add(path, "cannot use a custom HTTP client configuration together with 'kubeconfig-file'");
  else if (customHttp && apiServer === undefined) problems.add(path, "to use a custom HTTP client configuration, set 'api-server' explicitly");

  if (problems.errors.length > before) return undefined;
  return Object.freeze({
    role: 'pod' as const,
    ...(apiServer !== undefined ? { apiServer } : {}),
    ...(kubeconfigFile !== undefined ? { kubeconfigFile } : {}),
    namespaces: Object.freeze(namespaces),
    selectors: Object.freeze(selectors),
    http,
  });
}

const TLS_KEYS: readonly KeySpec[] = [
  { name: 'ca-file', aliases: ['ca_file'] },
  { name: 'cert-file', aliases: ['cert_file'] },
  { name: 'key-file', aliases: ['key_file'] },
  { name: 'server-name', aliases: ['server_name'] },
  { name: 'insecure-skip-verify', aliases: ['insecure_skip_verify'] },
];

function parseHttpClientConfig(o: Map<string, unknown>, path: string, problems: ConfigProblems): HttpClientConfig {
  const opt = (key: string): string | undefined => (o.has(key) ? readString(o.get(key), `${path}.${key}`, problems) || undefined : undefined);
  const bearerToken = opt('bearer-token');
  const bearerTokenFile = opt('bearer-token-file');
  if (bearerToken !== undefined && bearerTokenFile !== undefined) problems.add(path, "at most one of 'bearer-token' and 'bearer-token-file' may be set");

  let basicAuth: HttpClientConfig['basicAuth'];
  if (o.has('basic-auth') && o.get('basic-auth') !== null) {
    const bp = `${path}.basic-auth`;
    const b = readObject(o.get('basic-auth'), bp, problems, [{ name: 'username' }, { name: 'password' }, { name: 'password-file', aliases: ['password_file'] }]);
    if (b !== undefined) {
      const username = readString(b.get('username') ?? null, `${bp}.username`, problems) ?? '';
      const password = b.has('password') ? readString(b.get('password'), `${bp}.password`, problems) || undefined : undefined;
      const passwordFile = b.has('password-file') ? readString(b.get('password-file'), `${bp}.password-file`, problems) || undefined : undefined;
      if (password !== undefined && passwordFile !== undefined) problems.add(bp, "at most one of 'password' and 'password-file' may be set");
      basicAuth = Object.freeze({ username, ...(password ? { password } : {}), ...(passwordFile ? { passwordFile } : {}) });
      if (bearerToken !== undefined || bearerTokenFile !== undefined) problems.add(path, "at most one of 'basic-auth', 'bearer-token' and 'bearer-token-file' may be set");
    }
  }

  let tls: TlsConfig = Object.freeze({ insecureSkipVerify: false });
  if (o.has('tls-config') && o.get('tls-config') !== null) {
    const tp = `${path}.tls-config`;
    const t = readObject(o.get('tls-config'), tp, problems, TLS_KEYS);
    if (t !== undefined) {
      const s = (key: string): string | undefined => (t.has(key) ? readString(t.get(key), `${tp}.${key}`, problems) || undefined : undefined);
      const certFile = s('cert-file');
      const keyFile = s('key-file');
      if ((certFile === undefined) !== (keyFile === undefined)) problems.add(tp, "'cert-file' and 'key-file' must be set together");
      const caFile = s('ca-file');
      const serverName = s('server-name');
      const insecureSkipVerify = t.has('insecure-skip-verify') ? readBoolean(t.get('insecure-skip-verify'), `${tp}.insecure-skip-verify`, problems) ?? false : false;
      tls = Object.freeze({
        insecureSkipVerify,
        ...(caFile ? { caFile } : {}),
        ...(certFile ? { certFile } : {}),
        ...(keyFile ? { keyFile } : {}),
        ...(serverName ? { serverName } : {}),
      });
    }
  }
  const followRedirects = o.has('follow-redirects') ? readBoolean(o.get('follow-redirects'), `${path}.follow-redirects`, problems) ?? true : true;
  return Object.freeze({
    tls,
    followRedirects,
    ...(bearerToken ? { bearerToken } : {}),
    ...(bearerTokenFile ? { bearerTokenFile } : {}),
    ...(basicAuth ? { basicAuth } : {}),
  });
}
