// The kustomize manifests in examples/kubernetes cannot be applied on CI (no cluster), so this
// test checks what would break a real `kubectl apply -k`: it renders them with `kubectl kustomize`
// (what `apply -k` sends) and checks for missing or malformed resources, a Service that selects
// nothing, a config the server would reject, RBAC that does not cover pod discovery, annotations
// the seed's scrape job would not pick up the way each app needs, and images that no Dockerfile
// builds. The config and the discovery path run through server-lite's own code, not a
// re-implementation; the images are built and started by dockerfile-replay.test.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@kprof/test-support';
// yaml is server-lite's dependency; importing its copy keeps one version in the repo.
import { parseAllDocuments } from '../packages/server-lite/node_modules/yaml/dist/index.js';
import { resolveConfig } from '../packages/server-lite/src/config/resolve-config.js';
import { podTargetGroup } from '../packages/server-lite/src/scrape/discovery/pod-target-group.js';
import { resolveTargetGroup } from '../packages/server-lite/src/scrape/targets.js';
import { baseImage } from './support/base-images.js';
import { parseDockerfile } from './support/dockerfile-parse.js';
import { IMAGES } from './support/images.js';

const REPO = resolve(__dirname, '..');
const root = join(REPO, 'examples/kubernetes');
// The pod type server-lite's discovery takes (@kubernetes/client-node's V1Pod).
type V1Pod = Parameters<typeof podTargetGroup>[0];
const NAMESPACE = 'kprof';

// Minimal typed views of the Kubernetes objects this test reads.
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsUser?: number; runAsGroup?: number };
}
interface PodTemplate {
  metadata: Meta;
  spec: {
    serviceAccountName?: string;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
    containers: Container[];
    volumes?: {
      name: string;
      configMap?: { name: string; items?: { key: string; path: string }[] };
      persistentVolumeClaim?: { claimName: string };
      emptyDir?: object;
    }[];
  };
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}
interface Deployment extends Resource {
  spec: { replicas: number; strategy?: { type: string }; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
}
interface Service extends Resource {
  spec: { selector: Record<string, string>; ports: { name?: string; port: number; targetPort: string | number }[]; type?: string };
}
interface ConfigMap extends Resource {
  data: Record<string, string>;
}

interface Loaded {
  resources: Resource[];
  kustomization: { namespace: string; resources: string[] };
}

function parseYaml(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    expect(d.errors.map((e) => `${source}: ${e.message}`)).toEqual([]);
  }
  return list.map((d) => d.toJS() as unknown).filter((v) => v !== null);
}

let rendered: string | undefined;

/** `kubectl kustomize examples/kubernetes`: the resources `kubectl apply -k` would send, rendered once per run. */
function kustomize(): string {
  if (rendered !== undefined) return rendered;
  const r = spawnSync('kubectl', ['kustomize', root], { encoding: 'utf8' });
  if (r.error) throw new Error(`kubectl could not be started (${r.error.message}); these tests render the example with \`kubectl kustomize\`: install kubectl`);
  if (r.status !== 0) throw new Error(`kubectl kustomize examples/kubernetes failed (exit ${r.status}):\n${r.stderr}`);
  rendered = r.stdout;
  return rendered;
}

function load(): Loaded {
  const docs = parseYaml(readFileSync(join(root, 'kustomization.yaml'), 'utf8'), 'kustomization.yaml') as Loaded['kustomization'][];
  expect(docs).toHaveLength(1);
  const kustomization = docs[0] as Loaded['kustomization'];
  return { kustomization, resources: parseYaml(kustomize(), 'kubectl kustomize examples/kubernetes') as Resource[] };
}

function find<T extends Resource>(resources: Resource[], kind: string, name: string): T {
  const found = resources.filter((r) => r.kind === kind && r.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0] as T;
}

function flagValue(args: readonly string[], flag: string): string {
  const i = args.indexOf(flag);
  expect(i, `${flag} in ${JSON.stringify(args)}`).toBeGreaterThanOrEqual(0);
  const value = args[i + 1];
  expect(value).toBeDefined();
  return value as string;
}

function containerPorts(t: PodTemplate): Map<string | number, number> {
  const ports = new Map<string | number, number>();
  for (const c of t.spec.containers) {
    for (const p of c.ports ?? []) {
      ports.set(p.containerPort, p.containerPort);
      if (p.name !== undefined) ports.set(p.name, p.containerPort);
    }
  }
  return ports;
}

