import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs, type ScrapeConfig } from '../config/scrape-config.js';
import { podTargetGroup } from './discovery/pod-target-group.js';
import type { Labels } from '../config/relabel-rules.js';
import { relabel } from './relabel.js';
import { resolveTargetGroup } from './targets.js';

// The seed's scrape-configs block, verbatim, driving pods shaped like the seed's deploy.yaml.
const seed = parse(readFileSync(join(__dirname, '../../test/scrape/fixtures/seed-pyroscope-values.yaml'), 'utf8')) as {
  pyroscopeConfigs: Record<string, unknown>;
};
const parsed = parseScrapeConfigs(seed.pyroscopeConfigs['scrape-configs'], 'scrape-configs');
const seedConfig = parsed.configs[0] as ScrapeConfig;

const SEED_ANNOTATIONS = {
  'pyroscope.io/scrape': 'true',
  'pyroscope.io/application-name': 'app3',
  'pyroscope.io/profile-cpu-enabled': 'true',
  'pyroscope.io/profile-mem-enabled': 'true',
  'pyroscope.io/port': '8080',
};

function pod(opts: { name: string; ip?: string; phase?: string; annotations?: Record<string, string>; ports?: number[] }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: opts.name,
      namespace: 'default',
      uid: `uid-${opts.name}`,
      labels: { run: 'app3', 'app.kubernetes.io/part-of': 'full-observability', 'pod-template-hash': '7d9f8b6c5d' },
      annotations: opts.annotations ?? SEED_ANNOTATIONS,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'app3-7d9f8b6c5d', uid: 'rs-uid', controller: true }],
    },
    spec: {
      nodeName: 'gke-node-1',
      containers: [{ name: 'app', image: 'full-observability:v5', ports: (opts.ports ?? [8080]).map((p) => ({ containerPort: p, name: `p${p}`, protocol: 'TCP' })) }],
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.ip === '' ? {} : { podIP: opts.ip ?? '10.8.1.23' }),
      hostIP: '10.128.0.7',
      conditions: [{ type: 'Ready', status: opts.phase === 'Pending' ? 'False' : 'True' }],
    },
  };
}

/** Discovered labels of the first target of a pod, as Prometheus's pod role produces them. */
function metaLabels(p: V1Pod): Labels {
  const g = podTargetGroup(p);
  return { ...g.labels, ...g.targets[0], job: 'kubernetes-pods', __scheme__: 'http', __scrape_interval__: '10s', __scrape_timeout__: '15s' };
}

const base = metaLabels(pod({ name: 'app3-7d9f8b6c5d-x2k4q', annotations: { ...SEED_ANNOTATIONS, 'pyroscope.io/spy-name': 'gospy', 'pyroscope.io/scheme': 'https' } }));

