#!/usr/bin/env node
// server-lite store growth ("churn") benchmark, issue 12, in two parts:
//
// - sim: 30 simulated days of deploys. 20 apps push generated folded profiles (workload.mjs: 300
//   functions, 600 call paths 20–40 frames deep, 200 of them per profile) over real HTTP to a real
//   server process (server-runner.mjs: the build's startServer with a simulated clock set over
//   IPC), one profile per app every 10 simulated minutes, stamped with the simulated clock. Each
//   app deploys 4 times a simulated day (apps at different times), renaming 20 % of its functions
//   to names never seen before. `storage.max-age: 14d` (so one block a day), retention every real
//   second against the simulated clock. At the end of day 15 and day 30, once retention and the
//   rollup builder have caught up: the data dir's bytes and the RSS of the server, which runs the
//   whole 30 days (never restarted), then 3 restarts on a backup copy of its blocks at the same
//   simulated time (fork → /ready 200, RSS at ready and after a query warm-up). day 30 ÷ day 15
//   for each (target within ±10 %), peaks, a per-day series (RSS and the main thread's heap after
//   a full GC), and the bytes per SQLite table (dbstat). At the end,
//   correctness: /render of every app over the last day and of one app over the 14 kept days
//   equal the totals pushed, single profiles read back exactly, and day 1 is empty.
// - acceptance: issue 12's acceptance scenario with the real CLI (dist/cli.js): `max-age: 2m`,
//   `retention-interval: 10s`, 2,000 folded profiles × 200 stacks whose names never repeat
//   (400,000 stacks, 800,000 names) over 10 apps; wait until the data aged out (no block left,
//   /render empty), stop, restart on the same dir. The data dir ≤ 25 % of its peak? RSS of the
//   restarted server vs a fresh server's (+40 MB allowed), 3 of each interleaved in the same run.
//
// Results: bench/results/store-churn-<time>.{json,md}.
// Flags: --quick (5 apps, 6 days, max-age 2d; acceptance 40,000 stacks, max-age 1m),
// --parts sim,acceptance (default both), --server-dir DIR (a server-lite package dir, default this
// checkout's), --keep-data (leave the data dirs in the temp dir).
// sim: --apps N, --days N (checkpoints at days/2 and days), --max-age-days N, --cadence-min N
// (simulated minutes between an app's profiles), --deploys-per-day N, --rename-share F,
// --functions N, --shapes N, --stacks N (per profile), --restarts N (per checkpoint).
// acceptance: --acceptance-profiles N, --acceptance-stacks-per-profile N, --acceptance-apps N,
// --acceptance-max-age DUR (e.g. 2m), --acceptance-rounds N (fresh/restarted pairs).
import { fork } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dirBytes, fmt, loadAvgText, median, readBuilds } from '../heavy-corpus/server-bench.mjs';
import { Database, SERVER_DIR, startServer as startCliServer } from '../server-query/server-process.mjs';
import { ChurnApp } from './workload.mjs';
import { writeResults } from '../results-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(here, 'server-runner.mjs');
const { Pool } = createRequire(join(SERVER_DIR, 'package.json'))('undici');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const PROFILE_MS = 10_000;
const MB = 1024 * 1024;

class UsageError extends Error {}

