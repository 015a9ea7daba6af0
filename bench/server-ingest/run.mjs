#!/usr/bin/env node
// server-lite ingest benchmark. Starts the built server-lite (packages/server-lite/dist) on a
// temp data dir in its own process, drives POST /ingest over loopback with undici (a Node+Go mix
// of real profiles from fixtures/, each request a new profile: its own from/until), and reports
// profiles/s, MB/s and the server's CPU per profile. Side by side, in the same run and process,
// the baseline: gunzip + full pprof-format decode of the same files, in profiles per CPU-second
// on one thread. Results: bench/results/server-ingest-<time>.{json,md}.
//
// Flags: --quick (3 s measured), --duration S (default 15), --warmup S (default 3),
// --concurrency C (default 24), --rounds N (repeat the load phase on fresh servers; default 1),
// --cpu-prof DIR (run the server with --cpu-prof, profiles written to DIR), --server-dir DIR (a
// server-lite package directory other than this checkout's, e.g. an older commit's build, to compare).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const serverDir = join(repo, 'packages', 'server-lite');
const resultsDir = join(here, '..', 'results');
const { Pool } = createRequire(join(serverDir, 'package.json'))('undici');

class UsageError extends Error {}

function readOptions() {
  // Not strict: run-all.mjs passes every benchmark the same flags (e.g. sdk-overhead's --processes).
  const { values } = parseArgs({
    strict: false,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' },
      rounds: { type: 'string' }, 'cpu-prof': { type: 'string' }, 'server-dir': { type: 'string' },
    },
  });
  const int = (name, raw, fallback, min, max) => {
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}=${raw}: want an integer in [${min}, ${max}]`);
    return n;
  };
  const q = values.quick;
  return {
    quick: q,
    durationSeconds: int('duration', values.duration, q ? 3 : 15, 1, 3600),
    warmupSeconds: int('warmup', values.warmup, q ? 1 : 3, 0, 600),
    concurrency: int('concurrency', values.concurrency, 24, 1, 1024),
    rounds: int('rounds', values.rounds, 1, 1, 20),
    cpuProfDir: typeof values['cpu-prof'] === 'string' ? resolve(values['cpu-prof']) : undefined,
    serverDir: typeof values['server-dir'] === 'string' ? resolve(values['server-dir']) : serverDir,
  };
}

/** The fixtures: gzipped pprof bytes and how each is sent (the SDK's raw format=pprof, or multipart as Pyroscope's Go agent). */
function loadFixtures() {
  const dir = join(here, 'fixtures');
  const files = readdirSync(dir).filter((f) => f.endsWith('.pb.gz')).sort();
  if (files.length === 0) throw new UsageError(`no fixtures in ${dir}; run capture-fixtures.mjs`);
  return files.map((file) => {
    const gz = readFileSync(join(dir, file));
    const go = file.startsWith('go-');
    return { file, gz, rawBytes: gunzipSync(gz).length, kind: go ? 'go' : 'node', multipart: go };
  });
}

const BOUNDARY = 'kprofbench0123456789';
function multipartBody(gz) {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="profile"; filename="profile.pprof"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    gz,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** Gunzip + pprof-format decode of each fixture in a loop; profiles per CPU-second of this thread. */
function baseline(fixtures, seconds) {
  const perFile = {};
  for (const f of fixtures) {
    for (let i = 0; i < 20; i++) Profile.decode(gunzipSync(f.gz)); // warm the JIT
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      Profile.decode(gunzipSync(f.gz));
      n++;
    }
    const c = process.cpuUsage(c0);
    perFile[f.file] = n / ((c.user + c.system) / 1e6);
  }
  // The mix sends each fixture equally often: its rate is the harmonic mean.
  const mix = fixtures.length / fixtures.reduce((s, f) => s + 1 / perFile[f.file], 0);
  return { perFile, mix };
}

function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// utime + stime in clock ticks (USER_HZ = 100 on Linux): of every thread of the process, or of
// its main thread alone (/proc/<pid>/task/<pid>), which runs HTTP and the single SQLite writer.
function cpuSecondsOf(pid, mainThreadOnly = false) {
  const path = mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(dataDir, cpuProfDir, dir) {
  const cli = join(dir, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new UsageError(`${cli} is missing; build it: cd packages/server-lite && node ../../scripts/build-package.mjs`);
  const args = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), cli, '--data-dir', dataDir, '--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KPROF_LOG_LEVEL: 'info' } });
  const url = await new Promise((resolveUrl, reject) => {
    let text = '';
    const onData = (d) => {
      text += d;
      for (const line of text.split('\n')) {
        try {
          const msg = JSON.parse(line);
          if (msg.url) {
            child.stdout.off('data', onData);
            child.stdout.resume();
            resolveUrl(msg.url);
            return;
          }
        } catch {
          // Partial line; wait for more.
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  const stop = () =>
    new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    });
  return { child, url, stop };
}

/** Sends the mix with `concurrency` requests in flight until `seconds` pass; counts answers by status. */
async function drive(pool, fixtures, concurrency, seconds, state) {
  const end = performance.now() + seconds * 1000;
  const stats = { ok: 0, status: {}, bytes: 0, rawBytes: 0, errors: 0 };
  const worker = async (w) => {
    for (let i = w; performance.now() < end; i += concurrency) {
      const f = fixtures[i % fixtures.length];
      // Each request is a new 10 s profile of one of 8 services: its own time range.
      const from = state.nextSecond;
      state.nextSecond += 10;
      const name = `bench-${f.kind}{service=svc-${i % 8}}`;
      const query = new URLSearchParams({ name, from: String(from), until: String(from + 10), spyName: f.kind === 'go' ? 'gospy' : 'nodespy' });
      if (!f.multipart) query.set('format', 'pprof');
      const body = f.multipart ? f.body : f.gz;
      const headers = f.multipart ? { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } : { 'content-type': 'application/octet-stream' };
      try {
        const res = await pool.request({ path: `/ingest?${query}`, method: 'POST', body, headers });
        await res.body.dump();
        stats.status[res.statusCode] = (stats.status[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) {
          stats.ok++;
          stats.bytes += body.length;
          stats.rawBytes += f.rawBytes;
        }
      } catch {
        stats.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return stats;
}

async function round(fixtures, opts, r) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kprof-ingest-bench-'));
  const server = await startServer(dataDir, opts.cpuProfDir && r === 0 ? opts.cpuProfDir : undefined, opts.serverDir);
  const pool = new Pool(server.url, { connections: opts.concurrency, pipelining: 1 });
  const state = { nextSecond: 1_700_000_000 };
  try {
    if (opts.warmupSeconds > 0) await drive(pool, fixtures, opts.concurrency, opts.warmupSeconds, state);
    const cpu0 = cpuSecondsOf(server.child.pid);
    const main0 = cpuSecondsOf(server.child.pid, true);
    const client0 = process.cpuUsage();
    const load0 = machineCpu();
    const t0 = performance.now();
    const stats = await drive(pool, fixtures, opts.concurrency, opts.durationSeconds, state);
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = cpuSecondsOf(server.child.pid) - cpu0;
    const mainCpu = cpuSecondsOf(server.child.pid, true) - main0;
    const client = process.cpuUsage(client0);
    const machine = machineCpu();
    const res = await pool.request({ path: '/api/apps', method: 'GET' });
    const apps = await res.body.json();
    return {
      wallSeconds: wall,
      profilesPerSecond: stats.ok / wall,
      mbPerSecond: stats.bytes / wall / 1e6,
      rawMbPerSecond: stats.rawBytes / wall / 1e6,
      serverCpuSeconds: serverCpu,
      serverCpuMsPerProfile: (serverCpu * 1000) / Math.max(1, stats.ok),
      profilesPerServerCpuSecond: stats.ok / Math.max(serverCpu, 1e-9),
      mainThreadCpuMsPerProfile: (mainCpu * 1000) / Math.max(1, stats.ok),
      clientCpuSeconds: (client.user + client.system) / 1e6,
      // Busy share of all cores over the window (everyone's processes), from /proc/stat.
      machineBusy: (machine.busy - load0.busy) / Math.max(1, machine.total - load0.total),
      status: stats.status,
      transportErrors: stats.errors,
      seriesStored: Array.isArray(apps) ? apps.length : undefined,
    };
  } finally {
    await pool.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Cores busy over the window: the server, this load generator, and everything else on the machine.
function cores(x) {
  const total = x.machineBusy * os.cpus().length;
  const server = x.serverCpuSeconds / x.wallSeconds;
  const client = x.clientCpuSeconds / x.wallSeconds;
  return `${server.toFixed(2)} / ${client.toFixed(2)} / ${Math.max(0, total - server - client).toFixed(2)}`;
}

function fmt(n, d = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

async function main() {
  const opts = readOptions();
  const fixtures = loadFixtures();
  for (const f of fixtures) if (f.multipart) f.body = multipartBody(f.gz);
  const started = new Date();
  const loadAvg = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stderr.write(`fixtures: ${fixtures.map((f) => `${f.file} (${(f.rawBytes / 1024).toFixed(0)} KB raw)`).join(', ')}\n`);
  const base = baseline(fixtures, opts.quick ? 0.5 : 2);
  process.stderr.write(`baseline gunzip+pprof-format decode: ${fmt(base.mix)} profiles/CPU-s (mix)\n`);
  const rounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const result = await round(fixtures, opts, r);
    rounds.push(result);
    process.stderr.write(`round ${r + 1}: ${fmt(result.profilesPerSecond)} profiles/s, ${fmt(result.mbPerSecond, 1)} MB/s sent, server ${fmt(result.serverCpuMsPerProfile, 2)} CPU-ms/profile (main thread ${fmt(result.mainThreadCpuMsPerProfile, 2)}), cores server/client/other ${cores(result)}, status ${JSON.stringify(result.status)}\n`);
  }
  const rates = rounds.map((x) => x.profilesPerSecond).sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  const result = {
    benchmark: 'server-ingest', started: started.toISOString(), node: process.version, cpus: `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}`,
    loadAvgAtStart: loadAvg, options: opts,
    fixtures: fixtures.map((f) => ({ file: f.file, gzBytes: f.gz.length, rawBytes: f.rawBytes, sentAs: f.multipart ? 'multipart' : 'format=pprof' })),
    baseline: base, rounds, medianProfilesPerSecond: median, ratioToBaseline: median / base.mix,
  };
  const lines = [
    `server-ingest: ${result.started}, node ${result.node}, ${result.cpus}; load avg at start ${loadAvg}; ${opts.rounds} round(s) of ${opts.warmupSeconds}s warm-up + ${opts.durationSeconds}s, concurrency ${opts.concurrency}`,
    '',
    '| fixture | sent as | gzipped KB | raw KB | baseline gunzip+pprof-format decode, profiles/CPU-s |',
    '|---|---|---|---|---|',
    ...fixtures.map((f) => `| ${f.file} | ${f.multipart ? 'multipart' : 'format=pprof'} | ${fmt(f.gz.length / 1024, 1)} | ${fmt(f.rawBytes / 1024, 1)} | ${fmt(base.perFile[f.file])} |`),
    `| **mix** | | | | **${fmt(base.mix)}** |`,
    '',
    '| round | profiles/s end to end | MB/s sent (gzipped) | MB/s raw pprof | server CPU-ms/profile | of which main thread | profiles/server-CPU-s | server / client / other cores busy | answers |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rounds.map((x, i) => `| ${i + 1} | ${fmt(x.profilesPerSecond)} | ${fmt(x.mbPerSecond, 1)} | ${fmt(x.rawMbPerSecond, 1)} | ${fmt(x.serverCpuMsPerProfile, 2)} | ${fmt(x.mainThreadCpuMsPerProfile, 2)} | ${fmt(x.profilesPerServerCpuSecond)} | ${cores(x)} | ${Object.entries(x.status).map(([k, v]) => `${k}: ${v}`).join(', ')}${x.transportErrors ? `, transport errors: ${x.transportErrors}` : ''} |`),
    '',
    `End to end (median round) ${fmt(median)} profiles/s = ×${(median / base.mix).toFixed(2)} the baseline's one-thread gunzip+decode rate (${fmt(base.mix)}/CPU-s).`,
  ];
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  mkdirSync(resultsDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-') + (opts.quick ? '-quick' : '');
  writeFileSync(join(resultsDir, `server-ingest-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(resultsDir, `server-ingest-${stamp}.md`), `${md}\n`);
  const failed = rounds.some((x) => x.transportErrors > 0 || Object.keys(x.status).some((s) => s !== '200' && s !== '429'));
  if (failed) {
    process.stderr.write('some requests failed (not 200/429); see the answers column\n');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof UsageError ? err.message : err.stack}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
