import { type ConfigProblems, type KeySpec, readList, readObject, readString, readStringList } from './config-reader.js';
import { HTTP_KEYS, type HttpClientConfig, UNSUPPORTED_HTTP, parseHttpClientConfig } from './scrape-http-config.js';

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

const K8S_KEYS: readonly KeySpec[] = [
  { name: 'role' },
  { name: 'api-server' },
  { name: 'kubeconfig-file' },
  { name: 'namespaces' },
  { name: 'selectors' },
  ...HTTP_KEYS,
];

const K8S_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];

export function parseKubernetesSdConfig(raw: unknown, path: string, problems: ConfigProblems): KubernetesSdConfig | undefined {
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

