import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import type { KubernetesSdConfig } from '../config-schema.js';

/** Options for {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /**
   * Prefix for the in-cluster service-account files
   * (`<prefix>/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`).
   * Default `''` (the real paths).
   */
  readonly inClusterPathPrefix?: string;
}

/**
 * Builds the Kubernetes client config the way Pyroscope OG / Prometheus choose it:
 * `kubeconfig-file` if set, else `api-server` with the SD's own HTTP settings, else the
 * in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT`, token and CA files).
 * Credential files are read now; callers reload after a failure to pick up rotated ones.
 * Throws {@link ConfigError} `KPROF_SCRAPE_K8S_KUBECONFIG` (kubeconfig unreadable or without a
 * current cluster), `KPROF_SCRAPE_K8S_CREDENTIALS` (token or password file unreadable) or
 * `KPROF_SCRAPE_K8S_NOT_IN_CLUSTER` (no API server configured and not running in a pod).
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
    kc.loadFromCluster(options.inClusterPathPrefix ?? '');
  }
  if (kc.getCurrentCluster() === null) {
    throw new ConfigError('KPROF_SCRAPE_K8S_KUBECONFIG', `kubeconfig-file ${sd.kubeconfigFile ?? ''} has no current cluster; set current-context`);
  }
  return kc;
}

// Prometheus trims credential files; a trailing newline would make an invalid header.
async function readCredential(path: string, option: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new ConfigError('KPROF_SCRAPE_K8S_CREDENTIALS', `cannot read ${option} ${path}: ${(err as Error).message}; fix ${option}`, { cause: err });
  }
}
