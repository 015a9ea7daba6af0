import { accessSync, constants, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import type { KubernetesSdConfig } from '../../config/kubernetes-sd-config.js';

/** Where the in-cluster service account's files live in a pod. */
export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The environment variable that moves the service-account directory (read by the server's config
 * resolution and passed down as {@link LoadKubeConfigOptions.serviceAccountDir}); named in errors.
 */
export const SERVICE_ACCOUNT_DIR_ENV = 'KPROF_K8S_SERVICE_ACCOUNT_DIR';

/** Options for {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /**
   * Directory holding the in-cluster service account's `token`, `ca.crt` and (optional)
   * `namespace`. Default {@link DEFAULT_SERVICE_ACCOUNT_DIR}.
   */
  readonly serviceAccountDir?: string;
}

/**
 * Builds the Kubernetes client config the way Pyroscope OG / Prometheus choose it:
 * `kubeconfig-file` if set, else `api-server` with the SD's own HTTP settings, else the
 * in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT`, token and CA files).
 * Credential files are read now; callers reload after a failure to pick up rotated ones.
 * Throws {@link ConfigError} `KPROF_SCRAPE_K8S_KUBECONFIG` (kubeconfig unreadable or without a
 * current cluster), `KPROF_SCRAPE_K8S_CREDENTIALS` (token or password file unreadable, or the
 * service account's `token`/`ca.crt` unreadable) or `KPROF_SCRAPE_K8S_NOT_IN_CLUSTER` (no API
 * server configured and not running in a pod).
 */
export async function loadKubeConfig(sd: KubernetesSdConfig, options: LoadKubeConfigOptions = {}): Promise<KubeConfig> {
  // @kubernetes/client-node 1.x is ESM-only; a dynamic import keeps this CommonJS package loadable on every Node 20.
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (sd.kubeconfigFile !== undefined) {
    try {
      kc.loadFromFile(sd.kubeconfigFile);
    } catch (err) {
      throw new ConfigError('KPROF_SCRAPE_K8S_KUBECONFIG', `cannot load kubeconfig-file ${sd.kubeconfigFile}: ${(err as Error).message}; fix the file or the path`, { cause: err });
    }
  } else if (sd.apiServer !== undefined) {
    const { tls, bearerToken, bearerTokenFile, basicAuth } = sd.http;
    const token = bearerTokenFile !== undefined ? await readCredential(bearerTokenFile, 'bearer-token-file') : bearerToken;
    const password =
      basicAuth?.passwordFile !== undefined ? await readCredential(basicAuth.passwordFile, 'basic-auth.password-file') : basicAuth?.password ?? '';
    kc.loadFromOptions({
      clusters: [
        {
          name: 'sd',
          server: sd.apiServer,
          // client-node refuses plain http unless TLS verification is off, so treat http as "no TLS".
          skipTLSVerify: tls.insecureSkipVerify || sd.apiServer.startsWith('http:'),
          ...(tls.caFile !== undefined ? { caFile: tls.caFile } : {}),
          ...(tls.serverName !== undefined ? { tlsServerName: tls.serverName } : {}),
        },
      ],
      users: [
        {
          name: 'sd',
          ...(token !== undefined ? { token } : {}),
          ...(basicAuth !== undefined ? { username: basicAuth.username, password } : {}),
          ...(tls.certFile !== undefined ? { certFile: tls.certFile } : {}),
          ...(tls.keyFile !== undefined ? { keyFile: tls.keyFile } : {}),
        },
      ],
      contexts: [{ name: 'sd', cluster: 'sd', user: 'sd' }],
      currentContext: 'sd',
    });
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
      throw new ConfigError(
        'KPROF_SCRAPE_K8S_NOT_IN_CLUSTER',
        'kubernetes-sd-configs without api-server or kubeconfig-file needs the in-cluster service account, ' +
          'but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set; run inside a pod or set kubeconfig-file',
      );
    }
    loadInCluster(kc, process.env.KUBERNETES_SERVICE_HOST, process.env.KUBERNETES_SERVICE_PORT, options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR);
  }
  if (kc.getCurrentCluster() === null) {
    throw new ConfigError('KPROF_SCRAPE_K8S_KUBECONFIG', `kubeconfig-file ${sd.kubeconfigFile ?? ''} has no current cluster; set current-context`);
  }
  return kc;
}

// client-go's rest.InClusterConfig (what Prometheus and Pyroscope OG use): always https to
// KUBERNETES_SERVICE_HOST:PORT, the CA from ca.crt, the bearer token from the token file. The token
// goes through client-node's tokenFile provider, which re-reads it every minute (rotated projected
// tokens); the files are checked now so a missing mount is a clear error, not an ENOENT per request.
function loadInCluster(kc: KubeConfig, host: string, port: string, dir: string): void {
  const token = join(dir, 'token');
  const ca = join(dir, 'ca.crt');
  for (const file of [token, ca]) {
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new ConfigError(
        'KPROF_SCRAPE_K8S_CREDENTIALS',
        `in-cluster service account: cannot read ${file}: ${(err as Error).message}; mount the service-account token ` +
          `(automountServiceAccountToken), set ${SERVICE_ACCOUNT_DIR_ENV} to the directory holding token and ca.crt ` +
          `(now ${dir}), or set kubeconfig-file`,
        { cause: err },
      );
    }
  }
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    // Optional, as in client-go: discovery names its namespaces itself (or watches all).
  }
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: ca, skipTLSVerify: false }],
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: token } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(namespace !== undefined ? { namespace } : {}) }],
    currentContext: 'in-cluster',
  });
}

// Prometheus trims credential files; a trailing newline would make an invalid header.
async function readCredential(path: string, option: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new ConfigError('KPROF_SCRAPE_K8S_CREDENTIALS', `cannot read ${option} ${path}: ${(err as Error).message}; fix ${option}`, { cause: err });
  }
}
