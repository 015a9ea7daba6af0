#!/usr/bin/env node
// server-lite ingest benchmark. Starts a built server-lite (dist/cli.js) on a temp data dir in its
// own process and drives POST /ingest over loopback with undici, in two parts:
// - light: a Node+Go mix of the small real profiles in fixtures/, 24 connections, closed loop for
//   a fixed time; profiles/s, MB/s and the server's CPU per profile.
// - heavy: an interleaved 50/50 mix of heavy Node time and heavy Go CPU profiles (the heavy corpus,
//   bench/heavy-corpus), 8 requests in flight, a fixed number of profiles, timed from the first
//   request until every profile is queryable (/render totals match what was sent); profiles/s end
//   to end and server CPU-ms per profile (/proc/<pid>/stat); meanwhile the server's event-loop
//   delay (its /metrics) and /healthz latency (a probe every 50 ms).
// Each request is a new profile (its own from/until). Side by side, in the same run and process,
// the baseline: gunzip + full pprof-format decode of the same files, profiles per CPU-second on
// one thread. With --baseline-server-dir two builds run in the same run, interleaved round by
// round (the order rotated each round). Results: bench/results/server-ingest-<time>.{json,md}.
//
// Flags: --quick, --rounds N (default 1), --parts light,heavy (default both), --server-dir DIR,
// --baseline-server-dir DIR, --cpu-prof DIR (server --cpu-prof in round 1), KPROF_CONFIG=file.yml.
// Light: --duration S (default 15), --warmup S (default 3), --concurrency C (default 24).
// Heavy: --corpus-dir DIR (default bench/results/heavy-corpus, captured there if missing),
// --heavy-profiles N (default 6000), --heavy-concurrency C (default 8), --heavy-warmup N (default 400).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_CORPUS_DIR, corpusSummaryLines, ensureHeavyCorpus } from '../heavy-corpus/corpus.mjs';
import { decodeRates, fmt, ingestRequest, loadAvgText, median, multipartBody, MULTIPART_TYPE, readBuilds, roundOrder, waitQueryable } from '../heavy-corpus/server-bench.mjs';
import { SERVER_DIR, cpuSecondsOf, startServer } from '../server-query/server-process.mjs';
import { writeResults } from '../results-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { Pool } = createRequire(join(SERVER_DIR, 'package.json'))('undici');

class UsageError extends Error {}

