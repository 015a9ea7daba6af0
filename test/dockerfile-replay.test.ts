// Issue 17: every Dockerfile builds and its image starts, checked without a Docker engine (CI has
// none). Each image is replayed from the repository's tracked files, step by step
// (support/image-replay.ts says how and what differs from `docker build`), then started as the
// Kubernetes example runs it (read-only root, its own network namespace, the example's config and
// service account where it has them) and asked over HTTP on its real ports.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { decodeGzippedProfile, sampleTypeNames, startProcess, tempDir, type RunningProcess, type SharedTempDir } from '@kprof/test-support';
// yaml is server-lite's dependency; importing its copy keeps one version in the repo.
import { parse as parseYaml } from '../packages/server-lite/node_modules/yaml/dist/index.js';
import { testKubeApiTls } from '../packages/server-lite/test/scrape/fake-kube-api.js';
import { exportTrackedFiles, type TrackedFiles } from './support/build-context.js';
import { containerStart, hostBuildCaches, replayBuild, replayScratchRoot, type BuildCaches, type ReplayedImage, type RunOptions } from './support/image-replay.js';
import { dockerBuildCommand, IMAGES } from './support/images.js';
import { getInNetworkOf } from './support/netns-http.js';

const REPO = resolve(__dirname, '..');
const LOG_DIR = join(REPO, 'test-artifacts', 'dockerfile-replay');
/** A cold build (empty Go cache, better-sqlite3 compiled) takes minutes; a warm one under a minute. */
const BUILD_TIMEOUT_MS = 600_000;

let work: SharedTempDir;
let caches: BuildCaches;
let context: TrackedFiles;
const builds = new Map<string, Promise<ReplayedImage>>();

