import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs, type KubernetesSdConfig } from '../../src/scrape/config-schema.js';
import { loadKubeConfig } from '../../src/scrape/discovery/kube-config.js';
import { KubernetesPodDiscovery } from '../../src/scrape/discovery/kubernetes.js';
import { FakeKubeApi } from './fake-kube-api.js';

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

async function discoverOnce(api: FakeKubeApi, config: KubernetesSdConfig, inClusterPathPrefix?: string): Promise<string[]> {
  const discovery = new KubernetesPodDiscovery({ config, onUpdate: () => {}, backoffInitialMs: 10, backoffMaxMs: 50, ...(inClusterPathPrefix ? { inClusterPathPrefix } : {}) });
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
    expect(await discoverOnce(api, sd)).toEqual(['pod/default/p']);
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
    await discoverOnce(api, sd);
    expect(api.requests[0]?.authorization).toBe(`Basic ${Buffer.from('u:pw').toString('base64')}`);
  });

  it('in-cluster: service-account token and CA over HTTPS from KUBERNETES_SERVICE_HOST/PORT', async () => {
    const dir = tempDir();
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const api = await FakeKubeApi.start({ key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert });
    onTestFinished(() => api.close());
    api.apply(POD);
    const saDir = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'token'), 'sa-token');
    writeFileSync(join(saDir, 'ca.crt'), cert);
    writeFileSync(join(saDir, 'namespace'), 'default');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(api.port);
    onTestFinished(() => {
      for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    // The seed's SD config as written: `role: pod` and nothing else.
    const sd = sdConfig('- job-name: j\n  kubernetes-sd-configs: [{role: pod}]');
    expect(await discoverOnce(api, sd, dir)).toEqual(['pod/default/p']);
    expect(api.requests[0]?.authorization).toBe('Bearer sa-token');
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
