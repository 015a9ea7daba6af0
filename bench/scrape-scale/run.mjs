#!/usr/bin/env node
// Scrape-scale benchmark: server-lite (built dist/cli.js, its own process) pulls cpu + mem every
// 15 s from 1,000 Go-style targets on loopback for 5 minutes. Measures server-lite's CPU (cores)
// and peak RSS from /proc once a second, and on-time, late and missed slots as server-lite itself
// counts them (kprof_scrape_slots_total / kprof_scrape_missed_total on /metrics, per-target
// `slots` on /api/v1/targets), cross-checked against the requests the targets saw.
//
// Side by side in the same run, for comparison: the target-serving process's own CPU, and a
// second server-lite with zero targets sitting idle.
//
// Targets: one Node process (target-fleet.mjs) listening on 127.0.1.1 … 127.0.4.250, one port,
// serving real Go pprof bytes captured from examples/go-service, varied per target.
//
// Flags: --quick (100 targets, 60 s), --targets N, --duration S, --interval S (15), --warmup S.
// Results: bench/results/scrape-scale-<time>[-quick].{json,md}. Needs `go` and a built
// packages/server-lite/dist (cd packages/server-lite && node ../../scripts/build-package.mjs).
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { targetAddress } from './addresses.mjs';
import { captureGoProfiles } from './capture-go-profiles.mjs';
import { countHealth, parseMetrics, scrapeCounters } from './server-readings.mjs';
import { sampleProcess } from './proc-sampler.mjs';
import { renderMarkdown } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const resultsDir = join(here, '..', 'results');
const cli = join(repo, 'packages', 'server-lite', 'dist', 'cli.js');
const TARGETS_PER_APP = 10;

class UsageError extends Error {}

function readOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      targets: { type: 'string' }, duration: { type: 'string' }, interval: { type: 'string' }, warmup: { type: 'string' },
    },
  });
  const int = (name, raw, fallback, min, max) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}=${raw}: want an integer in [${min}, ${max}]`);
    return n;
  };
  const q = values.quick;
  const intervalSeconds = int('interval', values.interval, 15, 2, 600);
  return {
    quick: q,
    targets: int('targets', values.targets, q ? 100 : 1000, 1, 10_000),
    durationSeconds: int('duration', values.duration, q ? 60 : 300, 10, 7200),
    intervalSeconds,
    // The first round of scrapes is spread over one interval and CPU scrapes last most of one.
    warmupSeconds: int('warmup', values.warmup, 2 * intervalSeconds, 0, 600),
  };
}

function scrapeConfigYaml(opts) {
  const lines = [
    'scrape-configs:',
    '  - job-name: scrape-scale',
    `    scrape-interval: ${opts.intervalSeconds}s`,
    '    enabled-profiles: [cpu, mem]',
    '    static-configs:',
  ];
  for (let a = 0; a * TARGETS_PER_APP < opts.targets; a++) {
    const targets = [];
    for (let i = a * TARGETS_PER_APP; i < Math.min(opts.targets, (a + 1) * TARGETS_PER_APP); i++) targets.push(`'${targetAddress(i)}:${opts.port}'`);
    lines.push(`      - application: scale-app-${String(a).padStart(3, '0')}`, `        targets: [${targets.join(', ')}]`, '        labels: {env: bench}');
  }
  return lines.join('\n');
}

function startServerLite(name, dir, yaml) {
  const dataDir = join(dir, `${name}-data`);
  const config = join(dir, `${name}.yml`);
  writeFileSync(config, `log-level: warn\n${yaml}\n`);
  const child = spawn(process.execPath, [cli, '--config', config, '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c) => { out = (out + c).slice(-200_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server-lite did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /kprof-server listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) { clearTimeout(timer); child.stdout.off('data', check); resolve(m[1]); }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} server-lite exited (${code}):\n${out}`)); });
  });
  return { child, url, output: () => out };
}

function fleetStats(fleet, resetMaxGap = false) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('target fleet did not answer stats')), 10_000);
    fleet.once('message', function onMsg(msg) {
      if (msg?.type !== 'stats') return fleet.once('message', onMsg);
      clearTimeout(timer);
      resolve(msg.stats);
    });
    fleet.send({ type: 'stats', resetMaxGap });
  });
}