function readOptions() {
  // Not strict: run-all.mjs passes every benchmark the same flags.
  const { values } = parseArgs({
    strict: false,
    options: {
      quick: { type: 'boolean', default: false }, parts: { type: 'string' }, 'server-dir': { type: 'string' }, 'keep-data': { type: 'boolean', default: false },
      apps: { type: 'string' }, days: { type: 'string' }, 'max-age-days': { type: 'string' }, 'cadence-min': { type: 'string' },
      'deploys-per-day': { type: 'string' }, 'rename-share': { type: 'string' }, functions: { type: 'string' }, shapes: { type: 'string' },
      stacks: { type: 'string' }, restarts: { type: 'string' },
      'acceptance-profiles': { type: 'string' }, 'acceptance-stacks-per-profile': { type: 'string' }, 'acceptance-apps': { type: 'string' },
      'acceptance-max-age': { type: 'string' }, 'acceptance-rounds': { type: 'string' },
    },
  });
  const num = (name, fallback, min, max, integer = true) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
    const n = Number(raw);
    if ((integer && !Number.isInteger(n)) || !(n >= min && n <= max)) throw new UsageError(`--${name}=${raw}: want ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
    return n;
  };
  const q = values.quick;
  const parts = (typeof values.parts === 'string' ? values.parts : 'sim,acceptance').split(',');
  if (parts.some((p) => p !== 'sim' && p !== 'acceptance')) throw new UsageError(`--parts=${values.parts}: sim, acceptance or both`);
  const acceptanceMaxAge = typeof values['acceptance-max-age'] === 'string' ? values['acceptance-max-age'] : q ? '1m' : '2m';
  const ageMatch = /^(\d+)([sm])$/.exec(acceptanceMaxAge);
  if (!ageMatch) throw new UsageError(`--acceptance-max-age=${acceptanceMaxAge}: want e.g. 2m`);
  const acceptanceMaxAgeMs = Number(ageMatch[1]) * (ageMatch[2] === 'm' ? MINUTE : 1000);
  if (acceptanceMaxAgeMs < MINUTE) throw new UsageError('--acceptance-max-age: the server needs at least 1m');
  const days = num('days', q ? 6 : 30, 2, 365);
  const opts = {
    quick: q,
    parts,
    keepData: values['keep-data'],
    builds: readBuilds(typeof values['server-dir'] === 'string' ? values['server-dir'] : undefined),
    sim: {
      apps: num('apps', q ? 5 : 20, 1, 200),
      days,
      maxAgeDays: num('max-age-days', q ? 2 : 14, 1, 60),
      cadenceMin: num('cadence-min', 10, 1, 1440),
      deploysPerDay: num('deploys-per-day', 4, 0, 96),
      renameShare: num('rename-share', 0.2, 0, 1, false),
      functions: num('functions', 300, 10, 100_000),
      shapes: num('shapes', 600, 1, 100_000),
      stacksPerProfile: num('stacks', 200, 1, 100_000),
      minDepth: 20,
      maxDepth: 40,
      restarts: num('restarts', 3, 1, 20),
      checkpoints: [Math.floor(days / 2), days],
    },
    acceptance: {
      profiles: num('acceptance-profiles', q ? 200 : 2000, 1, 1_000_000),
      stacksPerProfile: num('acceptance-stacks-per-profile', 200, 1, 100_000),
      apps: num('acceptance-apps', q ? 4 : 10, 1, 1000),
      maxAge: acceptanceMaxAge,
      maxAgeMs: acceptanceMaxAgeMs,
      retentionInterval: q ? '5s' : '10s',
      rounds: num('acceptance-rounds', 3, 1, 20),
      concurrency: 8,
    },
  };
  if (24 * 60 % opts.sim.cadenceMin !== 0) throw new UsageError('--cadence-min must divide a day');
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes, d = 1) => fmt(bytes / MB, d);
/** MB, or KB below 1 MB (a data dir after everything aged out). */
const size = (bytes) => (bytes >= MB ? `${mb(bytes)} MB` : `${fmt(bytes / 1024, 1)} KB`);

/** Resident memory of a process (all threads), bytes, from /proc. */
function vmRss(pid) {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

/** GET /render; { status, numTicks (0 when empty), ms }. Seconds for from/until. */
async function renderTotal(url, query, fromMs, untilMs) {
  const t = performance.now();
  const params = new URLSearchParams({ query, from: String(Math.floor(fromMs / 1000)), until: String(Math.floor(untilMs / 1000)), format: 'json' });
  const res = await fetch(`${url}/render?${params}`);
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) return { status: res.status, numTicks: undefined, ms, body: text.slice(0, 300) };
  return { status: 200, numTicks: JSON.parse(text).flamebearer?.numTicks ?? 0, ms };
}

async function metricValue(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

/** POST a folded profile; retries 429 (a limit or backpressure) and counts answers in `stats`. */
async function postFolded(pool, params, body, stats) {
  const path = `/ingest?${new URLSearchParams({ ...params, format: 'folded' })}`;
  for (let attempt = 0; ; attempt++) {
    const res = await pool.request({ path, method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    const text = await res.body.text();
    stats.status[res.statusCode] = (stats.status[res.statusCode] ?? 0) + 1;
    if (res.statusCode === 200) return;
    if (res.statusCode !== 429 || attempt >= 50) throw new Error(`ingest ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    await sleep(50 * (attempt + 1));
  }
}

/** Bytes per SQLite table/index over every block file of a (stopped) data dir, with SQLite's dbstat. */
function bytesByTable(dataDir) {
  const blocksDir = join(dataDir, 'blocks');
  const out = {};
  const files = readdirSync(blocksDir).filter((f) => f.endsWith('.db'));
  for (const f of files) {
    const db = new Database(join(blocksDir, f), { readonly: true });
    try {
      for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) out[r.name] = (out[r.name] ?? 0) + r.bytes;
    } finally {
      db.close();
    }
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/** Blocks of a data dir, oldest first: [{ startMs, part, bytes (all its files), dbBytes, walBytes }]. */
function blockFiles(dataDir) {
  const blocksDir = join(dataDir, 'blocks');
  const byBlock = new Map();
  for (const e of readdirSync(blocksDir, { withFileTypes: true })) {
    const m = /^(\d+)-(\d+)\.db(-wal|-shm)?$/.exec(e.name);
    if (!m || !e.isFile()) continue;
    const key = `${m[1]}-${m[2]}`;
    const size = statSync(join(blocksDir, e.name), { throwIfNoEntry: false })?.size ?? 0;
    const b = byBlock.get(key) ?? { startMs: Number(m[1]), part: Number(m[2]), bytes: 0, dbBytes: 0, walBytes: 0 };
    b.bytes += size;
    if (m[3] === undefined) b.dbBytes += size;
    if (m[3] === '-wal') b.walBytes += size;
    byBlock.set(key, b);
  }
  return [...byBlock.values()].sort((a, b) => a.startMs - b.startMs || a.part - b.part);
}

const blockLabel = (b) => `${new Date(b.startMs).toISOString().slice(5, 13).replace('T', ' ')}h${b.part ? `/${b.part}` : ''}`;

// ---------------------------------------------------------------------------------------------
// sim: the server in its own process (server-runner.mjs) with a clock set over IPC

class Runner {
  /** Forks server-runner.mjs; resolves once /ready answers 200, with the start timings. */
  static async start({ serverDir, dataDir, config, clockMs, logFile }) {
    const fd = openSync(logFile, 'a');
    const t0 = performance.now();
    // --expose-gc: the daily and checkpoint reports read the heap after a full GC (live data only).
    const child = fork(RUNNER, [JSON.stringify({ serverDir, dataDir, config, clockMs })], { stdio: ['ignore', fd, fd, 'ipc'], execArgv: ['--expose-gc'] });
    closeSync(fd);
    const r = new Runner(child, logFile);
    const listening = await new Promise((resolvePromise, reject) => {
      r.onListening = resolvePromise;
      child.once('exit', (code, signal) => reject(new Error(`server-runner exited (${code ?? signal}) before listening; log ${logFile}:\n${tail(logFile)}`)));
    });
    const forkToListeningMs = performance.now() - t0;
    for (;;) {
      const res = await fetch(`${listening.url}/ready`);
      await res.text();
      if (res.status === 200) break;
      await sleep(5);
    }
    r.url = listening.url;
    r.timings = { forkToReadyMs: performance.now() - t0, forkToListeningMs, startServerMs: listening.startServerMs };
    return r;
  }

  constructor(child, logFile) {
    this.child = child;
    this.logFile = logFile;
    this.pending = new Map();
    this.nextId = 1;
    this.exited = new Promise((res) => child.once('exit', res));
    child.on('message', (m) => {
      if (m.type === 'listening') return this.onListening?.(m);
      const call = this.pending.get(m.id);
      if (!call) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) call.reject(new Error(m.error));
      else call.resolve(m.result);
    });
    child.once('exit', (code, signal) => {
      for (const c of this.pending.values()) c.reject(new Error(`server-runner exited (${code ?? signal}); log ${logFile}:\n${tail(logFile)}`));
      this.pending.clear();
    });
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
  }

  get pid() {
    return this.child.pid;
  }

  call(op, extra = {}) {
    return new Promise((res, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: res, reject });
      this.child.send({ id, op, ...extra });
    });
  }

  /** Graceful stop over IPC; resolves with the ms it took until the process exited. */
  async stop() {
    const t = performance.now();
    await this.call('stop');
    await this.exited;
    return performance.now() - t;
  }
}