beforeAll(() => {
  const dir = mkdtempSync(join(replayScratchRoot(), 'kprof-dockerfile-replay-'));
  work = { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  caches = hostBuildCaches(REPO);
  context = exportTrackedFiles(REPO, join(work.dir, 'tracked'));
});
afterAll(async () => {
  // A build still running (its test timed out) must not write into a removed directory.
  await Promise.allSettled(builds.values());
  work?.cleanup();
}, BUILD_TIMEOUT_MS);

/**
 * Replays `image`'s Dockerfile. One build at a time: on 2 cores, two builds side by side took
 * longer than one after the other (both copy packages out of the pnpm store at once).
 */
async function build(image: string): Promise<ReplayedImage> {
  const spec = IMAGES.find((s) => s.image === image);
  if (spec === undefined) throw new Error(`${image} is not in test/support/images.ts`);
  const name = image.replace(/[/:]/g, '_');
  const workDir = join(work.dir, name);
  const pending = replayBuild(spec, { tracked: context, workDir, logFile: join(LOG_DIR, `${name}.log`), caches });
  builds.set(image, pending);
  // Each image's stages go when its test ends, so scratch space holds one image at a time.
  onTestFinished(async () => {
    await pending.catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });
  const replayed = await pending;
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  const total = replayed.steps.reduce((sum, s) => sum + s.ms, 0);
  console.log(`${image}: built in ${seconds(total)} s from ${replayed.context.source}; slowest steps: ` +
    [...replayed.steps].sort((a, b) => b.ms - a.ms).slice(0, 3).map((s) => `${seconds(s.ms)} s ${s.step}`).join('; '));
  return replayed;
}

function startContainer(image: ReplayedImage, options: RunOptions = {}): RunningProcess {
  const script = join(image.fs.dir, 'container.sh');
  const { command, args, env } = containerStart(image, script, options);
  return startProcess(command, args, { env, inheritEnv: false });
}

function pidOf(p: RunningProcess): number {
  const pid = p.child.pid;
  if (pid === undefined) throw new Error(`the process did not start:\n${p.output()}`);
  return pid;
}

/** Stands in for server-lite's push endpoint in node-service's pod: prints one line per request it answers. */
const INGEST_RECEIVER = `
require('node:http').createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk) => { bytes += chunk.length; });
  req.on('end', () => { console.log(req.method + ' ' + req.url + ' ' + bytes + ' bytes'); res.end(); });
}).listen(4040, '127.0.0.1', () => console.log('receiver listening'));
`;

/** Every port the image EXPOSEs must be one the test asks something on. */
function expectExposedPortsChecked(image: ReplayedImage, checked: number[]): void {
  expect(image.config.exposedPorts.map((p) => p.port).sort()).toEqual([...new Set(checked)].sort());
}

describe('Dockerfile replay: each image builds from tracked files and serves', () => {
  it('covers every Dockerfile in the repository', () => {
    const tracked = spawnSync('git', ['ls-files', '--', '*Dockerfile*'], { cwd: REPO, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(tracked.sort()).toEqual(IMAGES.map((s) => s.dockerfile).sort());
  });

  it('shows the command that builds each image in the READMEs and in the Dockerfile itself', () => {
    for (const spec of IMAGES) {
      for (const doc of ['README.md', 'examples/kubernetes/README.md', spec.dockerfile]) {
        expect(readFileSync(join(REPO, doc), 'utf8'), doc).toContain(dockerBuildCommand(spec));
      }
    }
  });

  it('server-lite: serves /ready and its UI with the Kubernetes example config, and discovers pods with the mounted service account', async () => {
    const image = await build('kprof/server-lite:dev');
    expect(image.config.user).toBe('node');
    expect(image.config.volumes).toEqual(['/data']);

    const dir = tempDir('kprof-replay-server-');
    // The example's ConfigMap, mounted where the Deployment mounts it.
    const configMap = parseYaml(readFileSync(join(REPO, 'examples/kubernetes/server/config.yaml'), 'utf8')) as { data: Record<string, string> };
    const configDir = join(dir, 'config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'kprof.yml'), configMap.data['kprof.yml'] ?? '');
    const tls = testKubeApiTls();
    const token = 'replay-test-token';
    const serviceAccount = join(dir, 'serviceaccount');
    mkdirSync(serviceAccount);
    writeFileSync(join(serviceAccount, 'token'), token);
    writeFileSync(join(serviceAccount, 'ca.crt'), tls.ca);
    writeFileSync(join(serviceAccount, 'namespace'), 'kprof');
    const pods = join(dir, 'pods.json');
    writeFileSync(pods, JSON.stringify([{
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        namespace: 'kprof', name: 'go-service-5d8c7', uid: 'uid-go-service',
        labels: { 'app.kubernetes.io/name': 'go-service' },
        annotations: { 'pyroscope.io/scrape': 'true', 'pyroscope.io/application-name': 'go-service', 'pyroscope.io/port': '8080' },
      },
      spec: { containers: [{ name: 'go-service', image: 'kprof/go-service:dev' }] },
      status: { phase: 'Running', podIP: '127.0.0.1' },
    }]));

    // The pod's network namespace, held by its API-server sidecar (the container joins it).
    const sidecar = startProcess('unshare', ['--net', '--', '/bin/sh', '-c', 'ip link set lo up && exec "$0" "$@"',
      process.execPath, '--import', 'tsx', join(__dirname, 'support', 'kube-api-sidecar.ts'), pods], { cwd: REPO });
    const [, apiPort = '', reportPort = ''] = await sidecar.waitFor(/fake kube api on 127\.0\.0\.1:(\d+), requests on 127\.0\.0\.1:(\d+)/, 60_000);
    const netns = pidOf(sidecar);

    const server = startContainer(image, {
      joinNetworkOf: netns,
      env: { SQLITE_TMPDIR: '/tmp', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: apiPort },
      binds: [
        { hostPath: configDir, imagePath: '/etc/kprof', readOnly: true },
        { hostPath: serviceAccount, imagePath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
      tmpfs: ['/tmp'],
    });
    await server.waitFor(/kprof-server listening/, 60_000);

    const ready = await getInNetworkOf(netns, 'http://127.0.0.1:4040/ready');
    expect(ready.status, ready.body.toString()).toBe(200);
    const page = await getInNetworkOf(netns, 'http://127.0.0.1:4040/');
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expectExposedPortsChecked(image, [4040]);

    // Discovery ran inside the image: it called the API with the mounted token, and the
    // annotated pod became a scrape target through the config's relabel rules.
    const requests = async (): Promise<{ path: string; authorization?: string }[]> =>
      JSON.parse((await getInNetworkOf(netns, `http://127.0.0.1:${reportPort}/`)).body.toString()) as { path: string; authorization?: string }[];
    await expect.poll(async () => (await requests()).some((r) => r.path === '/api/v1/pods' && r.authorization === `Bearer ${token}`), { timeout: 30_000 }).toBe(true);
    const scrapeTargets = async (): Promise<string[]> => {
      const body = JSON.parse((await getInNetworkOf(netns, 'http://127.0.0.1:4040/api/v1/targets')).body.toString()) as {
        data: { activeTargets: { scrapeUrl: string; labels: Record<string, string> }[] };
      };
      // The path only: the CPU profile's `seconds` is fitted to the time left in the interval.
      return body.data.activeTargets.map((t) => `${t.labels.__name__} ${new URL(t.scrapeUrl).host}${new URL(t.scrapeUrl).pathname}`).sort();
    };
    await expect.poll(scrapeTargets, { timeout: 30_000 }).toEqual([
      'go-service 127.0.0.1:8080/debug/pprof/heap',
      'go-service 127.0.0.1:8080/debug/pprof/profile',
    ]);

    expect(await server.stop('SIGTERM', { killAfterMs: 20_000 }), server.output()).toBe(0);
  }, BUILD_TIMEOUT_MS);

  it('node-service: answers on its public port, serves pprof (native profiler loaded) on its admin port, pushes its last profile on SIGTERM', async () => {
    const image = await build('kprof/node-service:dev');
    expect(image.config.user).toBe('node');

    // The pod's network namespace, held by a receiver that stands in for server-lite's /ingest.
    const receiver = startProcess('unshare', ['--net', '--', '/bin/sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '-e', INGEST_RECEIVER]);
    await receiver.waitFor(/receiver listening/);
    const netns = pidOf(receiver);

    // As in the Deployment: read-only root, /tmp an emptyDir, a push address; the image's own default ports.
    const svc = startContainer(image, { joinNetworkOf: netns, env: { KPROF_SERVER_ADDRESS: 'http://127.0.0.1:4040' }, tmpfs: ['/tmp'] });
    await svc.waitFor(/node-service listening on http:\/\/localhost:3000/, 60_000);
    await svc.waitFor(/node-service pprof on http:\/\/127\.0\.0\.1:6060\//);

    const home = await getInNetworkOf(netns, 'http://127.0.0.1:3000/');
    expect(home.status).toBe(200);
    expect(home.body.toString()).toMatch(/^routes:/);
    const heap = await getInNetworkOf(netns, 'http://127.0.0.1:6060/debug/pprof/heap');
    expect(heap.status, heap.body.toString()).toBe(200);
    expect(sampleTypeNames(decodeGzippedProfile(heap.body))).toEqual(expect.arrayContaining(['inuse_space']));
    expectExposedPortsChecked(image, [3000]);

    expect(await svc.stop('SIGTERM', { killAfterMs: 20_000 }), svc.output()).toBe(0);
    expect(svc.output()).toMatch(/SIGTERM, flushing the last profile/);
    // Seconds after start, so these are the SIGTERM flush, not a periodic upload.
    const pushed = receiver.output().split('\n').filter((l) => l.startsWith('POST /ingest?'))
      .map((l) => new URL(l.split(' ')[1] ?? '', 'http://receiver').searchParams.get('name'));
    expect(pushed, receiver.output()).toContain('node-service{env=demo}');
  }, BUILD_TIMEOUT_MS);

  it('go-service: the static binary runs alone on distroless as nonroot and serves /debug/pprof/', async () => {
    const image = await build('kprof/go-service:dev');
    expect(image.config.user).toBe('65532:65532');

    const svc = startContainer(image);
    await svc.waitFor(/go-service listening on /, 30_000);
    const netns = pidOf(svc);

    const index = await getInNetworkOf(netns, 'http://127.0.0.1:8080/debug/pprof/');
    expect(index.status).toBe(200);
    expect(index.body.toString()).toContain('Types of profiles available');
    const heap = await getInNetworkOf(netns, 'http://127.0.0.1:8080/debug/pprof/heap');
    expect(heap.status).toBe(200);
    expect(sampleTypeNames(decodeGzippedProfile(heap.body))).toEqual(expect.arrayContaining(['inuse_space']));
    expectExposedPortsChecked(image, [8080]);
  }, BUILD_TIMEOUT_MS);
});