function readOptions() {
  // Not strict: run-all.mjs passes every benchmark the same flags (e.g. sdk-overhead's --processes).
  const { values } = parseArgs({
    strict: false,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' },
      rounds: { type: 'string' }, 'cpu-prof': { type: 'string' }, 'server-dir': { type: 'string' },
      'baseline-server-dir': { type: 'string' }, parts: { type: 'string' }, 'corpus-dir': { type: 'string' },
      'heavy-profiles': { type: 'string' }, 'heavy-concurrency': { type: 'string' }, 'heavy-warmup': { type: 'string' },
    },
  });
  const int = (name, fallback, min, max) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}=${raw}: want an integer in [${min}, ${max}]`);
    return n;
  };
  const str = (name) => (typeof values[name] === 'string' ? values[name] : undefined);
  const q = values.quick;
  const parts = (str('parts') ?? 'light,heavy').split(',');
  if (parts.some((p) => p !== 'light' && p !== 'heavy')) throw new UsageError(`--parts=${values.parts}: light, heavy or both`);
  return {
    quick: q,
    parts,
    durationSeconds: int('duration', q ? 3 : 15, 1, 3600),
    warmupSeconds: int('warmup', q ? 1 : 3, 0, 600),
    concurrency: int('concurrency', 24, 1, 1024),
    rounds: int('rounds', 1, 1, 20),
    heavyProfiles: int('heavy-profiles', q ? 600 : 6000, 2, 200_000),
    heavyConcurrency: int('heavy-concurrency', 8, 1, 1024),
    heavyWarmup: int('heavy-warmup', q ? 100 : 400, 0, 100_000),
    cpuProfDir: str('cpu-prof') ? resolve(str('cpu-prof')) : undefined,
    corpusDir: resolve(str('corpus-dir') ?? DEFAULT_CORPUS_DIR),
    builds: readBuilds(str('server-dir'), str('baseline-server-dir')),
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
    return { file, gz, rawBytes: gunzipSync(gz).length, kind: go ? 'go' : 'node', multipart: go, body: go ? multipartBody(gz) : gz };
  });
}

function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU marks of the server (all threads, main thread), this process and the machine. */
function cpuMark(pid) {
  return { server: cpuSecondsOf(pid), main: cpuSecondsOf(pid, true), client: process.cpuUsage(), machine: machineCpu(), t: performance.now() };
}
function cpuSince(m0, pid) {
  const m = cpuMark(pid);
  const client = process.cpuUsage(m0.client);
  return {
    wallSeconds: (m.t - m0.t) / 1000,
    serverCpuSeconds: m.server - m0.server,
    mainCpuSeconds: m.main - m0.main,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    // Busy share of all cores over the window (everyone's processes), from /proc/stat.
    machineBusy: (m.machine.busy - m0.machine.busy) / Math.max(1, m.machine.total - m0.machine.total),
  };
}

async function withServer(build, opts, fn) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kprof-ingest-bench-'));
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [];
  const server = await startServer(dataDir, { serverDir: build.dir, config: process.env.KPROF_CONFIG || undefined, nodeArgs });
  try {
    return await fn(server);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
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
      const headers = { 'content-type': f.multipart ? MULTIPART_TYPE : 'application/octet-stream' };
      try {
        const res = await pool.request({ path: `/ingest?${query}`, method: 'POST', body: f.body, headers });
        await res.body.dump();
        stats.status[res.statusCode] = (stats.status[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) {
          stats.ok++;
          stats.bytes += f.body.length;
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

async function lightRound(fixtures, opts, build) {
  return withServer(build, opts, async (server) => {
    const pool = new Pool(server.url, { connections: opts.concurrency, pipelining: 1 });
    const state = { nextSecond: 1_700_000_000 };
    try {
      if (opts.warmupSeconds > 0) await drive(pool, fixtures, opts.concurrency, opts.warmupSeconds, state);
      const loadAvgStart = loadAvgText();
      const m0 = cpuMark(server.child.pid);
      const stats = await drive(pool, fixtures, opts.concurrency, opts.durationSeconds, state);
      const cpu = cpuSince(m0, server.child.pid);
      const res = await pool.request({ path: '/api/apps', method: 'GET' });
      const apps = await res.body.json();
      return {
        ...cpu,
        loadAvgStart,
        loadAvgEnd: loadAvgText(),
        profilesPerSecond: stats.ok / cpu.wallSeconds,
        mbPerSecond: stats.bytes / cpu.wallSeconds / 1e6,
        rawMbPerSecond: stats.rawBytes / cpu.wallSeconds / 1e6,
        serverCpuMsPerProfile: (cpu.serverCpuSeconds * 1000) / Math.max(1, stats.ok),
        profilesPerServerCpuSecond: stats.ok / Math.max(cpu.serverCpuSeconds, 1e-9),
        mainThreadCpuMsPerProfile: (cpu.mainCpuSeconds * 1000) / Math.max(1, stats.ok),
        status: stats.status,
        transportErrors: stats.errors,
        seriesStored: Array.isArray(apps) ? apps.length : undefined,
      };
    } finally {
      await pool.close();
    }
  });
}

const HEAVY_SERVICES = 8;
const HEAVY_APPS = { node: 'heavynode', go: 'heavygo' };

/**
 * Sends `count` heavy profiles, alternating Node and Go, `concurrency` in flight; profile i of a
 * kind is the corpus file i mod n, for service (i mod 8), in that service's next 10 s slot from
 * `startS`. Names are `<prefix><app>{service=…}`. Returns answer counts and the `samples` totals
 * sent per kind (what /render must then show).
 */
async function sendHeavy(pool, corpus, { count, concurrency, startS, prefix }) {
  let next = 0;
  const stats = { ok: 0, status: {}, errors: 0, bytes: 0, rawBytes: 0, expected: { node: 0, go: 0 }, sent: { node: 0, go: 0 }, lastAckMs: 0 };
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const kind = i % 2 === 0 ? 'node' : 'go';
      const k = Math.floor(i / 2);
      const entry = corpus[kind][k % corpus[kind].length];
      const slot = Math.floor(k / HEAVY_SERVICES);
      const from = startS + slot * 10;
      const req = ingestRequest(kind, entry, { multipart: true });
      const query = new URLSearchParams({ ...req.params, name: `${prefix}${HEAVY_APPS[kind]}{service=svc-${k % HEAVY_SERVICES}}`, from: String(from), until: String(from + 10) });
      try {
        const res = await pool.request({ path: `/ingest?${query}`, method: 'POST', body: req.body, headers: req.headers });
        await res.body.dump();
        stats.status[res.statusCode] = (stats.status[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) {
          stats.ok++;
          stats.bytes += entry.gzBytes;
          stats.rawBytes += entry.rawBytes;
          stats.expected[kind] += entry.totals.samples;
          stats.sent[kind]++;
        }
      } catch {
        stats.errors++;
      }
    }
    stats.lastAckMs = performance.now();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats;
}

// While ingest runs: GET /healthz every 50 ms on its own connection (latency as a client sees
// it), and the server's own event-loop delay over the window from its /metrics (prom-client's
// monitorEventLoopDelay histogram, reset at every scrape: the scrape before the window starts it).
function probeResponsiveness(url) {
  const pool = new Pool(url, { connections: 1 });
  const latencies = [];
  let running = true;
  const scrapeLag = async () => {
    const res = await pool.request({ path: '/metrics', method: 'GET' });
    const text = await res.body.text();
    const read = (name) => Number(new RegExp(`^kprof_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]) * 1000;
    return { p99Ms: read('p99'), maxMs: read('max') };
  };
  const started = scrapeLag().then(async () => {
    while (running) {
      const t = performance.now();
      const res = await pool.request({ path: '/healthz', method: 'GET' });
      await res.body.dump();
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return async () => {
    running = false;
    await started;
    const lag = await scrapeLag();
    await pool.close();
    latencies.sort((a, b) => a - b);
    return { healthzProbes: latencies.length, healthzP99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, healthzMaxMs: latencies.at(-1) ?? NaN, eventLoopP99Ms: lag.p99Ms, eventLoopMaxMs: lag.maxMs };
  };
}

async function heavyRound(corpus, opts, build) {
  return withServer(build, opts, async (server) => {
    const pool = new Pool(server.url, { connections: opts.heavyConcurrency, pipelining: 1 });
    const slots = Math.ceil(opts.heavyProfiles / 2 / HEAVY_SERVICES);
    // The measured profiles end 10 minutes ago; the warm-up's (other app names) an hour before.
    const startS = Math.floor(Date.now() / 1000 / 10) * 10 - 600 - slots * 10;
    try {
      if (opts.heavyWarmup > 0) await sendHeavy(pool, corpus, { count: opts.heavyWarmup, concurrency: opts.heavyConcurrency, startS: startS - 3600, prefix: 'warm' });
      const loadAvgStart = loadAvgText();
      const stopProbe = probeResponsiveness(server.url);
      const m0 = cpuMark(server.child.pid);
      const stats = await sendHeavy(pool, corpus, { count: opts.heavyProfiles, concurrency: opts.heavyConcurrency, startS, prefix: '' });
      const responsiveness = await stopProbe();
      const ackSeconds = (stats.lastAckMs - m0.t) / 1000;
      const until = startS + slots * 10;
      const checks = ['node', 'go'].map((kind) => ({ query: `${HEAVY_APPS[kind]}.samples`, from: startS, until, expected: stats.expected[kind] }));
      const q = await waitQueryable(server.url, checks);
      const cpu = cpuSince(m0, server.child.pid);
      return {
        ...cpu,
        loadAvgStart,
        loadAvgEnd: loadAvgText(),
        profiles: stats.ok,
        sent: stats.sent,
        expectedSamples: stats.expected,
        profilesPerSecond: stats.ok / cpu.wallSeconds,
        ackedPerSecond: stats.ok / ackSeconds,
        queryableLagMs: cpu.wallSeconds * 1000 - ackSeconds * 1000,
        polls: q.polls,
        lastPollMs: q.lastMs,
        mbPerSecond: stats.bytes / cpu.wallSeconds / 1e6,
        rawMbPerSecond: stats.rawBytes / cpu.wallSeconds / 1e6,
        serverCpuMsPerProfile: (cpu.serverCpuSeconds * 1000) / Math.max(1, stats.ok),
        mainThreadCpuMsPerProfile: (cpu.mainCpuSeconds * 1000) / Math.max(1, stats.ok),
        ...responsiveness,
        status: stats.status,
        transportErrors: stats.errors,
      };
    } finally {
      await pool.close();
    }
  });
}

// Cores busy over the window: the server, this load generator, and everything else on the machine.
function cores(x) {
  const total = x.machineBusy * os.cpus().length;
  const server = x.serverCpuSeconds / x.wallSeconds;
  const client = x.clientCpuSeconds / x.wallSeconds;
  return `${server.toFixed(2)} / ${client.toFixed(2)} / ${Math.max(0, total - server - client).toFixed(2)}`;
}
const answers = (x) => `${Object.entries(x.status).map(([k, v]) => `${k}: ${v}`).join(', ')}${x.transportErrors ? `, transport errors: ${x.transportErrors}` : ''}`;
const buildLabel = (b) => `${b.key} (${b.commit})`;

/** Per build: the median of `field` over its rounds; and server ÷ baseline when both ran. */
function medians(rows, builds, field) {
  const out = {};
  for (const b of builds) out[b.key] = median(rows.filter((r) => r.build === b.key).map((r) => r[field]));
  if (out.baseline !== undefined) out.ratio = out.server / out.baseline;
  return out;
}

function ratioLine(what, m, d = 0) {
  const parts = Object.entries(m).filter(([k]) => k !== 'ratio').map(([k, v]) => `${k} ${fmt(v, d)}`);
  return `${what} (median of rounds): ${parts.join(', ')}${m.ratio !== undefined ? `; server ÷ baseline ×${m.ratio.toFixed(3)}` : ''}`;
}

async function main() {
  const opts = readOptions();
  const started = new Date();
  const loadAvg = loadAvgText();
  const log = (m) => process.stderr.write(`[server-ingest] ${m}\n`);
  const light = opts.parts.includes('light') ? loadFixtures() : undefined;
  const heavy = opts.parts.includes('heavy') ? await ensureHeavyCorpus(opts.corpusDir, { log }) : undefined;
  const base = {};
  if (light) {
    base.light = decodeRates(light, opts.quick ? 0.5 : 2);
    log(`light baseline gunzip+pprof-format decode: ${fmt(base.light.mix)} profiles/CPU-s (mix)`);
  }
  if (heavy) {
    // Node and Go are sent equally often; within a kind each file equally often.
    const entries = [...heavy.node, ...heavy.go];
    const weights = [...heavy.node.map(() => 1 / heavy.node.length), ...heavy.go.map(() => 1 / heavy.go.length)];
    base.heavy = decodeRates(entries, opts.quick ? 0.1 : 0.4, weights);
    base.heavy.files = entries.map((e) => e.name);
    log(`heavy baseline gunzip+pprof-format decode: ${fmt(base.heavy.mix)} profiles/CPU-s (50/50 mix)`);
  }
  const rows = { light: [], heavy: [] };
  for (let r = 0; r < opts.rounds; r++) {
    for (const build of roundOrder(opts.builds, r)) {
      const roundOpts = { ...opts, cpuProfDir: r === 0 ? opts.cpuProfDir : undefined };
      if (light) {
        const x = { build: build.key, round: r + 1, ...(await lightRound(light, roundOpts, build)) };
        rows.light.push(x);
        log(`light ${buildLabel(build)} round ${r + 1}: ${fmt(x.profilesPerSecond)} profiles/s, server ${fmt(x.serverCpuMsPerProfile, 2)} CPU-ms/profile, cores server/client/other ${cores(x)}, load ${x.loadAvgStart}, ${answers(x)}`);
      }
      if (heavy) {
        const x = { build: build.key, round: r + 1, ...(await heavyRound(heavy, roundOpts, build)) };
        rows.heavy.push(x);
        log(`heavy ${buildLabel(build)} round ${r + 1}: ${fmt(x.profilesPerSecond)} profiles/s until queryable (acked ${fmt(x.ackedPerSecond)}/s, +${fmt(x.queryableLagMs)} ms), server ${fmt(x.serverCpuMsPerProfile, 2)} CPU-ms/profile, cores server/client/other ${cores(x)}, load ${x.loadAvgStart}, ${answers(x)}`);
      }
    }
  }

  const result = {
    benchmark: 'server-ingest', started: started.toISOString(), node: process.version, cpus: `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}`,
    loadAvgAtStart: loadAvg, loadAvgAtEnd: loadAvgText(), options: opts,
    fixtures: light?.map((f) => ({ file: f.file, gzBytes: f.gz.length, rawBytes: f.rawBytes, sentAs: f.multipart ? 'multipart' : 'format=pprof' })),
    heavyCorpus: heavy && { dir: heavy.dir, manifest: heavy.manifest, summary: corpusSummaryLines(heavy) },
    baseline: base, rounds: rows,
  };
  const lines = [
    `server-ingest: ${result.started}, node ${result.node}, ${result.cpus}; load avg at start ${loadAvg}, at end ${result.loadAvgAtEnd}; ${opts.rounds} round(s) per build, builds interleaved`,
    '',
    ...opts.builds.map((b) => `- ${b.key}: ${b.dir} (commit ${b.commit})`),
  ];
  if (light) {
    const m = medians(rows.light, opts.builds, 'profilesPerSecond');
    result.light = { profilesPerSecond: m, cpuMsPerProfile: medians(rows.light, opts.builds, 'serverCpuMsPerProfile') };
    lines.push(
      '',
      `### Light fixtures: ${opts.warmupSeconds}s warm-up + ${opts.durationSeconds}s, ${opts.concurrency} connections`,
      '',
      '| fixture | sent as | gzipped KB | raw KB | baseline gunzip+pprof-format decode, profiles/CPU-s |',
      '|---|---|---|---|---|',
      ...light.map((f, i) => `| ${f.file} | ${f.multipart ? 'multipart' : 'format=pprof'} | ${fmt(f.gz.length / 1024, 1)} | ${fmt(f.rawBytes / 1024, 1)} | ${fmt(base.light.perFile[i])} |`),
      `| **mix** | | | | **${fmt(base.light.mix)}** |`,
      '',
      '| build | round | profiles/s end to end | MB/s sent (gzipped) | MB/s raw pprof | server CPU-ms/profile | of which main thread | profiles/server-CPU-s | server / client / other cores busy | load avg at start | answers |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.light.map((x) => `| ${x.build} | ${x.round} | ${fmt(x.profilesPerSecond)} | ${fmt(x.mbPerSecond, 1)} | ${fmt(x.rawMbPerSecond, 1)} | ${fmt(x.serverCpuMsPerProfile, 2)} | ${fmt(x.mainThreadCpuMsPerProfile, 2)} | ${fmt(x.profilesPerServerCpuSecond)} | ${cores(x)} | ${x.loadAvgStart} | ${answers(x)} |`),
      '',
      ratioLine('Light profiles/s', m),
      ratioLine('Light server CPU-ms per profile', result.light.cpuMsPerProfile, 2),
      `End to end ÷ the baseline's one-thread gunzip+decode rate (${fmt(base.light.mix)}/CPU-s): ${opts.builds.map((b) => `${b.key} ×${(m[b.key] / base.light.mix).toFixed(2)}`).join(', ')}.`,
    );
  }
  if (heavy) {
    const m = medians(rows.heavy, opts.builds, 'profilesPerSecond');
    result.heavy = { profilesPerSecond: m, cpuMsPerProfile: medians(rows.heavy, opts.builds, 'serverCpuMsPerProfile') };
    lines.push(
      '',
      `### Heavy corpus: ${fmt(opts.heavyProfiles)} profiles (50/50 Node time / Go CPU, interleaved), ${opts.heavyConcurrency} in flight, after ${fmt(opts.heavyWarmup)} warm-up profiles; timed until every profile is queryable`,
      '',
      `Corpus ${heavy.dir} (captured ${heavy.manifest.captured}):`,
      ...corpusSummaryLines(heavy).map((l) => `- ${l}`),
      `- baseline gunzip + pprof-format decode of the same files on one thread: **${fmt(base.heavy.mix)} profiles/CPU-s** for the 50/50 mix (Node files ${fmt(median(base.heavy.perFile.slice(0, heavy.node.length)))}, Go files ${fmt(median(base.heavy.perFile.slice(heavy.node.length)))} per CPU-s, medians)`,
      '',
      '| build | round | profiles/s end to end (until queryable) | acked/s | last answer → queryable ms | MB/s sent (gz) | server CPU-ms/profile | of which main thread | event loop delay p99 / max ms | /healthz p99 / max ms (probes) | server / client / other cores busy | load avg at start → end | answers |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.heavy.map((x) => `| ${x.build} | ${x.round} | **${fmt(x.profilesPerSecond)}** | ${fmt(x.ackedPerSecond)} | ${fmt(x.queryableLagMs)} (${x.polls} poll${x.polls > 1 ? 's' : ''}) | ${fmt(x.mbPerSecond, 1)} | ${fmt(x.serverCpuMsPerProfile, 2)} | ${fmt(x.mainThreadCpuMsPerProfile, 2)} | ${fmt(x.eventLoopP99Ms, 1)} / ${fmt(x.eventLoopMaxMs, 1)} | ${fmt(x.healthzP99Ms, 1)} / ${fmt(x.healthzMaxMs, 1)} (${x.healthzProbes}) | ${cores(x)} | ${x.loadAvgStart} → ${x.loadAvgEnd} | ${answers(x)} |`),
      '',
      ratioLine('Heavy profiles/s until queryable', m),
      ratioLine('Heavy server CPU-ms per profile', result.heavy.cpuMsPerProfile, 2),
      `End to end ÷ the decode baseline (${fmt(base.heavy.mix)}/CPU-s): ${opts.builds.map((b) => `${b.key} ×${(m[b.key] / base.heavy.mix).toFixed(2)}`).join(', ')}.`,
      `Event loop delay: the server's own (prom-client's monitorEventLoopDelay, from /metrics at the start and end of the window); /healthz: a GET every 50 ms on its own connection while the profiles are sent (goals: p99 ≤ 20 ms, /healthz always < 100 ms).`,
      `"Queryable": after the last answer, /render?query=heavynode.samples and heavygo.samples over the whole range are polled until their totals equal the sum of the samples values sent (a total over it fails the run).`,
    );
  }
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  writeResults('server-ingest', started.toISOString(), { quick: opts.quick, result, md });
  const failed = [...rows.light, ...rows.heavy].some((x) => x.transportErrors > 0 || Object.keys(x.status).some((s) => s !== '200' && s !== '429'));
  if (failed) {
    process.stderr.write('some requests failed (not 200/429); see the answers column\n');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof UsageError ? err.message : err.stack}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
