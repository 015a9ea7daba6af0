import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig } from '../config/resolve-config.js';
import { DEFAULTS } from '../config/defaults.js';
import { FakeKubeApi } from '../../test/scrape/fake-kube-api.js';
import { heapPprof, startTarget } from '../../test/scrape/pprof-target.js';
import { recordingPullMode } from '../../test/scrape/recording-pull-mode.js';
import { parseScrapeConfigs } from '../config/scrape-config.js';
import { startPullMode } from './pull-mode.js';
import { testIntake } from '../../test/helpers/intake.js';

const seedJob = (parse(readFileSync(join(__dirname, '..', '..', 'test', 'scrape', 'fixtures', 'seed-pyroscope-values.yaml'), 'utf8')) as { pyroscopeConfigs: Record<string, unknown> })
  .pyroscopeConfigs['scrape-configs'] as Record<string, unknown>[];

function pod(name: string, port: number): V1Pod {
  return {
    metadata: {
      namespace: 'apps',
      name,
      labels: { run: name },
      annotations: {
        'pyroscope.io/scrape': 'true',
        'pyroscope.io/application-name': name,
        'pyroscope.io/profile-cpu-enabled': 'false',
        'pyroscope.io/profile-mem-enabled': 'true',
        'pyroscope.io/port': String(port),
      },
    },
    spec: { containers: [{ name: 'main', ports: [{ containerPort: 9999, name: 'http', protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('startPullMode', () => {
  it("scrapes pods the seed's job discovers through the Kubernetes API, and stops when the pod goes", async () => {
    const target = await startTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(heapPprof([{ stack: ['podWork'], inuse: 4096, alloc: 4096 }]));
    });
    const port = Number(target.address.split(':')[1]);
    const api = await FakeKubeApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'kprof-pull-k8s-'));
    const kubeconfigFile = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfigFile,
      `apiVersion: v1\nkind: Config\nclusters: [{name: f, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: f, context: {cluster: f, user: u}}]\ncurrent-context: f\n`,
    );
    // The seed's job verbatim except how it reaches the API, and a short interval.
    const { configs, errors } = parseScrapeConfigs(
      [{ ...seedJob[0], 'scrape-interval': '200ms', 'kubernetes-sd-configs': [{ role: 'pod', 'kubeconfig-file': kubeconfigFile }] }],
      'scrape-configs',
    );
    expect(errors).toEqual([]);
    const { pm, written } = recordingPullMode(configs, { kubernetes: { backoffInitialMs: 10, backoffMaxMs: 50 } });
    onTestFinished(async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    });

    api.apply(pod('app3', port));
    await expect.poll(() => written.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const series = written[0]!.series.find((s) => s.series.name === 'app3.inuse_space')!.series;
    expect(series.labels).toEqual({ instance: target.address, job: 'kubernetes-pods', kubernetes_namespace: 'apps', kubernetes_pod_name: 'app3', run: 'app3' });
    expect(pm.manager.snapshot().active.map((a) => a.scrapeUrl)).toEqual([`http://${target.address}/debug/pprof/heap`]);

    api.delete('apps', 'app3');
    await expect.poll(() => pm.manager.loopStats().loops, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => pm.manager.loopStats().stopping).toBe(0);
    const hits = target.hits.length;
    const app3Profiles = (): number => written.filter((p) => p.series.some((s) => s.series.name.startsWith('app3.'))).length;
    const scrapes = app3Profiles();
    // A control pod added now marks time passing in scrape intervals: once it has been scraped four
    // times (three intervals), the deleted pod had every chance to be scraped again.
    const control = await startTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(heapPprof([{ stack: ['controlWork'], inuse: 1024, alloc: 1024 }]));
    });
    api.apply(pod('app4', Number(control.address.split(':')[1])));
    await expect.poll(() => control.hits.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(target.hits.length).toBe(hits);
    expect(app3Profiles()).toBe(scrapes);
  });

  it('examples/local/kprof.yml (used by npm start) scrapes the Go and Node examples as the seed annotations say', () => {
    const config = resolveConfig({ config: join(__dirname, '..', '..', '..', '..', 'examples', 'local', 'kprof.yml') }, {});
    const pm = startPullMode({ configs: config.scrapeConfigs, intake: testIntake(), limits: DEFAULTS.ingest });
    onTestFinished(() => pm.close());
    const active = pm.manager.snapshot().active.map((a) => `${a.target.labels.__name__} ${a.scrapeUrl}`);
    expect(active).toEqual([
      'go-service http://127.0.0.1:8080/debug/pprof/profile?seconds=8',
      'go-service http://127.0.0.1:8080/debug/pprof/heap',
      'node-service-pull http://127.0.0.1:6060/debug/pprof/profile?seconds=8',
      'node-service-pull http://127.0.0.1:6060/debug/pprof/heap',
    ]);
    expect(pm.manager.snapshot().active[0]!.target.labels).toEqual({
      __name__: 'go-service',
      app: 'go-service',
      instance: '127.0.0.1:8080',
      job: 'local-pods',
      kubernetes_namespace: 'local',
      kubernetes_pod_name: 'go-service',
    });
  });
});
