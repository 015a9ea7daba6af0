import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { parseScrapeConfigs } from '../../src/config/scrape-config.js';
import { type KubernetesSdConfig } from '../../src/config/kubernetes-sd-config.js';
import { loadKubeConfig } from '../../src/scrape/discovery/kube-config.js';
import { KubernetesPodDiscovery } from '../../src/scrape/discovery/kubernetes.js';
import { FakeKubeApi, testKubeApiTls } from './fake-kube-api.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kprof-kc-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sdConfig(yaml: string): KubernetesSdConfig {
  const { configs, errors } = parseScrapeConfigs(parse(yaml), 'scrape-configs');
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return configs[0]?.kubernetesSdConfigs[0] as KubernetesSdConfig;
}

/** Sets environment variables for the current test only. */
function setEnv(vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) {
    const saved = process.env[k];
    process.env[k] = v;
    onTestFinished(() => {
      if (saved === undefined) delete process.env[k];
      else process.env[k] = saved;
    });
  }
}

async function discoverOnce(config: KubernetesSdConfig, serviceAccountDir?: string): Promise<string[]> {
  const discovery = new KubernetesPodDiscovery({ config, onUpdate: () => {}, backoffInitialMs: 10, backoffMaxMs: 50, ...(serviceAccountDir !== undefined ? { serviceAccountDir } : {}) });
  onTestFinished(() => discovery.close());
  discovery.start();
  await discovery.whenSynced();
  return discovery.groups().map((g) => g.source);
}

const POD = {
  metadata: { namespace: 'default', name: 'p', labels: {} },
  spec: { containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: '10.0.0.9' },
};

