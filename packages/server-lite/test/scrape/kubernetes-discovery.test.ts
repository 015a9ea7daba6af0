import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { parseScrapeConfigs, type ScrapeConfig } from '../../src/config/scrape-config.js';
import { type KubernetesSdConfig } from '../../src/config/kubernetes-sd-config.js';
import { KubernetesPodDiscovery, type KubernetesPodDiscoveryOptions } from '../../src/scrape/discovery/kubernetes.js';
import type { TargetGroup } from '../../src/scrape/target-group.js';
import { resolveTargetGroup } from '../../src/scrape/targets.js';
import { FakeKubeApi } from './fake-kube-api.js';

// The seed's scrape-configs block, verbatim; only the SD's connection is pointed at the fake API.
const seedDoc = parse(readFileSync(join(__dirname, 'fixtures/seed-pyroscope-values.yaml'), 'utf8')) as { pyroscopeConfigs: Record<string, unknown> };
const seedParsed = parseScrapeConfigs(seedDoc.pyroscopeConfigs['scrape-configs'], 'scrape-configs');
const seedConfig = seedParsed.configs[0] as ScrapeConfig;

const SEED_ANNOTATIONS = {
  'pyroscope.io/scrape': 'true',
  'pyroscope.io/application-name': 'app3',
  'pyroscope.io/profile-cpu-enabled': 'true',
  'pyroscope.io/profile-mem-enabled': 'true',
  'pyroscope.io/port': '8080',
};

function pod(o: { ns?: string; name: string; ip?: string; phase?: string; annotations?: Record<string, string>; labels?: Record<string, string>; port?: number }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: o.ns ?? 'default', name: o.name, uid: `uid-${o.name}`, labels: o.labels ?? { run: o.name }, annotations: o.annotations ?? {} },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', ports: [{ containerPort: o.port ?? 8080, name: 'http', protocol: 'TCP' }] }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.1' }),
      hostIP: '192.168.1.10',
      conditions: [{ type: 'Ready', status: o.phase === 'Pending' ? 'False' : 'True' }],
    },
  };
}