async function getText(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');

async function main() {
  const opts = readOptions();
  // Other work on the machine shows here (the benchmark's own processes are not started yet).
  const loadavgBefore = os.loadavg();
  if (!existsSync(cli)) throw new UsageError(`${cli} is missing; build it: cd packages/server-lite && node ../../scripts/build-package.mjs`);
  const dir = mkdtempSync(join(os.tmpdir(), 'kprof-scrape-scale-'));
  const children = [];
  try {
    process.stderr.write(`scrape-scale: ${opts.targets} targets, cpu + mem every ${opts.intervalSeconds} s, ${opts.warmupSeconds} s warm-up + ${opts.durationSeconds} s measured; load average ${fmtLoad(loadavgBefore)}\n`);
    const profileSizes = await captureGoProfiles({ goServiceDir: join(repo, 'examples', 'go-service'), dir });
    process.stderr.write(`captured Go profiles (bytes): cpu ${profileSizes.cpu.join(', ')}; heap ${profileSizes.heap.join(', ')}\n`);

    const fleet = fork(join(here, 'target-fleet.mjs'), ['--count', String(opts.targets), '--profiles', dir, '--interval', String(opts.intervalSeconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(fleet);
    const ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('target fleet not ready in 120 s')), 120_000);
      fleet.once('message', (m) => { clearTimeout(timer); resolve(m); });
      fleet.once('exit', (code) => { clearTimeout(timer); reject(new Error(`target fleet exited (${code})`)); });
    });
    process.stderr.write(`target fleet: ${ready.addresses[0]} … ${ready.addresses[1]} port ${ready.port}\n`);

    const loaded = startServerLite('loaded', dir, scrapeConfigYaml({ ...opts, port: ready.port }));
    const idle = startServerLite('idle', dir, '');
    children.push(loaded.child, idle.child);
    const [loadedUrl] = await Promise.all([loaded.url, idle.url]);
    const samplers = { loaded: sampleProcess(loaded.child.pid), idle: sampleProcess(idle.child.pid), fleet: sampleProcess(fleet.pid) };

    await sleep(opts.warmupSeconds * 1000);
    for (const s of Object.values(samplers)) s.mark();
    const metricsStart = parseMetrics(await getText(`${loadedUrl}/metrics`));
    const fleetStart = await fleetStats(fleet, true);
    const startedAt = new Date().toISOString();
    const loadavgStart = os.loadavg();
    // Every 30 s: server-lite's mean CPU since the window began, its RSS now (is memory flat?), its
    // late and missed slots so far (from its counters) and the load average (did misses come with load?).
    const timeline = [];
    for (let left = opts.durationSeconds; left > 0; left -= 30) {
      await sleep(Math.min(30, left) * 1000);
      const w = samplers.loaded.window();
      const atSeconds = opts.durationSeconds - Math.max(0, left - 30);
      const { slots } = scrapeCounters(metricsStart, parseMetrics(await getText(`${loadedUrl}/metrics`)));
      const load1 = os.loadavg()[0];
      timeline.push({ atSeconds, meanCores: w.meanCores, rssMiB: Math.round(w.endRssBytes / 2 ** 20), late: slots.late, missed: slots.missed, load1 });
      process.stderr.write(`  ${atSeconds} s: server-lite ${w.meanCores.toFixed(3)} cores, RSS ${(w.endRssBytes / 2 ** 20).toFixed(0)} MiB, slots late ${slots.late} missed ${slots.missed}, load ${load1.toFixed(2)}\n`);
    }
    const windows = Object.fromEntries(Object.entries(samplers).map(([k, s]) => [k, s.window()]));
    const metricsEnd = parseMetrics(await getText(`${loadedUrl}/metrics`));
    const targetsJson = JSON.parse(await getText(`${loadedUrl}/api/v1/targets`));
    const fleetEnd = await fleetStats(fleet);
    for (const s of Object.values(samplers)) s.stop();

    const rounds = opts.durationSeconds / opts.intervalSeconds;
    const result = {
      benchmark: 'scrape-scale',
      startedAt,
      options: opts,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgBefore, loadavgStart, loadavg: os.loadavg(), node: process.version },
      profileSizes,
      serverLite: windows.loaded,
      serverLiteTimeline: timeline,
      idleServerLite: windows.idle,
      targetFleet: windows.fleet,
      expectedScrapesPerProfile: opts.targets * rounds,
      targetsSaw: {
        cpu: fleetEnd.cpu - fleetStart.cpu,
        heap: fleetEnd.heap - fleetStart.heap,
        aborted: fleetEnd.aborted - fleetStart.aborted,
        notFound: fleetEnd.other - fleetStart.other,
        late: fleetEnd.late - fleetStart.late,
        missedSlots: fleetEnd.missedSlots - fleetStart.missedSlots,
        maxGapMs: fleetEnd.maxGapMs,
      },
      scrapeMetrics: scrapeCounters(metricsStart, metricsEnd),
      health: countHealth(targetsJson),
      loadedOutputTail: loaded.output().slice(-4000),
    };
    mkdirSync(resultsDir, { recursive: true });
    const stamp = `${startedAt.replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}`;
    const base = join(resultsDir, `scrape-scale-${stamp}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    const md = renderMarkdown(result);
    writeFileSync(`${base}.md`, md);
    process.stdout.write(md);
    process.stderr.write(`results: ${base}.{json,md}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await sleep(500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`scrape-scale: ${err instanceof UsageError ? err.message : err.stack}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
