#!/usr/bin/env node
// server-lite query benchmark: a 10 s-interval Node app (real @kprof/sdk time profiles) and Go app
// (real CPU profiles from examples/go-service) with 24 h of profiles each, ingested over HTTP
// into the built server; `/render` p50/p95 over 1 h and 24 h with rollups, then with the rollups
// dropped (raw merge, the previous design), side by side with `go tool pprof -proto` merging the
// same raw files. Flags: --quick (2 h of data, smoke run), --corpus-size N (distinct profiles per
// language, default 8), --pprof-24h-files N (files go tool pprof merges for the 24 h row, default
// 1440), --iterations N (measured /render calls per cell, default 30).
import { execFileSync, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { captureCorpus } from './profile-corpus.mjs';
import { Database, ingestMany, percentile, startServer, waitForRollups } from './server-process.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function readOptions() {
  const usage = (message) => {
    process.stderr.write(`[server-query] ${message}\n`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        'corpus-size': { type: 'string' }, 'pprof-24h-files': { type: 'string' }, iterations: { type: 'string' },
      },
    }));
  } catch (err) {
    usage(err.message);
  }
  const int = (name, fallback, min, max) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) usage(`--${name}=${raw}: want an integer in [${min}, ${max}]`);
    return n;
  };
  const q = values.quick;
  return {
    quick: q,
    corpusSize: int('corpus-size', q ? 3 : 8, 1, 100),
    iterations: int('iterations', q ? 8 : 30, 1, 10_000),
    pprof24hFiles: int('pprof-24h-files', q ? 360 : 1440, 1, 8640),
  };
}

const opts = readOptions();
const quick = opts.quick;
const STEP_S = 10;
const SLOTS = quick ? 720 : 8640;
const CORPUS = opts.corpusSize;
const ITER = opts.iterations;
const PPROF_24H_FILES = Math.min(SLOTS, opts.pprof24hFiles);
const LONG_S = quick ? 2 * 3600 : 86_400;
const LONG_LABEL = quick ? '2 h' : '24 h';
const log = (m) => process.stderr.write(`[server-query] ${m}\n`);

