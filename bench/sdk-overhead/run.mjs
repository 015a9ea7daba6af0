#!/usr/bin/env node
// SDK overhead benchmark harness. For each round, runs one fresh server process per arm (arm
// order rotated every round so no arm always follows another), warms it up, loads it with
// autocannon in a separate process, and reads the server's own CPU time, request count and RSS
// around the measured window. Pools the processes per arm and prints medians with quartiles and
// ratios to the no-profiler arm. Results: bench/results/sdk-overhead-<time>.{json,md}.
//
// Flags: --quick (2 processes/arm, 2 s warm-up, 14 s measured: still spans one SDK upload), --processes N, --warmup S,
// --duration S, --connections C, --arms a,b,c (none is always added), --iterations N (route work).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ARMS, DEFAULT_ARMS } from './arms.mjs';
import { startIngestSink } from './ingest-sink.mjs';
import { snapshotSdk } from './sdk-snapshot.mjs';
import { checkRouteLabels } from './label-check.mjs';
import { poolResults, renderHeader } from './pool-results.mjs';

// Upload interval of the pushing profilers (s): a measured window at least this long must see an upload.
const PUSH_INTERVAL_S = { 'kprof-sdk': 15, pyroscope: 10 };
const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', 'results');

function readOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      processes: { type: 'string' }, warmup: { type: 'string' }, duration: { type: 'string' },
      connections: { type: 'string' }, arms: { type: 'string' }, iterations: { type: 'string' },
    },
  });
  const int = (name, raw, fallback, min, max) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}=${raw}: want an integer in [${min}, ${max}]`);
    return n;
  };
  const q = values.quick;
  const arms = values.arms ? values.arms.split(',').map((a) => a.trim()).filter(Boolean) : DEFAULT_ARMS;
  for (const a of arms) if (!ARMS[a]) throw new UsageError(`--arms: unknown arm ${a}; known: ${Object.keys(ARMS).join(', ')}`);
  if (!arms.includes('none')) arms.unshift('none');
  return {
    quick: q, arms,
    processes: int('processes', values.processes, q ? 2 : 10, 1, 100),
    warmupSeconds: int('warmup', values.warmup, q ? 2 : 8, 0, 600),
    durationSeconds: int('duration', values.duration, q ? 14 : 15, 1, 3600),
    connections: int('connections', values.connections, 10, 1, 1000),
    iterations: values.iterations === undefined ? undefined : int('iterations', values.iterations, 0, 1, 10_000),
  };
}

/** Resolves with the first IPC message of `type` from child, or rejects on exit/timeout. */
function nextMessage(child, type, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`${what}: no '${type}' within ${timeoutMs} ms`)); }, timeoutMs);
    const onMessage = (msg) => { if (msg?.type === type) { cleanup(); resolve(msg); } };
    const onExit = (code, signal) => { cleanup(); reject(new Error(`${what} exited (code ${code}, signal ${signal}) before '${type}'`)); };
    const cleanup = () => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

let markSeq = 0;
async function markServer(server) {
  const id = ++markSeq;
  const reply = nextMessage(server, 'mark', 10_000, 'server mark');
  server.send({ type: 'mark', id });
  return reply;
}

function waitExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}

const live = new Set();
function track(child) { live.add(child); child.once('exit', () => live.delete(child)); return child; }

async function runOneProcess({ arm, round, seq, opts, sink, sdkDir }) {
  const appName = `bench-p${seq}`;
  const env = {
    ...process.env, ...ARMS[arm].env, BENCH_SINK_URL: sink.url, BENCH_APP_NAME: appName, BENCH_KPROF_SDK_DIR: sdkDir ?? '',
    ...(opts.iterations ? { BENCH_WORK_ITERATIONS: String(opts.iterations) } : {}),
  };
  const server = track(fork(join(here, 'server.mjs'), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  let runner;
  try {
    const ready = await nextMessage(server, 'ready', 30_000, `server (${arm})`);
    const cfg = { url: `http://127.0.0.1:${ready.port}`, connections: opts.connections,
      warmupSeconds: opts.warmupSeconds, durationSeconds: opts.durationSeconds };
    runner = track(fork(join(here, 'autocannon-runner.mjs'), [JSON.stringify(cfg)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await nextMessage(runner, 'warm-done', (opts.warmupSeconds + 30) * 1000, 'autocannon warm-up');
    const begin = await markServer(server);
    const sinkBegin = sink.snapshot(appName);
    const resultMsg = nextMessage(runner, 'result', (opts.durationSeconds + 30) * 1000, 'autocannon run');
    runner.send({ type: 'go' });
    const { result } = await resultMsg;
    const end = await markServer(server);
    const sinkEnd = sink.snapshot(appName);

    const cpuUs = (end.cpu.user - begin.cpu.user) + (end.cpu.system - begin.cpu.system);
    const wallUs = Number(BigInt(end.hrtimeNs) - BigInt(begin.hrtimeNs)) / 1000;
    const requests = end.requests - begin.requests;
    return {
      arm, round, seq, appName, profiler: ready.profiler, iterations: ready.iterations,
      requests, cpuUs, wallUs, cpuUsPerReq: cpuUs / requests, cpuUtilization: cpuUs / wallUs,
      reqPerSec: result.reqPerSec, p99Ms: result.latencyMs.p99, p50Ms: result.latencyMs.p50,
      rssMB: end.rss / 2 ** 20, heapUsedMB: end.heapUsed / 2 ** 20,
      uploads: sinkEnd.uploads - sinkBegin.uploads, uploadKB: (sinkEnd.bytes - sinkBegin.bytes) / 1024,
      totalUploads: sinkEnd.uploads, rotations: end.rotations, encodedKB: end.encodedBytes / 1024,
      loadErrors: result.errors + result.timeouts + result.non2xx, autocannon: result, sdkStats: end.sdkStats,
      routeLabels: checkRouteLabels(sink.takeBodies(appName)),
    };
  } finally {
    if (runner) { runner.kill(); await waitExit(runner, 5_000); }
    if (server.connected) server.send({ type: 'exit' });
    await waitExit(server, 5_000);
  }
}

function roundOrder(arms, round) {
  const k = round % arms.length;
  return [...arms.slice(k), ...arms.slice(0, k)];
}

/** A problem with the setup or flags: reported by message alone, no stack. */
class UsageError extends Error {}

/**
 * Fails before any load is generated if an arm's profiler cannot be loaded. Returns the SDK
 * snapshot (or undefined when no arm uses the SDK).
 */
function preflight(arms) {
  if (!arms.some((a) => ARMS[a].env.BENCH_PROFILER === 'kprof-sdk')) return undefined;
  let snapshot;
  try { snapshot = snapshotSdk(); } catch (err) {
    throw new UsageError(`cannot copy the built @kprof/sdk (build it: cd packages/sdk && node ../../scripts/build-package.mjs): ${err.message}`);
  }
  const sdk = createRequire(import.meta.url)(snapshot.dir);
  if (typeof sdk.start !== 'function' || typeof sdk.withLabels !== 'function') {
    snapshot.remove();
    throw new UsageError('@kprof/sdk has no start()/withLabels() yet: build packages/sdk, or run without the kprof arms (--arms none,raw-pprof,pyroscope)');
  }
  return snapshot;
}

/**
 * One slot of the design. A process that fails (e.g. crashes at start) is retried once with a fresh one; if that
 * fails too the slot stays empty (listed in meta.failures) and the run goes on.
 */
async function runSlot(args, failures) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOneProcess(args);
    } catch (err) {
      failures.push({ arm: args.arm, round: args.round, attempt, error: String(err.message ?? err) });
      process.stderr.write(`  ${args.arm} round ${args.round + 1} attempt ${attempt} failed: ${err.message ?? err}\n`);
      if (attempt >= 2) return undefined;
      args = { ...args, seq: args.seq + 100_000 };
    }
  }
}

