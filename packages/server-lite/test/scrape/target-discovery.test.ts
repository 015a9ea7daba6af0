import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs } from '../../src/config/scrape-config.js';
import { TargetDiscovery } from '../../src/scrape/discovery/target-discovery.js';
import { FakeKubeApi } from './fake-kube-api.js';

const seedBlock = (parse(readFileSync(join(__dirname, 'fixtures/seed-pyroscope-values.yaml'), 'utf8')) as { pyroscopeConfigs: Record<string, unknown> })
  .pyroscopeConfigs['scrape-configs'] as Record<string, unknown>[];

function annotatedPod(name: string, ip: string, extra: Record<string, string> = {}, phase = 'Running'): V1Pod {
  return {
    metadata: {
      namespace: 'apps',
      name,
      labels: { run: name },
      annotations: {
        'pyroscope.io/scrape': 'true',
        'pyroscope.io/application-name': name,
        'pyroscope.io/profile-cpu-enabled': 'true',
        'pyroscope.io/profile-mem-enabled': 'true',
        'pyroscope.io/port': '8080',
        ...extra,
      },
    },
    spec: { containers: [{ name: 'main', ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }, { containerPort: 9090, name: 'metrics', protocol: 'TCP' }] }] },
    status: { phase, podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('TargetDiscovery', () => {
  it('keeps each job resolved: the seed job from Kubernetes next to a static job', async () => {
    const api = await FakeKubeApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'kprof-td-'));
    const kubeconfigFile = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfigFile,
      `apiVersion: v1\nkind: Config\nclusters: [{name: f, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: f, context: {cluster: f, user: u}}]\ncurrent-context: f\n`,
    );
    // The seed's job verbatim except for how it reaches the API, plus a static job as in examples/.
    const raw = [
      { ...seedBlock[0], 'kubernetes-sd-configs': [{ role: 'pod', 'kubeconfig-file': kubeconfigFile }] },
      { 'job-name': 'local', 'enabled-profiles': ['cpu'], 'static-configs': [{ application: 'node-service', targets: ['127.0.0.1:6060'] }] },
    ];
    const { configs, errors } = parseScrapeConfigs(raw, 'scrape-configs');
    expect(errors).toEqual([]);
    const changes: string[] = [];
    const discovery = new TargetDiscovery({ configs, onChange: (job) => changes.push(job), kubernetes: { backoffInitialMs: 10, backoffMaxMs: 50 } });
    onTestFinished(async () => {
      await discovery.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    });

    expect(discovery.jobNames()).toEqual(['kubernetes-pods', 'local']);
    expect(discovery.targets('local').active.map((t) => t.url)).toEqual(['http://127.0.0.1:6060/debug/pprof/profile?seconds=10']);

    api.apply(annotatedPod('go-app', '10.0.0.5'));
    api.apply(annotatedPod('waiting', '10.0.0.6', {}, 'Pending'));
    discovery.start();
    await discovery.whenSynced();
    const urls = (): string[] => discovery.targets('kubernetes-pods').active.map((t) => `${t.labels.__name__} ${t.url}`);
    // Two container ports rewritten to the annotated port collapse into one target per profile.
    expect(urls()).toEqual(['go-app http://10.0.0.5:8080/debug/pprof/profile?seconds=10', 'go-app http://10.0.0.5:8080/debug/pprof/heap']);
    expect(discovery.targets('kubernetes-pods').dropped.map((d) => [d.discoveredLabels.__meta_kubernetes_pod_name, d.reason])).toEqual([
      ['waiting', 'dropped by relabeling'],
      ['waiting', 'dropped by relabeling'],
    ]);
    expect(changes).toContain('kubernetes-pods');

    api.apply(annotatedPod('node-app', '10.0.0.7', { 'pyroscope.io/profile-mem-enabled': 'false' }));
    await expect.poll(urls).toContain('node-app http://10.0.0.7:8080/debug/pprof/profile?seconds=10');
    expect(urls().filter((u) => u.startsWith('node-app'))).toHaveLength(1);

    api.delete('apps', 'go-app');
    await expect.poll(() => urls().some((u) => u.startsWith('go-app'))).toBe(false);
    expect(discovery.targets('local').active).toHaveLength(1);
    expect(discovery.targets('no-such-job')).toEqual({ active: [], dropped: [] });
  });
});