function tail(file, chars = 3000) {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** Deploy times of app a (of n): `perDay` a day, 24h/perDay apart, apps spread over the interval. */
function firstDeployMs(t0, a, n, perDay) {
  return t0 + Math.floor(((DAY / perDay) * a) / n);
}

async function simPart(opts, build, log) {
  const o = opts.sim;
  const tmp = mkdtempSync(join(os.tmpdir(), 'kprof-churn-sim-'));
  const dataDir = join(tmp, 'data');
  const config = join(tmp, 'config.yml');
  writeFileSync(config, `log-level: warn\nstorage:\n  max-age: ${o.maxAgeDays}d\n  retention-interval: 1s\n`);
  const logFile = join(tmp, 'server.log');
  // The simulated days end 10 days before the real now: whatever reads the real clock sees the past.
  const t0 = Math.floor(Date.now() / DAY) * DAY - (o.days + 10) * DAY;
  const maxAgeMs = o.maxAgeDays * DAY;
  const cadenceMs = o.cadenceMin * MINUTE;
  const apps = Array.from({ length: o.apps }, (_, i) => new ChurnApp(i, o));
  const deployEvery = o.deploysPerDay > 0 ? DAY / o.deploysPerDay : Infinity;
  const nextDeploy = apps.map((_, a) => firstDeployMs(t0, a, o.apps, Math.max(1, o.deploysPerDay)));
  // Totals pushed per app and simulated day, and a few single profiles per day to read back exactly.
  const dayTotals = apps.map(() => new Array(o.days).fill(0));
  const probes = [];
  const stats = { status: {}, profiles: 0, bytes: 0 };
  const daily = [];
  const checkpoints = [];
  const peak = { dirBytes: 0, dirDay: 0, rss: 0, rssDay: 0 };

  const server = await Runner.start({ serverDir: build.dir, dataDir, config, clockMs: t0, logFile });
  const pool = new Pool(server.url, { connections: o.apps, pipelining: 1 });
  const samplePeak = (tMs) => {
    const d = dirBytes(dataDir).bytes;
    const r = vmRss(server.pid);
    const day = (tMs - t0) / DAY;
    if (d > peak.dirBytes) Object.assign(peak, { dirBytes: d, dirDay: day });
    if (r > peak.rss) Object.assign(peak, { rss: r, rssDay: day });
    return { d, r };
  };

  const ticks = (o.days * DAY) / cadenceMs;
  const started = performance.now();
  let dayStart = { wall: performance.now(), profiles: 0, cpu: process.cpuUsage() };
  try {
    for (let k = 1; k <= ticks; k++) {
      const t = t0 + k * cadenceMs;
      const startMs = t - PROFILE_MS;
      await server.call('clock', { t });
      await Promise.all(
        apps.map(async (app, a) => {
          while (nextDeploy[a] <= startMs) {
            app.deploy();
            nextDeploy[a] += deployEvery;
          }
          const p = app.profile();
          await postFolded(pool, { name: `${app.name}.cpu{env=bench}`, from: String(startMs / 1000), until: String(t / 1000) }, p.body, stats);
          stats.profiles++;
          stats.bytes += p.body.length;
          const day = Math.floor((startMs - t0) / DAY);
          dayTotals[a][day] += p.total;
          // One probe per app and day, at a time of day that moves with the app.
          if ((k + a * 7) % (DAY / cadenceMs) === 0) probes.push({ app: a, startMs, untilMs: t, total: p.total });
        }),
      );
      if ((t - t0) % HOUR === 0) samplePeak(t);
      if ((t - t0) % DAY === 0) {
        const day = (t - t0) / DAY;
        const { d, r } = samplePeak(t);
        const wall = (performance.now() - dayStart.wall) / 1000;
        const heapAfterGc = (await server.call('report', { gc: true })).memory.heapUsed;
        const rec = { day, dataDirBytes: d, rss: r, heapAfterGc, blocks: blockFiles(dataDir).length, profilesPerSecond: (stats.profiles - dayStart.profiles) / wall, wallSeconds: wall, loadAvg: loadAvgText() };
        daily.push(rec);
        log(`day ${day}: ${rec.blocks} blocks, data dir ${mb(d)} MB, RSS ${mb(r)} MB, heap after GC ${mb(heapAfterGc)} MB, ${fmt(rec.profilesPerSecond)} profiles/s, load ${rec.loadAvg}, answers ${JSON.stringify(stats.status)}`);
        if (o.checkpoints.includes(day)) checkpoints.push(await checkpoint({ server, day, t, maxAgeMs, dataDir, tmp, keepData: opts.keepData, config, build, logFile, apps, restarts: o.restarts, log }));
        dayStart = { wall: performance.now(), profiles: stats.profiles, cpu: process.cpuUsage() };
      }
    }
    const simSeconds = (performance.now() - started) / 1000;
    const correctness = await checkCorrectness({ url: server.url, apps, dayTotals, probes, t0, days: o.days, maxAgeDays: o.maxAgeDays, endMs: t0 + o.days * DAY, dataDir, maxAgeMs });
    log(`correctness: ${correctness.ok ? 'all totals exact' : 'MISMATCHES'}: ${correctness.summary}`);
    await pool.close();
    await server.stop();
    return {
      config: readFileSync(config, 'utf8'),
      t0,
      simSeconds,
      profiles: stats.profiles,
      bodyBytes: stats.bytes,
      status: stats.status,
      namesEverUsedPerApp: apps.map((a) => a.namesEverUsed),
      deploysPerApp: apps.map((a) => a.deploys),
      peak,
      daily,
      checkpoints,
      correctness,
      dataDir: opts.keepData ? dataDir : undefined,
    };
  } catch (err) {
    process.stderr.write(`server log tail (${logFile}):\n${tail(logFile)}\n`);
    throw err;
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    if (!opts.keepData) rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Copies a live data dir's blocks with SQLite's online backup: a consistent copy while the server
 * runs, checkpointed (no WAL), i.e. what a clean stop leaves. Returns the ms it took.
 */
async function backupDataDir(dataDir, copyDir) {
  const t = performance.now();
  mkdirSync(join(copyDir, 'blocks'), { recursive: true });
  for (const f of readdirSync(join(dataDir, 'blocks')).filter((f) => f.endsWith('.db'))) {
    const db = new Database(join(dataDir, 'blocks', f), { readonly: true });
    try {
      await db.backup(join(copyDir, 'blocks', f));
    } finally {
      db.close();
    }
  }
  return performance.now() - t;
}

/**
 * End of a checkpoint day: lets retention and the rollup builder catch up (the clock 2 minutes
 * past the day, so its last hour and the day itself are settled) and measures the running server.
 * It is not stopped: its RSS at the last checkpoint is that of the whole run's uptime (a restart
 * at day 15 would hide any growth of a long-running process). The restarts (`restarts` of them,
 * same simulated time) run on a backup copy of its blocks, measured too (bytes per table).
 */
async function checkpoint({ server, day, t, maxAgeMs, dataDir, tmp, keepData, config, build, logFile, apps, restarts, log }) {
  const clock = t + 2 * MINUTE;
  await server.call('clock', { t: clock });
  const waitStarted = performance.now();
  let report;
  for (;;) {
    report = await server.call('report');
    const retentionDone = report.blocks.every((b) => b.endMs > clock - maxAgeMs);
    if (retentionDone && report.pendingRollups === 0) break;
    if (performance.now() - waitStarted > 600_000) throw new Error(`day ${day}: retention/rollups not caught up after 10 min (${report.pendingRollups} rollups pending)`);
    await sleep(250);
  }
  const caughtUpSeconds = (performance.now() - waitStarted) / 1000;
  const rss = vmRss(server.pid);
  report = await server.call('report', { gc: true });
  const running = {
    rss,
    memory: report.memory,
    trieBytes: report.trieBytes,
    dataDir: dirBytes(dataDir),
    blocks: report.blocks,
    blockFiles: blockFiles(dataDir),
  };
  const copyDir = join(tmp, `day-${day}-copy`);
  const backupMs = await backupDataDir(dataDir, copyDir);
  const copy = { dataDir: dirBytes(copyDir), byTable: bytesByTable(copyDir), blockFiles: blockFiles(copyDir), backupMs };
  log(`day ${day} checkpoint: caught up in ${fmt(caughtUpSeconds, 1)} s; running RSS ${mb(running.rss)} MB (heap after GC ${mb(running.memory.heapUsed)} MB), data dir ${mb(running.dataDir.bytes)} MB running, ${mb(copy.dataDir.bytes)} MB as a backup copy (${fmt(backupMs)} ms), ${copy.blockFiles.length} blocks`);

  const restartRows = [];
  for (let i = 0; i < restarts; i++) {
    const current = await Runner.start({ serverDir: build.dir, dataDir: copyDir, config, clockMs: clock, logFile });
    const rssAtReady = vmRss(current.pid);
    // Query warm-up: the last hour of every app, the last day of two.
    const w0 = performance.now();
    for (const app of apps) await renderTotal(current.url, `${app.name}.cpu{}`, t - HOUR, t);
    for (const app of apps.slice(0, 2)) await renderTotal(current.url, `${app.name}.cpu{}`, t - DAY, t);
    const warmupMs = performance.now() - w0;
    const rssAfterWarmup = vmRss(current.pid);
    // Then one query over every kept day (loads every block's trie, up to block-cache-bytes).
    const all = await renderTotal(current.url, `${apps[0].name}.cpu{}`, clock - maxAgeMs, t);
    const rssAfterAllDays = vmRss(current.pid);
    const row = { ...current.timings, rssAtReady, warmupMs, rssAfterWarmup, allDaysQueryMs: all.ms, rssAfterAllDays, loadAvg: loadAvgText() };
    restartRows.push(row);
    log(`day ${day} restart ${i + 1}: /ready after ${fmt(row.forkToReadyMs)} ms (startServer ${fmt(row.startServerMs)} ms); RSS at ready ${mb(rssAtReady)} MB, after warm-up ${mb(rssAfterWarmup)} MB (${fmt(warmupMs)} ms), after a ${Math.round(maxAgeMs / DAY)} d query ${mb(rssAfterAllDays)} MB (${fmt(all.ms)} ms)`);
    await current.stop();
  }
  if (!keepData) rmSync(copyDir, { recursive: true, force: true });
  const med = (k) => median(restartRows.map((r) => r[k]));
  return {
    day,
    clockMs: clock,
    caughtUpSeconds,
    running,
    copy,
    restarts: restartRows,
    restartMedian: {
      forkToReadyMs: med('forkToReadyMs'),
      startServerMs: med('startServerMs'),
      rssAtReady: med('rssAtReady'),
      rssAfterWarmup: med('rssAfterWarmup'),
      warmupMs: med('warmupMs'),
      allDaysQueryMs: med('allDaysQueryMs'),
      rssAfterAllDays: med('rssAfterAllDays'),
    },
    loadAvg: loadAvgText(),
  };
}

/**
 * After the last day: every app's last day and one app's kept days read back with the totals
 * pushed; single profiles (raw reads, no rollup) exact; day 1 (long aged out) empty everywhere;
 * no block file older than max-age left.
 */
async function checkCorrectness({ url, apps, dayTotals, probes, t0, days, maxAgeDays, endMs, dataDir, maxAgeMs }) {
  const lastDay = [];
  for (const [a, app] of apps.entries()) {
    const r = await renderTotal(url, `${app.name}.cpu{}`, endMs - DAY, endMs);
    lastDay.push({ app: app.name, status: r.status, got: r.numTicks, want: dayTotals[a][days - 1] });
  }
  const keptDays = Math.min(maxAgeDays, days);
  const allKept = await renderTotal(url, `${apps[0].name}.cpu{}`, endMs - keptDays * DAY, endMs);
  const wantKept = dayTotals[0].slice(days - keptDays).reduce((s, v) => s + v, 0);
  const recent = probes.filter((p) => p.startMs >= endMs - keptDays * DAY);
  const probeRows = [];
  for (const p of recent) {
    const r = await renderTotal(url, `${apps[p.app].name}.cpu{}`, p.startMs, p.untilMs);
    probeRows.push({ app: apps[p.app].name, startMs: p.startMs, got: r.numTicks, want: p.total });
  }
  const day1 = [];
  for (const app of apps) {
    const r = await renderTotal(url, `${app.name}.cpu{}`, t0 + DAY, t0 + 2 * DAY);
    day1.push({ app: app.name, status: r.status, got: r.numTicks });
  }
  const oldBlocks = blockFiles(dataDir).filter((b) => b.startMs + DAY <= endMs - maxAgeMs);
  const lastDayBad = lastDay.filter((r) => r.got !== r.want);
  const probesBad = probeRows.filter((r) => r.got !== r.want);
  const day1Bad = day1.filter((r) => r.got !== 0 && r.got !== undefined);
  const ok = lastDayBad.length === 0 && allKept.numTicks === wantKept && probesBad.length === 0 && day1Bad.length === 0 && oldBlocks.length === 0;
  const lost = lastDay.reduce((s, r) => s + (r.want - (r.got ?? 0)), 0);
  const wantSum = lastDay.reduce((s, r) => s + r.want, 0);
  const summary = [
    `last day of each app: ${apps.length - lastDayBad.length}/${apps.length} exact (samples pushed ${fmt(wantSum)}, read ${fmt(wantSum - lost)}, missing ${fmt(lost)})`,
    `${keptDays} kept days of ${apps[0].name}: read ${fmt(allKept.numTicks)} of ${fmt(wantKept)}`,
    `single profiles (raw reads): ${probeRows.length - probesBad.length}/${probeRows.length} exact`,
    `day 1 (aged out): ${day1.length - day1Bad.length}/${day1.length} apps empty (statuses ${[...new Set(day1.map((r) => r.status))].join(', ')})`,
    `block files older than max-age left: ${oldBlocks.length}`,
  ].join('; ');
  return { ok, summary, lastDay, allKept: { got: allKept.numTicks, want: wantKept, ms: allKept.ms }, probes: probeRows, day1, oldBlocks };
}

// ---------------------------------------------------------------------------------------------
// acceptance: the real CLI, issue 12's scenario

async function acceptancePart(opts, build, log) {
  const o = opts.acceptance;
  const tmp = mkdtempSync(join(os.tmpdir(), 'kprof-churn-accept-'));
  const config = join(tmp, 'config.yml');
  writeFileSync(config, `log-level: warn\nstorage:\n  max-age: ${o.maxAge}\n  retention-interval: ${o.retentionInterval}\n`);
  const dataDir = join(tmp, 'churn');
  const appName = (i) => `accept${String(i % o.apps).padStart(2, '0')}.cpu`;
  try {
    const server = await startCliServer(dataDir, { serverDir: build.dir, config });
    const rssAtStart = vmRss(server.child.pid);
    const peak = { dirBytes: 0, rss: 0 };
    const sample = () => {
      const d = dirBytes(dataDir).bytes;
      const r = vmRss(server.child.pid);
      peak.dirBytes = Math.max(peak.dirBytes, d);
      peak.rss = Math.max(peak.rss, r);
    };
    const sampler = setInterval(sample, 250);
    const stats = { status: {} };
    const pool = new Pool(server.url, { connections: o.concurrency, pipelining: 1 });
    const pushStarted = Date.now();
    const t0 = performance.now();
    let next = 0;
    let lastFromS = 0;
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next < o.profiles) {
          const i = next++;
          let body = '';
          for (let s = 0; s < o.stacksPerProfile; s++) body += `handler_${i}_${s}_${Math.random().toString(36).slice(2, 8)};anonymous_${i}_${s} 1\n`;
          // Stamped at the real now, as an agent would.
          const fromS = Math.floor(Date.now() / 1000) - 10;
          lastFromS = Math.max(lastFromS, fromS);
          await postFolded(pool, { name: appName(i), from: String(fromS), until: String(fromS + 10) }, body, stats);
        }
      }),
    );
    const pushSeconds = (performance.now() - t0) / 1000;
    await pool.close();
    sample();
    const atEndOfPush = { dirBytes: dirBytes(dataDir).bytes, rss: vmRss(server.child.pid), blocks: await metricValue(server.url, 'kprof_store_blocks') };
    const pushed = o.profiles * o.stacksPerProfile;
    log(`acceptance: pushed ${fmt(o.profiles)} profiles (${fmt(pushed)} stacks) in ${fmt(pushSeconds, 1)} s, answers ${JSON.stringify(stats.status)}; data dir ${mb(atEndOfPush.dirBytes)} MB, RSS ${mb(atEndOfPush.rss)} MB, ${atEndOfPush.blocks} blocks`);
    // Aged out: no block left and /render of every app over the pushed range empty.
    const waitStarted = performance.now();
    const apps = Math.min(o.apps, o.profiles);
    let polls = 0;
    for (;;) {
      polls++;
      const blocks = await metricValue(server.url, 'kprof_store_blocks');
      if (blocks === 0) {
        let ticks = 0;
        for (let a = 0; a < apps; a++) ticks += (await renderTotal(server.url, `${appName(a)}{}`, pushStarted - 60_000, Date.now() + 60_000)).numTicks ?? 0;
        if (ticks === 0) break;
      }
      if (performance.now() - waitStarted > o.maxAgeMs + 10 * MINUTE) throw new Error(`acceptance: data not aged out after ${fmt((performance.now() - waitStarted) / 1000)} s (${blocks} blocks)`);
      await sleep(1000);
    }
    const agedOutAfterLastPushS = (Date.now() - (lastFromS + 10) * 1000) / 1000;
    clearInterval(sampler);
    const agedOut = { dirBytes: dirBytes(dataDir).bytes, rss: vmRss(server.child.pid), waitSeconds: (performance.now() - waitStarted) / 1000, agedOutAfterLastPushS, polls };
    await server.stop();
    const afterStop = dirBytes(dataDir);
    log(`acceptance: aged out ${fmt(agedOutAfterLastPushS)} s after the newest profile's end (waited ${fmt(agedOut.waitSeconds)} s); data dir ${size(agedOut.dirBytes)} running, ${size(afterStop.bytes)} stopped; RSS before stop ${mb(agedOut.rss)} MB`);

    // Fresh (an empty dir, same config) and restarted (the churned dir) servers, interleaved.
    const rows = [];
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? ['fresh', 'restarted'] : ['restarted', 'fresh'];
      for (const kind of order) {
        const dir = kind === 'fresh' ? join(tmp, `fresh-${r + 1}`) : dataDir;
        const t = performance.now();
        const s = await startCliServer(dir, { serverDir: build.dir, config });
        const readyRes = await fetch(`${s.url}/ready`);
        await readyRes.text();
        const startMs = performance.now() - t;
        const rssAtReady = vmRss(s.child.pid);
        // Settled: a few seconds (the rollup builder's first run, retention's) and a query each.
        await sleep(3000);
        await renderTotal(s.url, `${appName(0)}{}`, Date.now() - HOUR, Date.now());
        await (await fetch(`${s.url}/label-values?label=__name__`)).text();
        const rssSettled = vmRss(s.child.pid);
        const dir0 = dirBytes(dir).bytes;
        await s.stop();
        const row = { kind, round: r + 1, startMs, readyStatus: readyRes.status, rssAtReady, rssSettled, dataDirBytesRunning: dir0, dataDirBytesStopped: dirBytes(dir).bytes, loadAvg: loadAvgText() };
        rows.push(row);
        log(`acceptance round ${r + 1} ${kind}: start ${fmt(startMs)} ms, RSS at ready ${mb(rssAtReady)} MB, settled ${mb(rssSettled)} MB, data dir ${size(row.dataDirBytesRunning)}`);
      }
    }
    const med = (kind, k) => median(rows.filter((x) => x.kind === kind).map((x) => x[k]));
    const restartedDir = med('restarted', 'dataDirBytesRunning');
    const summary = {
      peakDirBytes: peak.dirBytes,
      peakRss: peak.rss,
      restartedDirBytes: restartedDir,
      dirRatio: restartedDir / peak.dirBytes,
      dirOk: restartedDir <= 0.25 * peak.dirBytes,
      freshRssAtReady: med('fresh', 'rssAtReady'),
      restartedRssAtReady: med('restarted', 'rssAtReady'),
      freshRssSettled: med('fresh', 'rssSettled'),
      restartedRssSettled: med('restarted', 'rssSettled'),
      freshStartMs: med('fresh', 'startMs'),
      restartedStartMs: med('restarted', 'startMs'),
    };
    summary.rssOkAtReady = summary.restartedRssAtReady <= summary.freshRssAtReady + 40 * MB;
    summary.rssOkSettled = summary.restartedRssSettled <= summary.freshRssSettled + 40 * MB;
    return {
      config: readFileSync(config, 'utf8'),
      profiles: o.profiles,
      stacks: pushed,
      names: pushed * 2,
      apps: o.apps,
      pushSeconds,
      status: stats.status,
      rssAtStart,
      atEndOfPush,
      agedOut,
      afterStop,
      rows,
      summary,
    };
  } finally {
    if (!opts.keepData) rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const ratio = (a, b) => a / b;
const within = (r, tol = 0.1) => Math.abs(r - 1) <= tol;
const pct = (r) => `${r >= 1 ? '+' : ''}${fmt((r - 1) * 100, 1)} %`;

function simLines(sim, o) {
  const [c15, c30] = sim.checkpoints;
  const lines = [
    '',
    `### sim: ${o.apps} apps, ${o.days} simulated days, max-age ${o.maxAgeDays}d, one profile per app every ${o.cadenceMin} simulated min, ${o.deploysPerDay} deploys/app/day renaming ${fmt(o.renameShare * 100)} % of ${o.functions} functions`,
    '',
    `Profiles: folded, ${o.stacksPerProfile} of ${o.shapes} call paths per app (${o.minDepth}–${o.maxDepth} frames), ${fmt(sim.profiles)} pushed (${fmt(sim.bodyBytes / sim.profiles / 1024, 1)} KB each on average), answers ${JSON.stringify(sim.status)}; ${fmt(median(sim.deploysPerApp))} deploys and ${fmt(median(sim.namesEverUsedPerApp))} distinct function names per app over the run; simulation ${fmt(sim.simSeconds)} s wall (checkpoints included).`,
    `Config: \`${sim.config.trim().replace(/\n\s*/g, '; ')}\`.`,
  ];
  if (c15 && c30) {
    const rows = [
      ['data dir, running (after retention + rollups caught up)', c15.running.dataDir.bytes, c30.running.dataDir.bytes, mb],
      ['data dir, backup copy (checkpointed, no WAL: what a clean stop leaves)', c15.copy.dataDir.bytes, c30.copy.dataDir.bytes, mb],
      ['block files', c15.copy.blockFiles.length, c30.copy.blockFiles.length, (x) => fmt(x)],
      ['RSS of the long-running server (never restarted)', c15.running.rss, c30.running.rss, mb],
      [`restart: fork → /ready 200, ms (median of ${c15.restarts.length})`, c15.restartMedian.forkToReadyMs, c30.restartMedian.forkToReadyMs, (x) => fmt(x)],
      ['restart: startServer() alone, ms', c15.restartMedian.startServerMs, c30.restartMedian.startServerMs, (x) => fmt(x)],
      ['RSS restarted, at /ready', c15.restartMedian.rssAtReady, c30.restartMedian.rssAtReady, mb],
      ['RSS restarted, after the query warm-up', c15.restartMedian.rssAfterWarmup, c30.restartMedian.rssAfterWarmup, mb],
      [`RSS restarted, after a ${o.maxAgeDays} d query`, c15.restartMedian.rssAfterAllDays, c30.restartMedian.rssAfterAllDays, mb],
      ['query warm-up, ms', c15.restartMedian.warmupMs, c30.restartMedian.warmupMs, (x) => fmt(x)],
      [`${o.maxAgeDays} d query of one app, ms`, c15.restartMedian.allDaysQueryMs, c30.restartMedian.allDaysQueryMs, (x) => fmt(x)],
    ];
    const targeted = new Set([0, 3, 4, 6, 7]);
    lines.push(
      '',
      `| measure | day ${c15.day} | day ${c30.day} | day ${c30.day} ÷ day ${c15.day} | within ±10 %? |`,
      '|---|---|---|---|---|',
      ...rows.map(([what, a, b, f], i) => `| ${what}${f === mb ? ', MB' : ''} | ${f(a)} | ${f(b)} | ×${ratio(b, a).toFixed(3)} (${pct(ratio(b, a))}) | ${targeted.has(i) ? (within(ratio(b, a)) ? 'yes' : '**no**') : '(info)'} |`),
      '',
      `Peaks over the run (sampled every simulated hour): data dir ${mb(sim.peak.dirBytes)} MB (day ${fmt(sim.peak.dirDay, 2)}), RSS ${mb(sim.peak.rss)} MB (day ${fmt(sim.peak.rssDay, 2)}).`,
      `Checkpoint waits for retention + rollups: day ${c15.day} ${fmt(c15.caughtUpSeconds, 1)} s, day ${c30.day} ${fmt(c30.caughtUpSeconds, 1)} s. Load average at the checkpoints: ${c15.loadAvg} / ${c30.loadAvg}.`,
      `Long-running server's JS heap after a full GC (main thread; the writer thread's is in RSS only): day ${c15.day} ${mb(c15.running.memory.heapUsed)} MB, day ${c30.day} ${mb(c30.running.memory.heapUsed)} MB; query-side tries loaded ${mb(c15.running.trieBytes)} / ${mb(c30.running.trieBytes)} MB.`,
      '',
      `Bytes per SQLite table and index over all block files of the backup copy (dbstat), MB:`,
      '',
      `| table / index | day ${c15.day} | day ${c30.day} | ÷ |`,
      '|---|---|---|---|',
      ...Object.keys({ ...c15.copy.byTable, ...c30.copy.byTable })
        .filter((k) => (c15.copy.byTable[k] ?? 0) + (c30.copy.byTable[k] ?? 0) >= 64 * 1024)
        .map((k) => `| ${k} | ${mb(c15.copy.byTable[k] ?? 0, 2)} | ${mb(c30.copy.byTable[k] ?? 0, 2)} | ×${ratio(c30.copy.byTable[k] ?? 0, c15.copy.byTable[k] ?? 0).toFixed(3)} |`),
      '',
      `Blocks at day ${c30.day}, oldest first (window start UTC: .db MB in the copy; .db + -wal MB while running): ${c30.copy.blockFiles.map((b) => { const r = c30.running.blockFiles.find((x) => x.startMs === b.startMs && x.part === b.part); return `${blockLabel(b)}: ${mb(b.dbBytes, 2)}; ${r ? `${mb(r.dbBytes, 2)} + ${mb(r.walBytes, 2)}` : '—'}`; }).join(' · ')}.`,
      `While running, the -wal files hold ${mb(c15.running.blockFiles.reduce((n, b) => n + b.walBytes, 0))} MB (day ${c15.day}) and ${mb(c30.running.blockFiles.reduce((n, b) => n + b.walBytes, 0))} MB (day ${c30.day}) of the data dir.`,
    );
  }
  lines.push(
    '',
    'Per simulated day (end of day, before the checkpoint work):',
    '',
    '| day | blocks | data dir MB | server RSS MB | heap after GC MB | profiles/s that day | load avg |',
    '|---|---|---|---|---|---|---|',
    ...sim.daily.map((d) => `| ${d.day} | ${d.blocks} | ${mb(d.dataDirBytes)} | ${mb(d.rss)} | ${mb(d.heapAfterGc)} | ${fmt(d.profilesPerSecond)} | ${d.loadAvg} |`),
    '',
    `Correctness at day ${o.days}: **${sim.correctness.ok ? 'exact' : 'NOT exact'}** — ${sim.correctness.summary}.`,
  );
  const bad = sim.correctness.lastDay.filter((r) => r.got !== r.want);
  if (bad.length > 0) lines.push('', `Last-day totals that differ (app: read / pushed): ${bad.map((r) => `${r.app} ${fmt(r.got)} / ${fmt(r.want)}`).join(', ')}.`);
  return lines;
}

function acceptanceLines(acc, o) {
  const s = acc.summary;
  return [
    '',
    `### acceptance: max-age ${o.maxAge}, retention-interval ${o.retentionInterval}, ${fmt(acc.profiles)} folded profiles × ${fmt(o.stacksPerProfile)} stacks whose names never repeat (${fmt(acc.stacks)} stacks, ${fmt(acc.names)} names) over ${acc.apps} apps, real CLI`,
    '',
    `Config: \`${acc.config.trim().replace(/\n\s*/g, '; ')}\`. Pushed in ${fmt(acc.pushSeconds, 1)} s, ${o.concurrency} in flight, answers ${JSON.stringify(acc.status)}. Aged out (no block, /render empty) ${fmt(acc.agedOut.agedOutAfterLastPushS)} s after the newest profile's end.`,
    '',
    '| | data dir | RSS MB |',
    '|---|---|---|',
    `| churn server at start (empty dir) | — | ${mb(acc.rssAtStart)} |`,
    `| end of push | ${size(acc.atEndOfPush.dirBytes)} | ${mb(acc.atEndOfPush.rss)} |`,
    `| peak (sampled every 250 ms) | **${size(s.peakDirBytes)}** | ${mb(s.peakRss)} |`,
    `| aged out, still running | ${size(acc.agedOut.dirBytes)} | ${mb(acc.agedOut.rss)} |`,
    `| aged out, stopped | ${size(acc.afterStop.bytes)} | — |`,
    '',
    '| round | server | start → /ready ms | RSS at /ready MB | RSS settled (3 s + 2 queries) MB | data dir | load avg |',
    '|---|---|---|---|---|---|---|',
    ...acc.rows.map((r) => `| ${r.round} | ${r.kind} | ${fmt(r.startMs)} | ${mb(r.rssAtReady)} | ${mb(r.rssSettled)} | ${size(r.dataDirBytesRunning)} | ${r.loadAvg} |`),
    '',
    `- Data dir after aging out and a restart: ${size(s.restartedDirBytes)} = ${fmt(s.dirRatio * 100, 2)} % of the ${size(s.peakDirBytes)} peak — target ≤ 25 %: **${s.dirOk ? 'met' : 'NOT met'}**.`,
    `- RSS at /ready (medians): restarted ${mb(s.restartedRssAtReady)} MB vs fresh ${mb(s.freshRssAtReady)} MB, ${s.restartedRssAtReady >= s.freshRssAtReady ? '+' : '−'}${mb(Math.abs(s.restartedRssAtReady - s.freshRssAtReady))} MB — target ≤ fresh + 40 MB: **${s.rssOkAtReady ? 'met' : 'NOT met'}**.`,
    `- RSS settled (medians): restarted ${mb(s.restartedRssSettled)} MB vs fresh ${mb(s.freshRssSettled)} MB, ${s.restartedRssSettled >= s.freshRssSettled ? '+' : '−'}${mb(Math.abs(s.restartedRssSettled - s.freshRssSettled))} MB — **${s.rssOkSettled ? 'met' : 'NOT met'}**.`,
  ];
}

async function main() {
  const opts = readOptions();
  const started = new Date();
  const loadAvg = loadAvgText();
  const log = (m) => process.stderr.write(`[store-churn ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  const build = opts.builds[0];
  const result = {
    benchmark: 'store-churn', started: started.toISOString(), node: process.version, cpus: `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}`,
    loadAvgAtStart: loadAvg, options: opts, build,
  };
  if (opts.parts.includes('sim')) result.sim = await simPart(opts, build, log);
  if (opts.parts.includes('acceptance')) result.acceptance = await acceptancePart(opts, build, log);
  result.loadAvgAtEnd = loadAvgText();
  result.finished = new Date().toISOString();
  const minutes = (Date.parse(result.finished) - started.getTime()) / 60_000;
  const lines = [
    `store-churn: ${result.started}, node ${result.node}, ${result.cpus}; load avg at start ${loadAvg}, at end ${result.loadAvgAtEnd}; ${fmt(minutes, 1)} min; server-lite ${build.dir} (commit ${build.commit})${opts.quick ? '; --quick' : ''}`,
  ];
  if (result.sim) lines.push(...simLines(result.sim, opts.sim));
  if (result.acceptance) lines.push(...acceptanceLines(result.acceptance, opts.acceptance));
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  log(`results: ${writeResults('store-churn', started.toISOString(), { quick: opts.quick, result, md })}`);
  if (result.sim && !result.sim.correctness.ok) {
    process.stderr.write('store-churn: the sim part read back totals different from what was pushed (see Correctness)\n');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof UsageError ? err.message : err.stack}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