/** Every container of every workload's pod template (init containers included). */
function workloadContainers(resources: Resource[]): { workload: string; pod: PodTemplate; container: Container }[] {
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];
  return resources
    .filter((r): r is Deployment => kinds.includes(r.kind))
    .flatMap((w) => {
      const pod = w.spec.template;
      const all = [...pod.spec.containers, ...((pod.spec as { initContainers?: Container[] }).initContainers ?? [])];
      return all.map((container) => ({ workload: `${w.kind}/${w.metadata.name}`, pod, container }));
    });
}

/** The uid and gid a Dockerfile's image runs as: its final stage's last USER, names looked up in the base image's users. */
function imageUser(dockerfile: string): { uid: number; gid: number } {
  const df = parseDockerfile(readFileSync(join(REPO, dockerfile), 'utf8'), dockerfile);
  const final = df.stages.at(-1);
  if (final === undefined) throw new Error(`${dockerfile} has no stage`);
  const base = baseImage(final.base, dockerfile);
  const users = [{ name: 'root', uid: 0, gid: 0 }, ...base.users];
  const spec = [...final.instructions].reverse().find((i) => i.kind === 'USER');
  const [name = '', group] = (spec?.kind === 'USER' ? spec.user : base.user ?? 'root').split(':');
  const user = users.find((u) => u.name === name || String(u.uid) === name);
  const uid = user?.uid ?? Number(name);
  const gid = group !== undefined ? users.find((u) => u.name === group)?.gid ?? Number(group) : user?.gid ?? 0;
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`${dockerfile}: USER ${name} is not a user of ${final.base}`);
  return { uid, gid };
}

/** The pod a Deployment would create, running with an IP, as the Kubernetes API reports it. */
function runningPod(d: Deployment, podIP: string): V1Pod {
  return {
    metadata: { ...d.spec.template.metadata, name: `${d.metadata.name}-abc12`, namespace: d.metadata.namespace },
    spec: d.spec.template.spec,
    status: { phase: 'Running', podIP },
  } as V1Pod;
}

/** Resolves the server config exactly as the container's command line would. */
function serverConfigFromManifests(resources: Resource[]) {
  const deployment = find<Deployment>(resources, 'Deployment', 'kprof-server');
  const container = deployment.spec.template.spec.containers[0] as Container;
  const args = container.args ?? [];
  const configPath = flagValue(args, '--config');
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === posix.dirname(configPath));
  expect(mount, `a volume mounted at ${posix.dirname(configPath)}`).toBeDefined();
  const volume = deployment.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
  const configMapName = volume?.configMap?.name ?? '';
  const item = volume?.configMap?.items?.find((i) => i.path === posix.basename(configPath));
  expect(item, `configMap item with path ${posix.basename(configPath)}`).toBeDefined();
  const configMap = find<ConfigMap>(resources, 'ConfigMap', configMapName);
  const text = configMap.data[item?.key ?? ''];
  expect(text, `key ${item?.key} in ConfigMap ${configMapName}`).toBeTypeOf('string');

  const dir = tempDir('kprof-k8s-config-');
  const file = join(dir, posix.basename(configPath));
  writeFileSync(file, text as string);
  const config = resolveConfig(
    { config: file, dataDir: flagValue(args, '--data-dir'), listen: flagValue(args, '--listen') },
    {},
    dir,
  );
  return { config, deployment, container };
}