describe('loadKubeConfig + discovery connection modes', () => {
  it('api-server with bearer-token-file sends the token from the file', async () => {
    const api = await FakeKubeApi.start();
    onTestFinished(() => api.close());
    api.apply(POD);
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const sd = sdConfig(`- job-name: j\n  kubernetes-sd-configs: [{role: pod, api-server: "${api.url}", bearer-token-file: "${join(dir, 'token')}"}]`);
    expect(await discoverOnce(sd)).toEqual(['pod/default/p']);
    expect(api.requests[0]?.authorization).toBe('Bearer file-token');
  });

  it('an unreadable bearer-token-file is a typed config error', async () => {
    const sd = sdConfig(`- job-name: j\n  kubernetes-sd-configs: [{role: pod, api-server: "http://127.0.0.1:1", bearer-token-file: /nonexistent/token}]`);
    await expect(loadKubeConfig(sd)).rejects.toMatchObject({ code: 'KPROF_SCRAPE_K8S_CREDENTIALS', message: expect.stringContaining('bearer-token-file /nonexistent/token') });
  });

  it('api-server with basic-auth sends the credentials', async () => {
    const api = await FakeKubeApi.start();
    onTestFinished(() => api.close());
    const sd = sdConfig(`- job-name: j\n  kubernetes-sd-configs: [{role: pod, api-server: "${api.url}", basic-auth: {username: u, password: pw}}]`);
    await discoverOnce(sd);
    expect(api.requests[0]?.authorization).toBe(`Basic ${Buffer.from('u:pw').toString('base64')}`);
  });

  it('in-cluster: service-account token and CA over HTTPS from KUBERNETES_SERVICE_HOST/PORT and serviceAccountDir', async () => {
    const tls = testKubeApiTls();
    const api = await FakeKubeApi.start(tls);
    onTestFinished(() => api.close());
    api.apply(POD);
    const saDir = join(tempDir(), 'sa');
    mkdirSync(saDir);
    writeFileSync(join(saDir, 'token'), 'sa-token');
    writeFileSync(join(saDir, 'ca.crt'), tls.ca);
    writeFileSync(join(saDir, 'namespace'), 'default');
    setEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) });
    // The seed's SD config as written: `role: pod` and nothing else.
    const sd = sdConfig('- job-name: j\n  kubernetes-sd-configs: [{role: pod}]');
    const kc = await loadKubeConfig(sd, { serviceAccountDir: saDir });
    expect(kc.getCurrentCluster()).toMatchObject({ server: `https://127.0.0.1:${api.port}`, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false });
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('default');
    expect(await discoverOnce(sd, saDir)).toEqual(['pod/default/p']);
    expect(api.url).toMatch(/^https:/);
    expect(api.requests[0]?.authorization).toBe('Bearer sa-token');
  });

  it('in-cluster: a CA that did not sign the server certificate is refused', async () => {
    const tls = testKubeApiTls();
    const api = await FakeKubeApi.start(tls);
    onTestFinished(() => api.close());
    const saDir = tempDir();
    writeFileSync(join(saDir, 'token'), 'sa-token');
    // The server certificate as its own "CA": not a CA, and not the issuer of itself.
    writeFileSync(join(saDir, 'ca.crt'), tls.cert);
    setEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) });
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (obj: unknown) => warnings.push(obj) };
    const sd = sdConfig('- job-name: j\n  kubernetes-sd-configs: [{role: pod}]');
    const discovery = new KubernetesPodDiscovery({ config: sd, onUpdate: () => {}, backoffInitialMs: 5, backoffMaxMs: 10, serviceAccountDir: saDir, logger: logger as never });
    onTestFinished(() => discovery.close());
    discovery.start();
    await expect.poll(() => discovery.stats.failures).toBeGreaterThanOrEqual(1);
    expect(discovery.stats.lists).toBe(0);
    expect(JSON.stringify(warnings)).toMatch(/certificate|issuer/i);
    // The TLS handshake failed, so no request reached the handler.
    expect(api.requests).toEqual([]);
  });

  it('in-cluster: missing service-account files name the file and KPROF_K8S_SERVICE_ACCOUNT_DIR', async () => {
    const saDir = tempDir();
    writeFileSync(join(saDir, 'ca.crt'), testKubeApiTls().ca);
    setEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443' });
    const sd = sdConfig('- job-name: j\n  kubernetes-sd-configs: [{role: pod}]');
    await expect(loadKubeConfig(sd, { serviceAccountDir: saDir })).rejects.toMatchObject({
      code: 'KPROF_SCRAPE_K8S_CREDENTIALS',
      message: expect.stringMatching(new RegExp(`cannot read ${join(saDir, 'token')}: .*KPROF_K8S_SERVICE_ACCOUNT_DIR`)),
    });
    // Without the option the real in-pod path is used (absent on a test machine).
    await expect(loadKubeConfig(sd)).rejects.toMatchObject({
      code: 'KPROF_SCRAPE_K8S_CREDENTIALS',
      message: expect.stringContaining('/var/run/secrets/kubernetes.io/serviceaccount/token'),
    });
  });

  it('KPROF_K8S_SERVICE_ACCOUNT_DIR reaches the server config, resolved against the working directory', () => {
    const cwd = tempDir();
    expect(resolveConfig({}, { KPROF_K8S_SERVICE_ACCOUNT_DIR: 'sa' }, cwd).kubernetesServiceAccountDir).toBe(join(cwd, 'sa'));
    expect(resolveConfig({}, { KPROF_K8S_SERVICE_ACCOUNT_DIR: '' }, cwd).kubernetesServiceAccountDir).toBeUndefined();
    expect(resolveConfig({}, {}, cwd).kubernetesServiceAccountDir).toBeUndefined();
  });

  it('in-cluster without KUBERNETES_SERVICE_HOST explains what to set', async () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    onTestFinished(() => {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    });
    await expect(loadKubeConfig(sdConfig('- job-name: j\n  kubernetes-sd-configs: [{role: pod}]'))).rejects.toMatchObject({
      code: 'KPROF_SCRAPE_K8S_NOT_IN_CLUSTER',
      message: expect.stringMatching(/KUBERNETES_SERVICE_HOST.*kubeconfig-file/),
    });
  });

  it('a missing kubeconfig file is reported, and discovery keeps retrying without crashing', async () => {
    const dir = tempDir();
    const sd = sdConfig(`- job-name: j\n  kubernetes-sd-configs: [{role: pod, kubeconfig-file: "${join(dir, 'missing.yaml')}"}]`);
    await expect(loadKubeConfig(sd)).rejects.toMatchObject({ code: 'KPROF_SCRAPE_K8S_KUBECONFIG', message: expect.stringContaining('missing.yaml') });
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (obj: unknown) => warnings.push(obj) };
    const discovery = new KubernetesPodDiscovery({ config: sd, onUpdate: () => {}, backoffInitialMs: 5, backoffMaxMs: 10, logger: logger as never });
    onTestFinished(() => discovery.close());
    discovery.start();
    await expect.poll(() => discovery.stats.failures).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(warnings[0])).toContain('missing.yaml');
  });
});