async function setup(sdOverrides: Partial<KubernetesSdConfig> = {}, options: Partial<KubernetesPodDiscoveryOptions> = {}) {
  const api = await FakeKubeApi.start();
  const dir = mkdtempSync(join(tmpdir(), 'kprof-k8s-'));
  const kubeconfigFile = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfigFile,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${api.url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: tester',
      '  user:',
      '    token: test-token',
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: tester}',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  const updates: TargetGroup[][] = [];
  const sd: KubernetesSdConfig = { ...(seedConfig.kubernetesSdConfigs[0] as KubernetesSdConfig), kubeconfigFile, ...sdOverrides };
  const discovery = new KubernetesPodDiscovery({
    config: sd,
    onUpdate: (groups) => updates.push(groups),
    backoffInitialMs: 10,
    backoffMaxMs: 50,
    watchTimeoutSeconds: 30,
    ...options,
  });
  onTestFinished(async () => {
    await discovery.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { api, discovery, updates };
}

function activeApps(groups: TargetGroup[]): string[] {
  return groups
    .flatMap((g) => resolveTargetGroup(g, seedConfig).active)
    .map((t) => `${t.labels.kubernetes_pod_name} ${t.profileName} ${t.url}`)
    .sort();
}

describe('KubernetesPodDiscovery against a fake API server (list + watch)', () => {
  it('parses the seed', () => expect(seedParsed.errors).toEqual([]));

  it('lists pods with Prometheus meta labels, then watches from the list resourceVersion with bookmarks', async () => {
    const { api, discovery } = await setup();
    api.apply(pod({ name: 'app3-a', ip: '10.0.0.5', annotations: SEED_ANNOTATIONS, labels: { run: 'app3', 'app.kubernetes.io/name': 'app3' } }));
    discovery.start();
    await discovery.whenSynced();

    const [group] = discovery.groups();
    expect(group?.source).toBe('pod/default/app3-a');
    expect(group?.labels).toMatchObject({
      __meta_kubernetes_namespace: 'default',
      __meta_kubernetes_pod_name: 'app3-a',
      __meta_kubernetes_pod_ip: '10.0.0.5',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_node_name: 'node-1',
      __meta_kubernetes_pod_host_ip: '192.168.1.10',
      __meta_kubernetes_pod_uid: 'uid-app3-a',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'app3',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
      __meta_kubernetes_pod_annotation_pyroscope_io_application_name: 'app3',
      __meta_kubernetes_pod_annotationpresent_pyroscope_io_scrape: 'true',
    });
    expect(group?.targets).toEqual([
      {
        __address__: '10.0.0.5:8080',
        __meta_kubernetes_pod_container_name: 'main',
        __meta_kubernetes_pod_container_port_number: '8080',
        __meta_kubernetes_pod_container_port_name: 'http',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
        __meta_kubernetes_pod_container_init: 'false',
      },
    ]);

    await expect.poll(() => api.requests.find((r) => r.query.watch !== undefined)).toBeDefined();
    const list = api.requests.find((r) => r.query.watch === undefined);
    const watch = api.requests.find((r) => r.query.watch !== undefined);
    expect(list?.path).toBe('/api/v1/pods');
    expect(watch?.path).toBe('/api/v1/pods');
    expect(watch?.query).toMatchObject({ watch: 'true', resourceVersion: '101', allowWatchBookmarks: 'true', timeoutSeconds: '30' });
  });

  it("the seed's rules keep only annotated Running pods; watch events add and delete pods", async () => {
    const { api, discovery, updates } = await setup();
    api.apply(pod({ name: 'go-app', ip: '10.0.0.5', annotations: SEED_ANNOTATIONS }));
    api.apply(pod({ name: 'pending-app', ip: '10.0.0.6', phase: 'Pending', annotations: SEED_ANNOTATIONS }));
    api.apply(pod({ name: 'unannotated', ip: '10.0.0.7' }));
    api.apply(pod({ name: 'no-ip-yet', ip: '', annotations: SEED_ANNOTATIONS }));
    discovery.start();
    await discovery.whenSynced();
    expect(activeApps(discovery.groups())).toEqual([
      'go-app cpu http://10.0.0.5:8080/debug/pprof/profile?seconds=10',
      'go-app mem http://10.0.0.5:8080/debug/pprof/heap',
    ]);
    await expect.poll(() => api.openWatches).toBe(1);

    // A Node app with memory profiling turned off by annotation arrives through the watch.
    api.apply(pod({ name: 'node-app', ip: '10.0.0.8', port: 6060, annotations: { ...SEED_ANNOTATIONS, 'pyroscope.io/application-name': 'node-app', 'pyroscope.io/port': '6060', 'pyroscope.io/profile-mem-enabled': 'false' } }));
    await expect.poll(() => activeApps(discovery.groups())).toContain('node-app cpu http://10.0.0.8:6060/debug/pprof/profile?seconds=10');
    expect(activeApps(discovery.groups()).filter((t) => t.startsWith('node-app'))).toHaveLength(1);

    // The pending pod becomes Running (MODIFIED) and is picked up.
    api.apply(pod({ name: 'pending-app', ip: '10.0.0.6', annotations: SEED_ANNOTATIONS }));
    await expect.poll(() => activeApps(discovery.groups())).toContain('pending-app mem http://10.0.0.6:8080/debug/pprof/heap');

    // DELETED in the watch: the pod disappears and is reported as an empty group.
    api.delete('default', 'go-app');
    await expect.poll(() => activeApps(discovery.groups()).some((t) => t.startsWith('go-app'))).toBe(false);
    expect(updates.flat()).toContainEqual({ source: 'pod/default/go-app', targets: [], labels: {} });
  });

  it('re-lists after a 410 Gone ERROR event and converges on changes the watch never delivered', async () => {
    const { api, discovery, updates } = await setup();
    api.apply(pod({ name: 'a', ip: '10.0.0.1', annotations: SEED_ANNOTATIONS }));
    api.apply(pod({ name: 'b', ip: '10.0.0.2', annotations: SEED_ANNOTATIONS }));
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    const listsBefore = api.requests.filter((r) => r.query.watch === undefined).length;

    api.expire(() => {
      api.delete('default', 'a');
      api.apply(pod({ name: 'b', ip: '10.0.0.2', phase: 'Succeeded', annotations: SEED_ANNOTATIONS }));
      api.apply(pod({ name: 'c', ip: '10.0.0.3', annotations: SEED_ANNOTATIONS }));
    });

    await expect.poll(() => discovery.groups().map((g) => g.source)).toEqual(['pod/default/b', 'pod/default/c']);
    expect(activeApps(discovery.groups()).map((t) => t.split(' ')[0])).toEqual(['c', 'c']);
    expect(discovery.stats.relistsAfterGone).toBe(1);
    expect(api.requests.filter((r) => r.query.watch === undefined).length).toBe(listsBefore + 1);
    expect(updates.flat()).toContainEqual({ source: 'pod/default/a', targets: [], labels: {} });
    // And it watches again, from the new list's resourceVersion.
    await expect.poll(() => api.openWatches).toBe(1);
    const lastWatch = api.requests.filter((r) => r.query.watch !== undefined).at(-1);
    expect(Number(lastWatch?.query.resourceVersion)).toBeGreaterThan(Number(api.requests.filter((r) => r.query.watch !== undefined)[0]?.query.resourceVersion));
  });

  it('re-lists when re-watching from a compacted resourceVersion is refused with 410', async () => {
    const { api, discovery } = await setup();
    api.apply(pod({ name: 'a', ip: '10.0.0.1' }));
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    // The watch ends normally, but history was compacted meanwhile: the resumed watch gets ERROR 410.
    api.expire(() => api.apply(pod({ name: 'b', ip: '10.0.0.2' })), 'end');
    await expect.poll(() => discovery.groups().map((g) => g.source)).toEqual(['pod/default/a', 'pod/default/b']);
    expect(discovery.stats.relistsAfterGone).toBe(1);
    expect(api.requests.map((r) => (r.query.watch === undefined ? 'list' : `watch@${r.query.resourceVersion}`)).slice(0, 4)).toEqual(['list', 'watch@101', 'watch@101', 'list']);
  });

  it('re-lists after a dropped watch connection and converges', async () => {
    const { api, discovery } = await setup();
    api.apply(pod({ name: 'a', ip: '10.0.0.1' }));
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    api.dropWatches();
    api.apply(pod({ name: 'b', ip: '10.0.0.2' }));
    api.delete('default', 'a');
    await expect.poll(() => discovery.groups().map((g) => g.source)).toEqual(['pod/default/b']);
    await expect.poll(() => api.openWatches).toBe(1);
    // A cut connection is a failed watch: back off, then re-list (as client-go's reflector does).
    expect(discovery.stats.failures).toBe(1);
    expect(api.requests.map((r) => (r.query.watch === undefined ? 'list' : 'watch'))).toEqual(['list', 'watch', 'list', 'watch']);
  });

  it('resumes a watch from the last BOOKMARK resourceVersion when the server ends it', async () => {
    const { api, discovery } = await setup();
    api.apply(pod({ name: 'a', ip: '10.0.0.1' }));
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    api.apply(pod({ name: 'b', ip: '10.0.0.2' })); // rv 102, delivered as ADDED
    await expect.poll(() => discovery.groups().length).toBe(2);
    const bookmarkRv = api.bookmark();
    await expect.poll(() => discovery.stats.watches).toBe(1);
    // Bookmarks carry no object: nothing may change in the groups.
    expect(discovery.groups()).toHaveLength(2);
    api.endWatches();
    await expect.poll(() => api.requests.filter((r) => r.query.watch !== undefined).length).toBeGreaterThanOrEqual(2);
    const watches = api.requests.filter((r) => r.query.watch !== undefined);
    expect(watches[0]?.query.resourceVersion).toBe('101');
    expect(watches[1]?.query.resourceVersion).toBe(String(bookmarkRv));
    expect(api.requests.filter((r) => r.query.watch === undefined)).toHaveLength(1);
  });

  it('reports only changes that alter a target group', async () => {
    const { api, discovery, updates } = await setup();
    api.apply(pod({ name: 'a', ip: '10.0.0.1' }));
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    expect(updates).toHaveLength(1);
    // A MODIFIED event that changes nothing discovery exposes (only resourceVersion), then a real change.
    api.apply(pod({ name: 'a', ip: '10.0.0.1' }));
    api.apply(pod({ name: 'a', ip: '10.0.0.1', labels: { run: 'a', team: 'core' } }));
    await expect.poll(() => updates.length).toBe(2);
    expect(updates[1]?.[0]?.labels.__meta_kubernetes_pod_label_team).toBe('core');
  });

  it('pages through a large list with limit/continue', async () => {
    const { api, discovery } = await setup({}, { pageSize: 2 });
    for (let i = 0; i < 5; i++) api.apply(pod({ name: `p${i}`, ip: `10.0.1.${i}` }));
    discovery.start();
    await discovery.whenSynced();
    expect(discovery.groups().map((g) => g.source)).toEqual(['pod/default/p0', 'pod/default/p1', 'pod/default/p2', 'pod/default/p3', 'pod/default/p4']);
    const lists = api.requests.filter((r) => r.query.watch === undefined);
    expect(lists.map((r) => r.query.limit)).toEqual(['2', '2', '2']);
    expect(lists[0]?.query.continue).toBeUndefined();
    expect(lists[1]?.query.continue).toBeDefined();
  });

  it('watches only the configured namespaces, with the pod selector', async () => {
    const { api, discovery } = await setup({ namespaces: ['team-a', 'team-b'], selectors: [{ role: 'pod', label: 'run=keep', field: 'status.phase=Running' }] });
    api.apply(pod({ ns: 'team-a', name: 'x', labels: { run: 'keep' } }));
    api.apply(pod({ ns: 'team-b', name: 'y', labels: { run: 'keep' } }));
    api.apply(pod({ ns: 'team-b', name: 'other-label', labels: { run: 'skip' } }));
    api.apply(pod({ ns: 'team-c', name: 'other-ns', labels: { run: 'keep' } }));
    discovery.start();
    await discovery.whenSynced();
    expect(discovery.groups().map((g) => g.source)).toEqual(['pod/team-a/x', 'pod/team-b/y']);
    await expect.poll(() => api.openWatches).toBe(2);
    const paths = new Set(api.requests.map((r) => r.path));
    expect(paths).toEqual(new Set(['/api/v1/namespaces/team-a/pods', '/api/v1/namespaces/team-b/pods']));
    expect(api.requests.every((r) => r.query.labelSelector === 'run=keep' && r.query.fieldSelector === 'status.phase=Running')).toBe(true);
  });

  it('backs off and retries when listing fails, then syncs', async () => {
    const { api, discovery } = await setup();
    api.apply(pod({ name: 'a' }));
    api.failNextLists(3);
    discovery.start();
    await discovery.whenSynced();
    expect(discovery.stats.failures).toBe(3);
    expect(discovery.groups().map((g) => g.source)).toEqual(['pod/default/a']);
  });

  it('close() ends the watch and is idempotent', async () => {
    const { api, discovery } = await setup();
    discovery.start();
    await discovery.whenSynced();
    await expect.poll(() => api.openWatches).toBe(1);
    await Promise.all([discovery.close(), discovery.close()]);
    await expect.poll(() => api.openWatches).toBe(0);
    const requestsAfterClose = api.requests.length;
    api.apply(pod({ name: 'late' }));
    expect(discovery.groups()).toEqual([]);
    expect(api.requests.length).toBe(requestsAfterClose);
  });
});
