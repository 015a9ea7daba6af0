import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestProfile } from '../model/ingest-profile.js';
import { parseScrapeConfigs } from '../config/scrape-config.js';
import { recordingPullMode } from '../../test/scrape/recording-pull-mode.js';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kprof-real-targets-'));
const children: ChildProcess[] = [];

/** Spawns `cmd` and resolves with the `http://127.0.0.1:PORT` it prints. */
async function spawnTarget(cmd: string, args: string[], pattern: RegExp): Promise<string> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  return new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m !== null) resolve(m[1]!);
    });
  });
}

let goAddress: string;
let nodeAddress: string;

beforeAll(async () => {
  const bin = join(dir, 'go-service');
  await run('go', ['build', '-o', bin, '.'], { cwd: join(REPO, 'examples', 'go-service'), env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' } });
  const [go, node] = await Promise.all([
    spawnTarget(bin, ['-listen', '127.0.0.1:0', '-self-load'], /listening on http:\/\/(127\.0\.0\.1:\d+)/),
    // Without inlining, V8's sampler names the hot function instead of the timer code it was inlined into.
    spawnTarget(
      process.execPath,
      ['--no-turbo-inlining', join(__dirname, '..', '..', 'test', 'fixtures', 'node-pprof-target.cjs'), join(REPO, 'examples', 'node-service')],
      /listening http:\/\/(127\.0\.0\.1:\d+)/,
    ),
  ]);
  goAddress = go;
  nodeAddress = node;
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null) return;
      c.removeAllListeners('exit');
      const exited = once(c, 'exit');
      c.kill();
      await exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

/** Every frame name of the samples of one series. */
function framesOf(profiles: readonly IngestProfile[], seriesName: string): Set<string> {
  const out = new Set<string>();
  for (const p of profiles) {
    for (const s of p.series) {
      if (s.series.name !== seriesName) continue;
      for (const si of s.sampleIndices) {
        for (let j = p.stackStart[si]!; j < p.stackStart[si + 1]!; j++) {
          const loc = p.stackLocs[j]!;
          for (let f = p.frameStart[loc]!; f < p.frameStart[loc + 1]!; f++) out.add(p.names[p.frameNames[f]!]!);
        }
      }
    }
  }
  return out;
}

function scrape(raw: unknown[]): { written: IngestProfile[]; seriesNames: () => string[] } {
  const { configs, errors } = parseScrapeConfigs(raw, 'scrape-configs');
  expect(errors).toEqual([]);
  const { written } = recordingPullMode(configs);
  return { written, seriesNames: () => [...new Set(written.flatMap((p) => p.series.map((s) => s.series.name)))].sort() };
}

describe('pull mode against real targets', () => {
  it('scrapes a Go net/http/pprof service: CPU with the hot function, heap in use, then allocations as deltas', async () => {
    const { written, seriesNames } = scrape([
      {
        'job-name': 'go',
        'scrape-interval': '3s',
        'enabled-profiles': ['cpu', 'mem'],
        'static-configs': [{ application: 'go-app', targets: [goAddress], labels: { env: 'test' } }],
      },
    ]);
    await expect.poll(seriesNames, { timeout: 30_000, interval: 250 }).toEqual(
      expect.arrayContaining(['go-app.cpu', 'go-app.samples', 'go-app.inuse_space', 'go-app.inuse_objects', 'go-app.alloc_space', 'go-app.alloc_objects']),
    );
    expect(framesOf(written, 'go-app.cpu')).toContain('main.hashChain');
    // Go's heap profile shows the state at the last GC: allocate enough (24 MiB) to run a few.
    for (let i = 0; i < 3; i++) expect((await fetch(`http://${goAddress}/alloc?kib=8192`)).status).toBe(200);
    await expect.poll(() => framesOf(written, 'go-app.inuse_space').has('main.allocateBuffers'), { timeout: 30_000, interval: 250 }).toBe(true);
    await expect.poll(() => framesOf(written, 'go-app.alloc_space').has('main.allocateBuffers'), { timeout: 30_000, interval: 250 }).toBe(true);
    const cpu = written.find((p) => p.series.some((s) => s.series.name === 'go-app.cpu'))!;
    const cpuSeries = cpu.series.find((s) => s.series.name === 'go-app.cpu')!.series;
    expect(cpuSeries.labels).toEqual({ env: 'test', instance: goAddress, job: 'go' });
    expect(cpuSeries.meta).toMatchObject({ units: 'nanoseconds', spyName: 'scrape', sampleRate: 100 });
    // 3 s interval → `seconds=1` (2 s margin): the profile covers one second.
    expect(cpu.endMs - cpu.startMs).toBe(1000);
    // The first heap scrape is the baseline: it has in-use series but no alloc_* ones.
    const heaps = written.filter((p) => p.series.some((s) => s.series.name === 'go-app.inuse_space'));
    expect(heaps[0]!.series.map((s) => s.series.name)).not.toContain('go-app.alloc_space');
  }, 60_000);

  it('scrapes a Node.js service through @kprof/express-middleware: wall time with the hot function, in-use heap', async () => {
    const { written, seriesNames } = scrape([
      {
        'job-name': 'node',
        // 4 s → 2 s profiles: long enough for the busy timer to be sampled on a loaded machine.
        'scrape-interval': '4s',
        'enabled-profiles': ['cpu', 'mem'],
        'static-configs': [{ application: 'node-service-pull', targets: [nodeAddress] }],
      },
    ]);
    await expect.poll(seriesNames, { timeout: 30_000, interval: 250 }).toEqual(
      expect.arrayContaining(['node-service-pull.wall', 'node-service-pull.inuse_space', 'node-service-pull.inuse_objects']),
    );
    await expect.poll(() => [...framesOf(written, 'node-service-pull.wall')], { timeout: 20_000, interval: 250 }).toContain('kprofScrapeHotLoop');
    expect(seriesNames().filter((n) => n.includes('alloc'))).toEqual([]);
    const wall = written.find((p) => p.series.some((s) => s.series.name === 'node-service-pull.wall'))!;
    expect(wall.series.find((s) => s.series.name === 'node-service-pull.wall')!.series.meta.units).toBe('nanoseconds');
  }, 60_000);
});