const work = mkdtempSync(join(tmpdir(), 'kprof-bench-query-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const t0 = Date.now();
log(`capturing ${CORPUS} Node + ${CORPUS} Go profiles of ${STEP_S} s under changing load…`);
const corpus = await captureCorpus({ dir: work, nodeCount: CORPUS, goCount: CORPUS, intervalS: STEP_S, log });
const bodies = { node: corpus.node.map((f) => readFileSync(f.file)), go: corpus.go.map((f) => readFileSync(f.file)) };

// Profiles every 10 s, ending 20 minutes ago (every bucket settled), bucket-unaligned start.
const endS = Math.floor(Date.now() / 1000 / 600) * 600 - 1200;
const startS = endS - SLOTS * STEP_S;
const APPS = [
  { key: 'node', query: 'benchnode.wall', name: 'benchnode{env=bench,region=eu}', spyName: 'nodespy' },
  { key: 'go', query: 'benchgo.cpu', name: 'benchgo{env=bench,region=eu}', spyName: 'gospy' },
];
const dataDir = join(work, 'data');
let server = await startServer(dataDir);
log(`ingesting ${SLOTS} profiles per app over HTTP (8 connections)…`);
const ingestMs = await ingestMany(server.url, SLOTS * 2, 8, (i) => {
  const app = APPS[i % 2];
  const k = Math.floor(i / 2);
  const at = startS + k * STEP_S;
  return {
    params: { format: 'pprof', name: app.name, spyName: app.spyName, from: String(at), until: String(at + STEP_S) },
    body: bodies[app.key][k % CORPUS],
  };
});
log(`ingested in ${(ingestMs / 1000).toFixed(1)} s; waiting for the background rollup builder…`);
const rollupWaitMs = await waitForRollups(dataDir);
log(`rollups done ${(rollupWaitMs / 1000).toFixed(1)} s after ingest`);

// "Last 1 h / 24 h" as a dashboard asks: until = end of data minus a bit, not bucket aligned.
const untilS = endS - 37;
// Slots (profile k starts at startS + 10 k) whose start lies in [from, until).
const slotsIn = (from, until) => {
  const first = Math.max(0, Math.ceil((from - startS) / STEP_S));
  const last = Math.min(SLOTS - 1, Math.ceil((until - startS) / STEP_S) - 1);
  return { first, last, count: last - first + 1 };
};
const RANGES = [
  { label: '1 h', from: untilS - 3600, until: untilS },
  { label: LONG_LABEL, from: untilS - LONG_S, until: untilS },
].map((r) => ({ ...r, profiles: slotsIn(r.from, r.until).count }));

async function measure(mode) {
  const rows = [];
  for (const app of APPS) {
    for (const r of RANGES) {
      const qs = new URLSearchParams({ query: app.query, from: String(r.from), until: String(r.until) });
      let numTicks = 0;
      const times = [];
      for (let i = 0; i < ITER + 3; i++) {
        const t = performance.now();
        const res = await fetch(`${server.url}/render?${qs}`);
        const body = await res.text();
        const ms = performance.now() - t;
        if (res.status !== 200) throw new Error(`/render ${qs} answered ${res.status}: ${body.slice(0, 300)}`);
        numTicks = JSON.parse(body).flamebearer.numTicks;
        if (i >= 3) times.push(ms);
      }
      rows.push({ mode, app: app.key, range: r.label, p50: percentile(times, 50), p95: percentile(times, 95), numTicks, n: times.length });
      log(`${mode} ${app.key} ${r.label}: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
    }
  }
  return rows;
}

const store = new Database(join(dataDir, 'kprof.db'), { readonly: true });
const rollupRows = store.prepare('SELECT level, count(*) AS n, avg(length(samples)) AS bytes FROM rollups GROUP BY level').all();
const rawBlob = store.prepare('SELECT avg(length(samples)) AS bytes, count(*) AS n FROM profiles').get();
store.close();
const withRollups = await measure('rollups');

// Same data, rollups dropped (the queue is empty, so nothing rebuilds them): the raw merge.
await server.stop();
const rw = new Database(join(dataDir, 'kprof.db'));
rw.exec('DELETE FROM rollups');
rw.close();
server = await startServer(dataDir);
const rawOnly = await measure('raw');
await server.stop();
for (const r of withRollups) {
  const raw = rawOnly.find((x) => x.app === r.app && x.range === r.range);
  if (raw.numTicks !== r.numTicks) throw new Error(`rollups changed the total of ${r.app} ${r.range}: ${r.numTicks} vs raw ${raw.numTicks}`);
}

// Baseline: go tool pprof -proto merging the same raw files (hard links, one per 10 s slot).
const baseline = [];
for (const app of APPS) {
  const files = corpus[app.key].map((f) => f.file);
  const slotDir = join(work, `slots-${app.key}`);
  mkdirSync(slotDir);
  // The newest `n` slots of the range (all of them when n covers it).
  const slotFiles = (n) => {
    const out = [];
    const { last } = slotsIn(untilS - LONG_S, untilS);
    for (let k = last - n + 1; k <= last; k++) {
      const p = join(slotDir, `${k}.pb.gz`);
      try {
        statSync(p);
      } catch {
        linkSync(files[k % CORPUS], p);
      }
      out.push(p);
    }
    return out;
  };
  for (const [label, n, reps] of [['1 h', RANGES[0].profiles, 3], [LONG_LABEL, Math.min(PPROF_24H_FILES, RANGES[1].profiles), 1]]) {
    const list = slotFiles(n);
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const r = spawnSync('go', ['tool', 'pprof', '-proto', ...list], { maxBuffer: 256 * 1024 * 1024 });
      times.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
    }
    const ms = percentile(times, 50);
    baseline.push({ app: app.key, range: label, files: n, ms, reps });
    log(`go tool pprof -proto ${app.key} ${n} files: ${ms.toFixed(0)} ms`);
  }
}

const goVersion = execFileSync('go', ['version']).toString().trim();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const result = {
  bench: 'server-query',
  at: new Date(t0).toISOString(),
  quick,
  node: process.version,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
  loadavg: loadavg(),
  commit,
  goVersion,
  corpus: {
    node: corpus.node.map((f) => f.bytes),
    go: corpus.go.map((f) => f.bytes),
  },
  slots: SLOTS,
  ingest: { profiles: SLOTS * 2, seconds: ingestMs / 1000, perSecond: (SLOTS * 2) / (ingestMs / 1000) },
  rollupWaitSeconds: rollupWaitMs / 1000,
  blobs: { rawAvgBytes: rawBlob.bytes, raw: rawBlob.n, rollups: rollupRows },
  render: [...withRollups, ...rawOnly],
  pprofBaseline: baseline,
};

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const lines = [];
lines.push(
  `server-query: ${result.at}, node ${result.node}, ${result.cpus}; load avg at end ${loadavg().map((v) => v.toFixed(2)).join(' ')}; commit ${commit}; ${goVersion}`,
  `${SLOTS} profiles per app at 10 s (${LONG_LABEL}); corpus ${CORPUS} Node time profiles (${result.corpus.node.join(', ')} B gz) and ${CORPUS} Go CPU profiles (${result.corpus.go.join(', ')} B gz), cycled; ingest ${result.ingest.perSecond.toFixed(0)} profiles/s over HTTP; rollups ready ${result.rollupWaitSeconds.toFixed(1)} s after ingest`,
  '',
  '| app | range | profiles | /render p50 ms (rollups) | p95 ms | /render p50 ms (raw merge) | p95 ms | raw ÷ rollups (p50) | go tool pprof -proto ms (files) | pprof ÷ rollups |',
  '|---|---|---|---|---|---|---|---|---|---|',
);
for (const app of APPS) {
  for (const r of RANGES) {
    const a = withRollups.find((x) => x.app === app.key && x.range === r.label);
    const b = rawOnly.find((x) => x.app === app.key && x.range === r.label);
    const g = baseline.find((x) => x.app === app.key && x.range === r.label);
    const gLabel = g.files === r.profiles ? `${fmt(g.ms)} (${g.files})` : `${fmt(g.ms)} (measured on ${g.files} of ${r.profiles} files)`;
    const ratio = g.files === r.profiles ? `×${(g.ms / a.p50).toFixed(0)}` : `n/a (subset)`;
    lines.push(`| ${app.key} | ${r.label} | ${r.profiles} | ${fmt(a.p50)} | ${fmt(a.p95)} | ${fmt(b.p50)} | ${fmt(b.p95)} | ×${(b.p50 / a.p50).toFixed(1)} | ${gLabel} | ${ratio} |`);
  }
}
lines.push('', `Rollup blobs: ${rollupRows.map((r) => `level ${r.level}: ${r.n} × ${Math.round(r.bytes)} B avg`).join('; ')}; raw blobs ${rawBlob.n} × ${Math.round(rawBlob.bytes)} B avg.`);
lines.push(`${ITER} measured /render calls per cell after 3 warm-ups, sequential, JSON format (what the UI asks for).`);
const md = lines.join('\n');
const resultsDir = join(here, '..', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = result.at.replace(/[:.]/g, '-') + (quick ? '-quick' : '');
writeFileSync(join(resultsDir, `server-query-${stamp}.json`), JSON.stringify(result, null, 2));
writeFileSync(join(resultsDir, `server-query-${stamp}.md`), `${md}\n`);
process.stdout.write(`${md}\n`);
