// Issue 6 acceptance: pull mode end to end. The seed's scrape-configs, byte for byte, drive
// Kubernetes pod discovery against a fake API server that speaks the real list + watch protocol
// (resourceVersion, bookmarks, 410 Gone) over HTTPS. As in a pod, server-lite finds the API server
// through the in-cluster service account: KUBERNETES_SERVICE_HOST/PORT, and the token and CA files,
// which KPROF_K8S_SERVICE_ACCOUNT_DIR points at a temp dir instead of /var/run/secrets/…;
// the CA is the committed test CA that signed the fake server's certificate (no openssl needed).
// Everything else is real: server-lite as its own process,
// examples/go-service (net/http/pprof) and examples/node-service (pprofRouter on its admin port),
// all on 127.0.0.1. The pods' IPs are 127.0.0.1 and their pyroscope.io/port annotations are the
// real processes' ports.
//
// Timing: the seed sets no scrape-interval, so the default (10 s) applies; CPU profiles are asked
// for 9 s (fitted inside the interval). Nothing here overrides that.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildGoProgram, makeTempDir, startLoad, startProcess, startProfileReceiver, startServerLiteCli,
  type ProfileReceiver, type RunningProcess, type ServerLiteCli, type SharedTempDir,
} from '@kprof/test-support';
import { FakeKubeApi, testKubeApiTls } from '../packages/server-lite/test/scrape/fake-kube-api.js';
import { getApps, getAppNames, getTargets, renderedFrames, scrapedPaths, targetsOfPod, type TargetsResponse } from './support/scrape-api.js';
import { SEED_FILE, seedPyroscopeConfigLines, writeSeedServerConfig, writeServiceAccount } from './support/seed-scrape-config.js';

type Pod = Parameters<FakeKubeApi['apply']>[0];

const REPO = resolve(__dirname, '..');
/** The seed leaves scrape-interval unset: Pyroscope OG's (and kprof's) default. */
const INTERVAL_MS = 10_000;
const MEMORY_TYPES = /^(inuse|alloc)_(space|objects)$/;
const SA_TOKEN = 'pull-mode-test-token';

/** A pod as the seed's deployment would create it: the seed's annotations, on 127.0.0.1. */
function pod(name: string, o: { app: string; port: number; phase?: string; scrape?: boolean; cpu?: boolean; mem?: boolean }): Pod {
  const annotations: Record<string, string> = {
    'pyroscope.io/application-name': o.app,
    'pyroscope.io/profile-cpu-enabled': String(o.cpu ?? true),
    'pyroscope.io/profile-mem-enabled': String(o.mem ?? true),
    'pyroscope.io/port': String(o.port),
  };
  if (o.scrape !== false) annotations['pyroscope.io/scrape'] = 'true';
  const phase = o.phase ?? 'Running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default', name, uid: `uid-${name}`, labels: { run: o.app }, annotations },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'full-observability:v5', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
    status: { phase, podIP: '127.0.0.1', hostIP: '127.0.0.1', conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] },
  };
}

let tmp: SharedTempDir;
let api: FakeKubeApi;
let receiver: ProfileReceiver;
let goBin: string;
let go: RunningProcess;
let goPort: number;
let nodeAdminPort: number;
let server: ServerLiteCli;
let startedAt: number;
let configText: { file: string; seedLines: string[] };
/** Everything started in beforeAll serves all tests of this file; stopped in afterAll, last first. */
const stopAtEnd: (() => Promise<unknown>)[] = [];

function startGoService(listen: string): RunningProcess {
  const p = startProcess(goBin, ['-listen', listen, '-self-load'], { stopWhenTestEnds: false });
  stopAtEnd.push(() => p.stop('SIGKILL'));
  return p;
}