describe('examples/kubernetes manifests', () => {
  it('renders with kubectl kustomize into named resources, each in the kprof namespace', () => {
    const { kustomization, resources } = load();
    expect(kustomization.namespace).toBe(NAMESPACE);
    expect(resources.length).toBeGreaterThanOrEqual(kustomization.resources.length);
    for (const r of resources) {
      expect(r.apiVersion, JSON.stringify(r.metadata)).toBeTypeOf('string');
      expect(r.kind).toBeTypeOf('string');
      expect(r.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(r.kind);
      if (!clusterScoped) expect(r.metadata.namespace, `${r.kind}/${r.metadata.name}`).toBe(NAMESPACE);
    }
    find(resources, 'Namespace', NAMESPACE);
    const keys = resources.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('runs server-lite as one non-root, read-only pod that recreates instead of rolling over the SQLite file', () => {
    const { resources } = load();
    const d = find<Deployment>(resources, 'Deployment', 'kprof-server');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy?.type).toBe('Recreate');
    const pod = d.spec.template;
    expect(pod.spec.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.spec.securityContext?.runAsUser).toBeGreaterThan(0);
    const c = pod.spec.containers[0] as Container;
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(c.resources?.requests?.memory).toBeDefined();
    expect(c.resources?.limits?.memory).toBeDefined();
    expect(c.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    const ports = containerPorts(pod);
    expect(ports.get(c.readinessProbe?.httpGet?.port ?? -1)).toBe(4040);

    // The data directory is the writable volume, and it is backed by the PVC.
    const dataDir = flagValue(c.args ?? [], '--data-dir');
    const mount = c.volumeMounts?.find((m) => m.mountPath === dataDir);
    expect(mount?.readOnly ?? false).toBe(false);
    const claim = pod.spec.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
    find(resources, 'PersistentVolumeClaim', claim ?? '');
  });

  it('has a Service on 4040 that selects the server pods', () => {
    const { resources } = load();
    const d = find<Deployment>(resources, 'Deployment', 'kprof-server');
    const s = find<Service>(resources, 'Service', 'kprof-server');
    const podLabels = d.spec.template.metadata.labels ?? {};
    expect(Object.keys(s.spec.selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(s.spec.selector)) expect(podLabels[k], `pod label ${k}`).toBe(v);
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    const port = s.spec.ports.find((p) => p.port === 4040);
    expect(port).toBeDefined();
    expect(containerPorts(d.spec.template).get(port?.targetPort ?? -1)).toBe(4040);
  });

  it('grants the server its pod list/watch through the ServiceAccount the Deployment runs as', () => {
    const { resources } = load();
    const d = find<Deployment>(resources, 'Deployment', 'kprof-server');
    const sa = d.spec.template.spec.serviceAccountName ?? 'default';
    find(resources, 'ServiceAccount', sa);
    const bindings = resources.filter(
      (r) =>
        r.kind === 'ClusterRoleBinding' &&
        (r.subjects as { kind: string; name: string; namespace?: string }[]).some(
          (s) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === NAMESPACE,
        ),
    );
    expect(bindings.length).toBeGreaterThan(0);
    const verbs = new Set<string>();
    for (const b of bindings) {
      const ref = b.roleRef as { kind: string; name: string };
      expect(ref.kind).toBe('ClusterRole');
      const role = find(resources, 'ClusterRole', ref.name);
      for (const rule of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) {
        if (rule.apiGroups.includes('') && rule.resources.includes('pods')) rule.verbs.forEach((v) => verbs.add(v));
      }
    }
    expect(verbs.has('list')).toBe(true);
    expect(verbs.has('watch')).toBe(true);
  });

  it('embeds a config that server-lite accepts with the Deployment\'s own flags', () => {
    const { resources } = load();
    const { config } = serverConfigFromManifests(resources);
    expect(config.dataDir).toBe('/data');
    expect(config.listen.port).toBe(4040);
    expect(config.scrapeConfigs).toHaveLength(1);
    const job = config.scrapeConfigs[0];
    expect(job?.jobName).toBe('kubernetes-pods');
    expect(job?.enabledProfiles).toEqual(['cpu', 'mem']);
    expect(job?.kubernetesSdConfigs.map((sd) => sd.role)).toEqual(['pod']);
    // No namespace list: discovery spans the cluster, which is why RBAC is a ClusterRole.
    expect(job?.kubernetesSdConfigs[0]?.namespaces).toEqual([]);
  });

  it('annotates the Go pod as in the seed, so the scrape job turns it into cpu and mem targets on its container port', () => {
    const { resources } = load();
    const { config } = serverConfigFromManifests(resources);
    const go = find<Deployment>(resources, 'Deployment', 'go-service');
    const annotations = go.spec.template.metadata.annotations ?? {};
    expect(annotations).toEqual({
      'pyroscope.io/scrape': 'true',
      'pyroscope.io/application-name': 'go-service',
      'pyroscope.io/profile-cpu-enabled': 'true',
      'pyroscope.io/profile-mem-enabled': 'true',
      'pyroscope.io/port': '8080',
    });
    expect(containerPorts(go.spec.template).get(Number(annotations['pyroscope.io/port']))).toBe(8080);
    const listen = flagValue(go.spec.template.spec.containers[0]?.args ?? [], '-listen');
    expect(listen).toBe(`:${annotations['pyroscope.io/port']}`);

    const resolved = resolveTargetGroup(podTargetGroup(runningPod(go, '10.1.2.3')), config.scrapeConfigs[0]!);
    const urls = resolved.active.map((t) => t.url).sort();
    expect(urls).toEqual(['http://10.1.2.3:8080/debug/pprof/heap', 'http://10.1.2.3:8080/debug/pprof/profile?seconds=10']);
    for (const t of resolved.active) {
      expect(t.labels.__name__).toBe('go-service');
      expect(t.labels.kubernetes_namespace).toBe(NAMESPACE);
    }
  });

  it('has the Node pod push to the server Service and not also be scraped under the same name', () => {
    const { resources } = load();
    const { config } = serverConfigFromManifests(resources);
    const node = find<Deployment>(resources, 'Deployment', 'node-service');
    const annotations = node.spec.template.metadata.annotations ?? {};
    expect(Object.keys(annotations).sort()).toEqual([
      'pyroscope.io/application-name',
      'pyroscope.io/port',
      'pyroscope.io/profile-cpu-enabled',
      'pyroscope.io/profile-mem-enabled',
      'pyroscope.io/scrape',
    ]);
    const env = new Map((node.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    const server = find<Service>(resources, 'Service', 'kprof-server');
    expect(env.get('KPROF_SERVER_ADDRESS')).toBe(
      `http://${server.metadata.name}.${server.metadata.namespace}.svc:${server.spec.ports[0]?.port}`,
    );
    expect(env.get('KPROF_APP_NAME')).toBe(annotations['pyroscope.io/application-name']);
    // Pushing and scraping one app name would store each profile twice.
    expect(annotations['pyroscope.io/scrape']).toBe('false');
    const resolved = resolveTargetGroup(podTargetGroup(runningPod(node, '10.1.2.4')), config.scrapeConfigs[0]!);
    expect(resolved.active).toEqual([]);
    expect(resolved.dropped.length).toBeGreaterThan(0);

    expect(String(env.get('ADMIN_PORT'))).toBe(annotations['pyroscope.io/port']);
    expect(containerPorts(node.spec.template).get(Number(annotations['pyroscope.io/port']))).toBe(6060);
  });

  it('keeps pprof ports out of every Service', () => {
    const { resources } = load();
    const pprofPorts = new Set<number>();
    for (const d of resources.filter((r): r is Deployment => r.kind === 'Deployment')) {
      const port = d.spec.template.metadata.annotations?.['pyroscope.io/port'];
      if (port !== undefined) pprofPorts.add(Number(port));
    }
    expect([...pprofPorts].sort()).toEqual([6060, 8080]);
    for (const s of resources.filter((r): r is Service => r.kind === 'Service')) {
      const target = resources.find(
        (r): r is Deployment =>
          r.kind === 'Deployment' &&
          Object.entries(s.spec.selector).every(([k, v]) => (r as Deployment).spec.template.metadata.labels?.[k] === v),
      );
      expect(target, `Deployment selected by Service/${s.metadata.name}`).toBeDefined();
      const ports = containerPorts((target as Deployment).spec.template);
      for (const p of s.spec.ports) {
        const container = ports.get(p.targetPort);
        expect(container, `Service/${s.metadata.name} port ${p.port}`).toBeDefined();
        if (target?.spec.template.metadata.annotations?.['pyroscope.io/port'] !== undefined) {
          expect(pprofPorts.has(container as number), `Service/${s.metadata.name} exposes pprof port ${container}`).toBe(false);
        }
      }
    }
  });

  it('provisions a Grafana Pyroscope datasource pointing at the server Service', () => {
    const { resources } = load();
    const cm = find<ConfigMap>(resources, 'ConfigMap', 'kprof-grafana-datasource');
    const server = find<Service>(resources, 'Service', 'kprof-server');
    const file = Object.values(cm.data)[0] ?? '';
    const [provisioning] = parseAllDocuments(file) as unknown as { toJS(): unknown }[];
    const ds = (provisioning?.toJS() as { apiVersion: number; datasources: { type: string; url: string }[] });
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]?.type).toBe('grafana-pyroscope-datasource');
    expect(ds.datasources[0]?.url).toBe(
      `http://${server.metadata.name}.${server.metadata.namespace}.svc:${server.spec.ports[0]?.port}`,
    );
  });

  it('names only images a Dockerfile builds, and runs each container as its image\'s user', () => {
    const { resources } = load();
    const containers = workloadContainers(resources);
    // Every image is built by a row of support/images.ts (which dockerfile-replay.test.ts builds
    // and starts), and every row's image is used.
    expect([...new Set(containers.map(({ container }) => container.image))].sort()).toEqual(IMAGES.map((s) => s.image).sort());
    for (const { workload, pod, container } of containers) {
      const spec = IMAGES.find((s) => s.image === container.image);
      const user = imageUser(spec?.dockerfile ?? '');
      // The Dockerfiles give /data (server-lite) to their USER; a pod that runs as someone else could not write it.
      expect([workload, container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser], spec?.dockerfile).toEqual([workload, user.uid]);
      expect([workload, container.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup]).toEqual([workload, user.gid]);
    }
  });

  it('mounts kprof configs from ConfigMaps that kprof-server\'s config parser loads with the container\'s flags', () => {
    const { resources } = load();
    const dir = tempDir('kprof-k8s-configmaps-');
    const servers = workloadContainers(resources).filter(({ container }) => container.image === 'kprof/server-lite:dev');
    expect(servers.length).toBeGreaterThan(0);
    for (const { workload, pod, container } of servers) {
      const args = container.args ?? [];
      const mounted: string[] = [];
      for (const mount of container.volumeMounts ?? []) {
        const source = pod.spec.volumes?.find((v) => v.name === mount.name)?.configMap;
        if (source === undefined) continue;
        // Everything a ConfigMap mounts into server-lite is a kprof config; another kind of file there would need a case here.
        const configMap = find<ConfigMap>(resources, 'ConfigMap', source.name);
        for (const { key, path } of source.items ?? Object.keys(configMap.data).map((k) => ({ key: k, path: k }))) {
          const text = configMap.data[key];
          expect(text, `key ${key} of ConfigMap ${source.name}`).toBeTypeOf('string');
          const file = join(dir, `${workload.replace(/\W+/g, '-')}-${mount.name}-${posix.basename(path)}`);
          writeFileSync(file, text as string);
          const config = resolveConfig({ config: file, dataDir: flagValue(args, '--data-dir'), listen: flagValue(args, '--listen') }, {}, dir);
          expect(config.configFile).toBe(file);
          mounted.push(posix.join(mount.mountPath, path));
        }
      }
      expect(mounted, `${workload}: the file --config names comes from a ConfigMap`).toContain(flagValue(args, '--config'));
    }
  });

  // What the seed's scrape job (the ConfigMap's relabel rules, through server-lite's discovery and
  // relabeling code) must make of each workload's pod: these targets, or none.
  const SCRAPED: Record<string, string[]> = {
    'go-service': ['go-service http://10.1.0.9:8080/debug/pprof/heap', 'go-service http://10.1.0.9:8080/debug/pprof/profile?seconds=10'],
    // Pushes with @kprof/sdk: being scraped too would store every profile twice under one name.
    'node-service': [],
    // The server itself serves no pprof endpoint.
    'kprof-server': [],
  };

  it('makes scrape targets of exactly the workloads meant to be scraped, and drops the others', () => {
    const { resources } = load();
    const { config } = serverConfigFromManifests(resources);
    const deployments = resources.filter((r): r is Deployment => r.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(Object.keys(SCRAPED).sort());
    for (const d of deployments) {
      const resolved = resolveTargetGroup(podTargetGroup(runningPod(d, '10.1.0.9')), config.scrapeConfigs[0]!);
      const targets = resolved.active.map((t) => `${t.labels.__name__} ${t.url}`).sort();
      expect([d.metadata.name, targets]).toEqual([d.metadata.name, SCRAPED[d.metadata.name]]);
      // Discovered, then dropped by a rule, rather than never discovered.
      if (targets.length === 0) expect(resolved.dropped.length, d.metadata.name).toBeGreaterThan(0);
    }
  });
});