describe("seed relabel rules, one by one, on a pod's meta labels", () => {
  it('parses the seed without problems', () => expect(parsed.errors).toEqual([]));

  it.each<{ rule: number; name: string; input: Labels; changes: Labels | null }>([
    { rule: 0, name: 'keep: scrape annotation "true" is kept', input: base, changes: {} },
    { rule: 0, name: 'keep: scrape annotation "false" is dropped', input: { ...base, __meta_kubernetes_pod_annotation_pyroscope_io_scrape: 'false' }, changes: null },
    { rule: 0, name: 'keep: no scrape annotation is dropped', input: omit(base, '__meta_kubernetes_pod_annotation_pyroscope_io_scrape'), changes: null },
    { rule: 1, name: 'replace: application-name → __name__', input: base, changes: { __name__: 'app3' } },
    { rule: 2, name: 'replace: spy-name → __spy_name__', input: base, changes: { __spy_name__: 'gospy' } },
    { rule: 3, name: 'replace: scheme https → __scheme__', input: base, changes: { __scheme__: 'https' } },
    { rule: 3, name: 'replace: scheme outside (https?) leaves __scheme__', input: { ...base, __meta_kubernetes_pod_annotation_pyroscope_io_scheme: 'ftp' }, changes: {} },
    { rule: 4, name: 'replace: port annotation rewrites __address__', input: { ...base, __address__: '10.8.1.23:9090' }, changes: { __address__: '10.8.1.23:8080' } },
    { rule: 4, name: 'replace: port annotation on a portless address', input: { ...base, __address__: '10.8.1.23' }, changes: { __address__: '10.8.1.23:8080' } },
    { rule: 4, name: 'replace: no port annotation leaves __address__', input: omit(base, '__meta_kubernetes_pod_annotation_pyroscope_io_port'), changes: {} },
    {
      rule: 5,
      name: 'labelmap: pod labels become labels (sanitised)',
      input: base,
      changes: { run: 'app3', app_kubernetes_io_part_of: 'full-observability', pod_template_hash: '7d9f8b6c5d' },
    },
    { rule: 6, name: 'replace: namespace → kubernetes_namespace', input: base, changes: { kubernetes_namespace: 'default' } },
    { rule: 7, name: 'replace: pod name → kubernetes_pod_name', input: base, changes: { kubernetes_pod_name: 'app3-7d9f8b6c5d-x2k4q' } },
    { rule: 8, name: 'drop: Running is kept', input: base, changes: {} },
    { rule: 8, name: 'drop: Pending is dropped', input: { ...base, __meta_kubernetes_pod_phase: 'Pending' }, changes: null },
    { rule: 8, name: 'drop: Succeeded is dropped', input: { ...base, __meta_kubernetes_pod_phase: 'Succeeded' }, changes: null },
    { rule: 8, name: 'drop: Failed is dropped', input: { ...base, __meta_kubernetes_pod_phase: 'Failed' }, changes: null },
    { rule: 8, name: 'drop: the regex is anchored (PendingX is kept)', input: { ...base, __meta_kubernetes_pod_phase: 'PendingX' }, changes: {} },
    {
      rule: 9,
      name: 'labelmap: profile annotations → __profile_<p>_enabled',
      input: base,
      changes: { __profile_cpu_enabled: 'true', __profile_mem_enabled: 'true' },
    },
  ])('rule $rule — $name', ({ rule, input, changes }) => {
    const r = seedConfig.relabelRules[rule];
    expect(r).toBeDefined();
    const out = relabel(input, [r!]);
    if (changes === null) expect(out).toBeNull();
    else expect(out).toEqual(sorted({ ...input, ...changes }));
  });
});

describe('seed config end to end: pod → targets', () => {
  it('an annotated Running pod yields cpu and mem targets at the annotated port', () => {
    const { active, dropped } = resolveTargetGroup(podTargetGroup(pod({ name: 'app3-1' })), seedConfig);
    expect(dropped).toEqual([]);
    expect(active.map((t) => t.url)).toEqual(['http://10.8.1.23:8080/debug/pprof/profile?seconds=10', 'http://10.8.1.23:8080/debug/pprof/heap']);
    expect(active[0]?.labels).toEqual({
      __name__: 'app3',
      app_kubernetes_io_part_of: 'full-observability',
      instance: '10.8.1.23:8080',
      job: 'kubernetes-pods',
      kubernetes_namespace: 'default',
      kubernetes_pod_name: 'app3-1',
      pod_template_hash: '7d9f8b6c5d',
      run: 'app3',
    });
    expect(active[0]?.spyName).toBe('scrape');
  });

  it('several container ports rewritten to the annotated port collapse into one target per profile', () => {
    const { active } = resolveTargetGroup(podTargetGroup(pod({ name: 'app3-2', ports: [8080, 9090, 15090] })), seedConfig);
    expect(active.map((t) => t.profileName)).toEqual(['cpu', 'mem']);
  });

  it('profile-mem-enabled "false" turns memory off for that pod only', () => {
    const off = pod({ name: 'app3-3', annotations: { ...SEED_ANNOTATIONS, 'pyroscope.io/profile-mem-enabled': 'false' } });
    expect(resolveTargetGroup(podTargetGroup(off), seedConfig).active.map((t) => t.profileName)).toEqual(['cpu']);
  });

  it.each([
    { name: 'Pending', p: pod({ name: 'p', phase: 'Pending' }), reason: 'dropped by relabeling' },
    { name: 'not annotated', p: pod({ name: 'p', annotations: { 'pyroscope.io/application-name': 'x' } }), reason: 'dropped by relabeling' },
    { name: 'annotated without application-name', p: pod({ name: 'p', annotations: { 'pyroscope.io/scrape': 'true' } }), reason: 'no __name__' },
  ])('a pod that is $name is not scraped', ({ p, reason }) => {
    const { active, dropped } = resolveTargetGroup(podTargetGroup(p), seedConfig);
    expect(active).toEqual([]);
    expect(dropped[0]?.reason).toContain(reason);
  });

  it('a pod without an IP has no targets at all', () => {
    expect(podTargetGroup(pod({ name: 'p', ip: '' }))).toEqual({ source: 'pod/default/p', targets: [], labels: {} });
  });
});

function omit(labels: Labels, name: string): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== name));
}

function sorted(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}