beforeAll(async () => {
  tmp = makeTempDir('kprof-pull-mode-');
  const dir = tmp.dir;
  goBin = await buildGoProgram(join(REPO, 'examples', 'go-service'), join(dir, 'go-service'));
  const tls = testKubeApiTls();
  api = await FakeKubeApi.start(tls);
  receiver = await startProfileReceiver({ closeWhenTestEnds: false });

  // Real targets: the Go example burns CPU in main.hashChain by itself (-self-load); the Node
  // example gets steady requests to /cpu (burnCpu) on its public port.
  go = startGoService('127.0.0.1:0');
  goPort = Number((await go.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const nodeService = startProcess(
    process.execPath,
    [join(REPO, 'examples/node-service/dist/main.js')],
    // The example also pushes with the SDK; that goes to a receiver so server-lite only sees scrapes.
    { env: { PORT: '0', ADMIN_PORT: '0', ADMIN_HOST: '127.0.0.1', KPROF_SERVER_ADDRESS: receiver.url, KPROF_APP_NAME: 'node-service-push' }, stopWhenTestEnds: false },
  );
  stopAtEnd.push(() => nodeService.stop());
  const nodePort = Number((await nodeService.waitFor(/listening on http:\/\/localhost:(\d+)/))[1]);
  nodeAdminPort = Number((await nodeService.waitFor(/pprof on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const load = startLoad(`http://127.0.0.1:${nodePort}`, ['/cpu?ms=20'], { concurrency: 1 });
  stopAtEnd.push(() => load.stop());

  api.apply(pod('go-app-7d9f', { app: 'go-app', port: goPort }));
  api.apply(pod('node-app-5c2b', { app: 'node-app', port: nodeAdminPort, mem: false }));
  api.apply(pod('go-pending-1a2b', { app: 'go-pending', port: goPort, phase: 'Pending' }));
  api.apply(pod('go-unannotated-3c4d', { app: 'go-unannotated', port: goPort, scrape: false }));

  const config = writeSeedServerConfig(dir);
  configText = config;
  const serviceAccountDir = writeServiceAccount(dir, { token: SA_TOKEN, ca: tls.ca });
  const started = await startServerLiteCli(['--config', config.file, '--data-dir', join(dir, 'data')], {
    env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port), KPROF_K8S_SERVICE_ACCOUNT_DIR: serviceAccountDir },
    stopWhenTestEnds: false,
  });
  server = started;
  startedAt = Date.now();
  stopAtEnd.push(() => started.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of stopAtEnd.reverse()) await stop().catch(() => undefined);
  await receiver?.close();
  await api?.close();
  tmp?.cleanup();
});

describe('pull mode: the seed config against a fake Kubernetes API server and real pprof processes', () => {
  it('scrapes each app within three intervals; skips Pending and unannotated pods; honours profile-mem-enabled: "false"', async () => {
    // A pod that appears in the watch (not the list), scraped for memory only; the next test deletes it.
    await expect.poll(() => api.openWatches, { timeout: INTERVAL_MS }).toBeGreaterThan(0);
    api.bookmark();
    api.apply(pod('node-heap-9e8f', { app: 'node-heap', port: nodeAdminPort, cpu: false }));

    const deadline = startedAt + 3 * INTERVAL_MS;
    const hot = async (app: string, fn: string): Promise<string | undefined> => {
      const names = (await getAppNames(server.url)).filter((n) => n.startsWith(`${app}.`) && !MEMORY_TYPES.test(n.slice(app.length + 1)));
      for (const name of names) if ((await renderedFrames(server.url, name)).some((f) => f.includes(fn))) return name;
      return undefined;
    };
    await expect.poll(() => hot('go-app', 'main.hashChain'), { timeout: Math.max(0, deadline - Date.now()), interval: 500 }).toBe('go-app.cpu');
    await expect.poll(() => hot('node-app', 'burnCpu'), { timeout: Math.max(0, deadline - Date.now()), interval: 500 }).toMatch(/^node-app\./);

    const targets = await getTargets(server.url);
    expect(targets.status).toBe('success');
    const activePods = [...new Set(targets.data.activeTargets.map((t) => t.labels.kubernetes_pod_name))].sort();
    expect(activePods).toEqual(['go-app-7d9f', 'node-app-5c2b', 'node-heap-9e8f']);
    const droppedPods = targets.data.droppedTargets.map((t) => t.discoveredLabels.__meta_kubernetes_pod_name);
    expect(droppedPods).toContain('go-pending-1a2b');
    expect(droppedPods).toContain('go-unannotated-3c4d');
    for (const t of targets.data.activeTargets) {
      expect(t.scrapePool).toBe('kubernetes-pods');
      expect(t.labels.__scrape_interval__ ?? '10s').toBe('10s');
      expect(new URL(t.scrapeUrl).host).toBe(`127.0.0.1:${t.labels.kubernetes_pod_name?.startsWith('go-') ? goPort : nodeAdminPort}`);
    }
    // The seed's labelmap and replace rules shape the stored labels.
    expect(targetsOfPod(targets, 'go-app-7d9f')[0]?.labels).toMatchObject({ kubernetes_namespace: 'default', run: 'go-app', __name__: 'go-app' });

    // profile-mem-enabled: "false" leaves only the CPU profile; the default keeps both.
    expect(scrapedPaths(targets, 'go-app-7d9f')).toEqual(['/debug/pprof/heap', '/debug/pprof/profile']);
    expect(scrapedPaths(targets, 'node-app-5c2b')).toEqual(['/debug/pprof/profile']);
    expect(scrapedPaths(targets, 'node-heap-9e8f')).toEqual(['/debug/pprof/heap']);
    await expect.poll(async () => (await getAppNames(server.url)).filter((n) => n.startsWith('node-heap.')), { timeout: 2 * INTERVAL_MS }).not.toEqual([]);
    await expect.poll(async () => (await getAppNames(server.url)).includes('go-app.inuse_space'), { timeout: 2 * INTERVAL_MS }).toBe(true);

    const names = await getAppNames(server.url);
    // The same Node process answers heap scrapes (node-heap has them), yet node-app has no memory series.
    const nodeMemoryTypes = names.filter((n) => n.startsWith('node-heap.')).map((n) => n.slice('node-heap.'.length));
    for (const type of nodeMemoryTypes) expect(names).not.toContain(`node-app.${type}`);
    expect(names.filter((n) => n.startsWith('node-app.') && MEMORY_TYPES.test(n.slice('node-app.'.length)))).toEqual([]);
    // Scrapes have been happening for a while, and never for the Pending or unannotated pods.
    expect(names.filter((n) => /^go-(pending|unannotated)\./.test(n))).toEqual([]);

    // The config file server-lite ran is the seed's pyroscopeConfigs block byte for byte: the seed's
    // text from after `pyroscopeConfigs:` to the closing fence, less the Helm values' two-space indent.
    const seedText = readFileSync(SEED_FILE, 'utf8');
    const blockStart = seedText.indexOf('\npyroscopeConfigs:\n') + '\npyroscopeConfigs:\n'.length;
    const seedBlock = seedText.slice(blockStart, seedText.indexOf('```', blockStart));
    const ran = readFileSync(configText.file, 'utf8');
    expect(ran.replace(/^(?=.)/gm, '  ')).toBe(seedBlock);
    expect(ran.split('\n').slice(0, -1)).toEqual(seedPyroscopeConfigLines());
    // In it, the SD config is the bare `- role: pod`: nothing says where the API server is.
    expect(ran).toMatch(/\n {4}kubernetes-sd-configs:\n {6}- role: pod\n {4}relabel-configs:\n/);
    // Discovery reached the API server over HTTPS (verified against the service account's ca.crt)
    // with the service account's token on every request.
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.filter((r) => r.authorization !== `Bearer ${SA_TOKEN}`)).toEqual([]);
    // Discovery used list + watch with bookmarks from the list's resourceVersion.
    const watches = api.requests.filter((r) => r.query.watch === 'true' || r.query.watch === '1');
    expect(watches.length).toBeGreaterThan(0);
    expect(watches[0]?.query.allowWatchBookmarks).toBe('true');
    expect(Number(watches[0]?.query.resourceVersion)).toBeGreaterThan(0);
    expect(api.requests[0]?.authorization).toBe(`Bearer ${SA_TOKEN}`);
  });

  it('stops scraping a pod deleted in the watch', async () => {
    await expect.poll(async () => (await getApps(server.url)).find((a) => a.name.startsWith('node-heap.'))?.lastSeen, { timeout: 2 * INTERVAL_MS }).toBeGreaterThan(0);
    const listsBefore = api.requests.filter((r) => r.query.watch === undefined).length;

    api.delete('default', 'node-heap-9e8f');
    await expect.poll(async () => targetsOfPod(await getTargets(server.url), 'node-heap-9e8f').length, { timeout: INTERVAL_MS }).toBe(0);
    const removedAt = Date.now();
    // It came through the open watch: no re-list was needed.
    expect(api.requests.filter((r) => r.query.watch === undefined).length).toBe(listsBefore);

    // Let node-app (same process, still scraped) store profiles for a further interval plus 2 s, a
    // window that holds one of node-heap's slots whatever its phase…
    const lastSeen = async (prefix: string): Promise<number> =>
      Math.max(0, ...(await getApps(server.url)).filter((a) => a.name.startsWith(prefix)).map((a) => a.lastSeen ?? 0));
    await expect.poll(() => lastSeen('node-app.'), { timeout: 3 * INTERVAL_MS, interval: 500 }).toBeGreaterThan(removedAt + INTERVAL_MS + 2000);
    // …while node-heap got nothing after its removal (a heap scrape takes milliseconds, so one
    // in flight at removal would have ended within a second).
    expect(await lastSeen('node-heap.')).toBeLessThan(removedAt + 1000);
    expect((await getTargets(server.url)).data.droppedTargets.map((t) => t.discoveredLabels.__meta_kubernetes_pod_name)).not.toContain('node-heap-9e8f');

    // A pod created while the watch's history is compacted away (410 Gone) still arrives, by re-listing.
    const relistsBefore = api.requests.filter((r) => r.query.watch === undefined).length;
    api.expire(() => api.apply(pod('node-heap-after-410', { app: 'node-heap', port: nodeAdminPort, cpu: false })));
    await expect.poll(async () => scrapedPaths(await getTargets(server.url), 'node-heap-after-410'), { timeout: INTERVAL_MS }).toEqual(['/debug/pprof/heap']);
    expect(api.requests.filter((r) => r.query.watch === undefined).length).toBeGreaterThan(relistsBefore);
  });

  it('marks a killed target down with the error, leaves the others up, and recovers when it returns', async () => {
    const podHealth = (t: TargetsResponse, name: string) => targetsOfPod(t, name).map((a) => ({ health: a.health, lastError: a.lastError }));
    expect(podHealth(await getTargets(server.url), 'go-app-7d9f').map((h) => h.health)).toEqual(['up', 'up']);

    expect(await go.stop('SIGKILL')).toBe('SIGKILL');
    const killedAt = Date.now();
    await expect
      .poll(async () => podHealth(await getTargets(server.url), 'go-app-7d9f').every((h) => h.health === 'down'), { timeout: 2 * INTERVAL_MS, interval: 500 })
      .toBe(true);
    const down = await getTargets(server.url);
    for (const h of podHealth(down, 'go-app-7d9f')) expect(h.lastError).toMatch(/ECONNREFUSED|ECONNRESET|refused|reset|closed|socket|connect/i);
    // The Node target, scraped by the same server at the same time, is unaffected.
    expect(podHealth(down, 'node-app-5c2b')).toEqual([{ health: 'up', lastError: '' }]);
    // The HTML page shows the same: the Go endpoints in down rows, the Node one in an up row.
    const page = await fetch(`${server.url}/targets`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`<tr class="health-down">\n<td><a href="http://127.0.0.1:${goPort}/debug/pprof/heap">`);
    expect(html).toContain(`<tr class="health-up">\n<td><a href="http://127.0.0.1:${nodeAdminPort}/debug/pprof/profile?seconds=`);

    // The target comes back on the same address.
    go = startGoService(`127.0.0.1:${goPort}`);
    await go.waitFor(/listening on/);
    const backAt = Date.now();
    // Meanwhile the Node target went on being scraped successfully.
    const nodeAppLast = (t: TargetsResponse) => Date.parse(targetsOfPod(t, 'node-app-5c2b')[0]?.lastScrape ?? '');
    await expect.poll(async () => nodeAppLast(await getTargets(server.url)), { timeout: 2 * INTERVAL_MS, interval: 500 }).toBeGreaterThan(killedAt);
    expect(podHealth(await getTargets(server.url), 'node-app-5c2b')).toEqual([{ health: 'up', lastError: '' }]);
    await expect
      .poll(async () => podHealth(await getTargets(server.url), 'go-app-7d9f'), { timeout: 3 * INTERVAL_MS, interval: 500 })
      .toEqual([{ health: 'up', lastError: '' }, { health: 'up', lastError: '' }]);
    await expect.poll(async () => (await getApps(server.url)).find((a) => a.name === 'go-app.cpu')?.lastSeen ?? 0, { timeout: INTERVAL_MS }).toBeGreaterThan(backAt);
  });
});