async function main() {
  const opts = readOptions();
  const sdkSnapshot = preflight(opts.arms);
  removeSnapshot = () => sdkSnapshot?.remove();
  const startedAt = new Date();
  const meta = {
    benchmark: 'sdk-overhead', startedAt: startedAt.toISOString(), node: process.version,
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()}`, loadAvgStart: os.loadavg(), options: opts,
  };
  const perArmSeconds = opts.warmupSeconds + opts.durationSeconds + 2;
  const etaMin = (perArmSeconds * opts.arms.length * opts.processes) / 60;
  process.stderr.write(`sdk-overhead: arms ${opts.arms.join(', ')}; ${opts.processes} processes each; ` +
    `${opts.warmupSeconds}s warm-up + ${opts.durationSeconds}s measured, ${opts.connections} connections; ~${etaMin.toFixed(1)} min\n`);

  meta.sdk = sdkSnapshot?.info;
  meta.failures = [];
  meta.complete = false;
  mkdirSync(resultsDir, { recursive: true });
  const stamp = meta.startedAt.replace(/[:.]/g, '-');
  const base = join(resultsDir, `sdk-overhead-${stamp}${opts.quick ? '-quick' : ''}`);
  const sink = await startIngestSink();
  const records = [];
  let seq = 0;
  try {
    for (let round = 0; round < opts.processes; round++) {
      for (const arm of roundOrder(opts.arms, round)) {
        const rec = await runSlot({ arm, round, seq: seq++, opts, sink, sdkDir: sdkSnapshot?.dir }, meta.failures);
        if (!rec) continue;
        records.push(rec);
        // Saved after every process, so an interrupted run can still be pooled with report.mjs.
        writeFileSync(`${base}.json`, JSON.stringify({ meta, records }, null, 2));
        process.stderr.write(`  round ${round + 1}/${opts.processes} ${arm.padEnd(20)} ` +
          `${rec.cpuUsPerReq.toFixed(0)} µs/req  ${rec.reqPerSec.toFixed(0)} req/s  p99 ${rec.p99Ms} ms  ` +
          `rss ${rec.rssMB.toFixed(0)} MB  uploads ${rec.uploads}${rec.loadErrors ? `  LOAD ERRORS ${rec.loadErrors}` : ''}\n`);
      }
    }
  } finally {
    await sink.close();
    removeSnapshot();
  }

  meta.complete = true;
  meta.finishedAt = new Date().toISOString();
  meta.loadAvgEnd = os.loadavg();
  const { summaries, labelTotals, comparisons, markdown } = poolResults(records, opts.arms);
  const header = renderHeader(meta);

  writeFileSync(`${base}.json`, JSON.stringify({ meta, summaries, comparisons, labelTotals, records }, null, 2));
  writeFileSync(`${base}.md`, `${header}\n\n${markdown}\n`);
  process.stdout.write(`${header}\n\n${markdown}\n\nresults: ${base}.json\n`);
  if (meta.failures.length) process.stderr.write(`warning: ${meta.failures.length} failed process attempts (see meta.failures)\n`);
  const emptySlots = meta.failures.filter((f) => f.attempt >= 2).length;
  if (emptySlots) { process.stderr.write(`error: ${emptySlots} slots have no process after retrying\n`); process.exitCode = 1; }
  const errors = records.filter((r) => r.loadErrors > 0);
  if (errors.length) process.stderr.write(`warning: ${errors.length} processes had load errors (see results JSON)\n`);
  // A pushing arm that sent nothing in a window longer than its interval is measuring an idle exporter.
  const silent = records.filter((r) => PUSH_INTERVAL_S[ARMS[r.arm].env.BENCH_PROFILER] <= opts.durationSeconds && r.uploads === 0);
  if (silent.length) process.stderr.write(`warning: ${silent.length} pushing processes sent no profile in the measured window\n`);
}

let removeSnapshot = () => {};
const killAll = () => { for (const c of live) c.kill('SIGKILL'); removeSnapshot(); };
process.on('SIGINT', () => { killAll(); process.exit(130); });
process.on('SIGTERM', () => { killAll(); process.exit(143); });
main().catch((err) => { killAll(); process.stderr.write(`sdk-overhead failed: ${err instanceof UsageError ? err.message : err.stack ?? err}\n`); process.exit(1); });
