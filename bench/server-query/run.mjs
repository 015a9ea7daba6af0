#!/usr/bin/env node
// server-lite query benchmark, in two parts.
// - light: a 10 s-interval Node app (real @kprof/sdk time profiles) and Go app (real CPU profiles
//   from examples/go-service) with 24 h of profiles each, ingested over HTTP into the built
//   server; `/render` p50/p95 over 1 h and 24 h with rollups, then with the rollups dropped (raw
//   merge, the previous design), side by side with `go tool pprof -proto` merging the same raw
//   files. Reads the data dir's SQLite files, every blocks/*.db or a pre-blocks build's kprof.db
//   (rollup queue, blob sizes; DELETE FROM rollups in each with the server stopped).
// - heavy: the heavy corpus (bench/heavy-corpus) at 10 s per app over --heavy-days (default 1),
//   ingested over HTTP into each build (--server-dir, and --baseline-server-dir side by side),
//   the server left to finish its background work, then `/render` p50/p95 for 1 h, 24 h (and
//   7 d, 30 d when the data covers them), the builds' calls alternating; every answer's total is
//   checked against what was sent.
// Flags: --quick (light: 2 h of data; heavy: 1 h and 24 h still), --parts light,heavy (default
// both), --iterations N (measured /render calls per cell, default 30). Light: --corpus-size N
// (distinct profiles per language, default 8), --pprof-24h-files N (files go tool pprof merges for
// the 24 h row, default 1440). Heavy: --corpus-dir DIR (default bench/results/heavy-corpus,
// captured there if missing), --server-dir DIR, --baseline-server-dir DIR, --heavy-days D (1, 7
// or 30: 8,640 profiles per app and day; 30 d ≈ 518k profiles per build), --heavy-ranges
// 1h,24h,7d,30d (default all the data covers), --query-max-profiles N (query.max-profiles for
// both builds; builds before it counted rollups as blobs refuse 7 d at the default 50,000).
import { execFileSync, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CORPUS_DIR, corpusSummaryLines, ensureHeavyCorpus } from '../heavy-corpus/corpus.mjs';
import { fmt, ingestRequest, loadAvgText, readBuilds, renderJson, waitForQuiet } from '../heavy-corpus/server-bench.mjs';
import { captureCorpus } from './profile-corpus.mjs';
import { eachStoreDb, ingestMany, percentile, startServer, waitForRollups } from './server-process.mjs';
import { writeResults } from '../results-files.mjs';

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
        parts: { type: 'string' }, 'corpus-dir': { type: 'string' }, 'server-dir': { type: 'string' }, 'baseline-server-dir': { type: 'string' },
        'heavy-days': { type: 'string' }, 'heavy-ranges': { type: 'string' }, 'query-max-profiles': { type: 'string' },
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
  const parts = (values.parts ?? 'light,heavy').split(',');
  if (parts.some((p) => p !== 'light' && p !== 'heavy')) usage(`--parts=${values.parts}: light, heavy or both`);
  const heavyRanges = (values['heavy-ranges'] ?? '1h,24h,7d,30d').split(',');
  if (heavyRanges.some((r) => !['1h', '24h', '7d', '30d'].includes(r))) usage(`--heavy-ranges=${values['heavy-ranges']}: from 1h, 24h, 7d, 30d`);
  return {
    quick: q,
    parts,
    corpusDir: resolve(values['corpus-dir'] ?? DEFAULT_CORPUS_DIR),
    serverDir: values['server-dir'],
    baselineServerDir: values['baseline-server-dir'],
    heavyDays: int('heavy-days', 1, 1, 31),
    heavyRanges,
    queryMaxProfiles: int('query-max-profiles', 0, 0, 1e9),
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
const loadAvgAtStart = loadAvgText();

/** The light part: returns { data, lines }. */
async function lightPart() {
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
  let server = await startServer(dataDir, { serverDir: opts.serverDir });
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
  const rollupWaitMs = await waitForRollups(dataDir, { serverDir: opts.serverDir });
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

  // Blob counts and average sizes, summed over the data dir's SQLite files (blocks or kprof.db).
  const levels = new Map();
  const rawBlob = { n: 0, bytes: 0 };
  eachStoreDb(dataDir, (db) => {
    for (const r of db.prepare('SELECT level, count(*) AS n, sum(length(samples)) AS bytes FROM rollups GROUP BY level').all()) {
      const l = levels.get(r.level) ?? { level: r.level, n: 0, bytes: 0 };
      levels.set(r.level, { level: r.level, n: l.n + r.n, bytes: l.bytes + r.bytes });
    }
    const p = db.prepare('SELECT count(*) AS n, coalesce(sum(length(samples)), 0) AS bytes FROM profiles').get();
    rawBlob.n += p.n;
    rawBlob.bytes += p.bytes;
  });
  if (levels.size === 0 || rawBlob.n === 0) throw new Error(`${dataDir}: ${rawBlob.n} profile rows, ${levels.size} rollup levels after the wait`);
  const rollupRows = [...levels.values()].sort((a, b) => a.level - b.level).map((r) => ({ ...r, bytes: r.bytes / r.n }));
  rawBlob.bytes /= rawBlob.n;
  const withRollups = await measure('rollups');

  // Same data, rollups dropped in every file (no settled bucket is queued, so nothing rebuilds
  // them): the raw merge.
  await server.stop();
  eachStoreDb(dataDir, (db) => db.exec('DELETE FROM rollups'), {});
  server = await startServer(dataDir, { serverDir: opts.serverDir });
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

  const data = {
    loadavg: loadavg(),
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

  const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const lines = [];
  lines.push(
    '',
    `### Light corpus: ${SLOTS} profiles per app at 10 s (${LONG_LABEL}); corpus ${CORPUS} Node time profiles (${data.corpus.node.join(', ')} B gz) and ${CORPUS} Go CPU profiles (${data.corpus.go.join(', ')} B gz), cycled; ingest ${data.ingest.perSecond.toFixed(0)} profiles/s over HTTP; rollups ready ${data.rollupWaitSeconds.toFixed(1)} s after ingest`,
    '',
    '| app | range | profiles | /render p50 ms (rollups) | p95 ms | /render p50 ms (raw merge) | p95 ms | raw ÷ rollups (p50) | go tool pprof -proto ms (files) | pprof ÷ rollups |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const app of APPS) {
    for (const r of RANGES) {
      const a = withRollups.find((x) => x.app === app.key && x.range === r.label);
      const b = rawOnly.find((x) => x.app === app.key && x.range === r.label);
      const g = baseline.find((x) => x.app === app.key && x.range === r.label);
      const gLabel = g.files === r.profiles ? `${ms(g.ms)} (${g.files})` : `${ms(g.ms)} (measured on ${g.files} of ${r.profiles} files)`;
      const ratio = g.files === r.profiles ? `×${(g.ms / a.p50).toFixed(0)}` : `n/a (subset)`;
      lines.push(`| ${app.key} | ${r.label} | ${r.profiles} | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(b.p50)} | ${ms(b.p95)} | ×${(b.p50 / a.p50).toFixed(1)} | ${gLabel} | ${ratio} |`);
    }
  }
  lines.push('', `Rollup blobs: ${rollupRows.map((r) => `level ${r.level}: ${r.n} × ${Math.round(r.bytes)} B avg`).join('; ')}; raw blobs ${rawBlob.n} × ${Math.round(rawBlob.bytes)} B avg.`);
  lines.push(`${ITER} measured /render calls per cell after 3 warm-ups, sequential, JSON format (what the UI asks for).`);
  return { data, lines };
}

const HEAVY_APPS = {
  node: { app: 'heavynode', query: 'heavynode.wall', total: 'wall' },
  go: { app: 'heavygo', query: 'heavygo.cpu', total: 'cpu' },
};
const RANGE_SECONDS = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };

/**
 * The heavy data of one build: a fresh server (its own data dir), `slots` profiles per app at 10 s
 * ending at `endS` (Node and Go interleaved, 8 connections), then a wait until the server is idle
 * (rollups and any other background work done). The server keeps running for the queries.
 */
async function heavyPrepare(build, corpus, { slots, startS, config }) {
  const dataDir = join(work, `heavy-${build.key}`);
  const loadAvgStart = loadAvgText();
  const server = await startServer(dataDir, { serverDir: build.dir, config });
  log(`heavy ${build.key}: ingesting ${slots} profiles per app over HTTP (8 connections)…`);
  const ingestMs = await ingestMany(server.url, slots * 2, 8, (i) => {
    const kind = i % 2 === 0 ? 'node' : 'go';
    const k = Math.floor(i / 2);
    const req = ingestRequest(kind, corpus[kind][k % corpus[kind].length]);
    const from = startS + k * STEP_S;
    return { ...req, params: { ...req.params, name: `${HEAVY_APPS[kind].app}{env=bench,region=eu}`, from: String(from), until: String(from + STEP_S) } };
  });
  log(`heavy ${build.key}: ingested in ${(ingestMs / 1000).toFixed(1)} s; waiting until the server is idle…`);
  const quietSeconds = await waitForQuiet(server.child.pid, dataDir, { timeoutS: 4 * 3600 });
  log(`heavy ${build.key}: idle ${quietSeconds.toFixed(0)} s after ingest`);
  return { build, server, dataDir, ingestSeconds: ingestMs / 1000, ingestPerSecond: (slots * 2) / (ingestMs / 1000), quietSeconds, loadAvgStart, loadAvgReady: loadAvgText() };
}

/** The heavy part: returns { data, lines }. */
async function heavyPart() {
  const builds = readBuilds(opts.serverDir, opts.baselineServerDir);
  const corpus = await ensureHeavyCorpus(opts.corpusDir, { log });
  const slots = opts.heavyDays * 8640;
  const endS = Math.floor(Date.now() / 1000 / 600) * 600 - 1200;
  const startS = endS - slots * STEP_S;
  const ranges = opts.heavyRanges.filter((r) => RANGE_SECONDS[r] <= slots * STEP_S);
  // Data older than the default max-age (14 d) would be deleted under the bench: keep it all.
  const settings = [];
  if (opts.heavyDays > 13) settings.push(['storage', 'max-age', `${opts.heavyDays + 2}d`]);
  if (opts.queryMaxProfiles) settings.push(['query', 'max-profiles', String(opts.queryMaxProfiles)]);
  const config = settings.length ? join(work, 'heavy-config.yml') : undefined;
  if (config) writeFileSync(config, settings.map(([section, key, value]) => `${section}:\n  ${key}: ${value}\n`).join(''));
  const configText = settings.map(([section, key, value]) => `${section}.${key}: ${value}`).join(', ') || 'defaults';
  const prepared = [];
  try {
    for (const build of builds) prepared.push(await heavyPrepare(build, corpus, { slots, startS, config }));
    const untilS = endS - 37;
    const cells = [];
    for (const kind of ['node', 'go']) {
      const h = HEAVY_APPS[kind];
      for (const label of ranges) {
        const from = untilS - RANGE_SECONDS[label];
        // Profiles whose start lies in [from, until), and the total /render must show for them.
        const first = Math.max(0, Math.ceil((from - startS) / STEP_S));
        const last = Math.min(slots - 1, Math.ceil((untilS - startS) / STEP_S) - 1);
        let expected = 0;
        for (let k = first; k <= last; k++) expected += corpus[kind][k % corpus[kind].length].totals[h.total];
        const params = { query: h.query, from: String(from), until: String(untilS) };
        const per = prepared.map((p) => ({ build: p.build.key, times: [], url: p.server.url }));
        for (const p of per) {
          for (let i = 0; i < 3; i++) {
            const r = await renderJson(p.url, params);
            if (r.status !== 200) {
              p.refused = `${r.status} ${/"code":"([A-Z_]+)"/.exec(r.body)?.[1] ?? r.body.slice(0, 80)}`;
              break;
            }
            if (r.numTicks !== expected) throw new Error(`${p.build} ${h.query} ${label}: total ${r.numTicks}, ${expected} sent`);
          }
        }
        // Measured calls alternate between the builds, so both see the same machine.
        for (let i = 0; i < ITER; i++) {
          for (const p of i % 2 === 0 ? per : [...per].reverse()) {
            if (p.refused) continue;
            const r = await renderJson(p.url, params);
            if (r.status !== 200 || r.numTicks !== expected) throw new Error(`${p.build} ${h.query} ${label}: answered ${r.status}, total ${r.numTicks} of ${expected}`);
            p.times.push(r.ms);
          }
        }
        for (const p of per) {
          const cell = { app: kind, range: label, profiles: last - first + 1, build: p.build, refused: p.refused, n: p.times.length };
          if (!p.refused) Object.assign(cell, { p50: percentile(p.times, 50), p95: percentile(p.times, 95) });
          cells.push(cell);
          log(`heavy ${kind} ${label} ${p.build}: ${p.refused ? `refused (${p.refused})` : `p50 ${cell.p50.toFixed(1)} ms, p95 ${cell.p95.toFixed(1)} ms`}`);
        }
      }
    }
    const data = {
      builds,
      corpus: { dir: corpus.dir, captured: corpus.manifest.captured, summary: corpusSummaryLines(corpus) },
      days: opts.heavyDays,
      slots,
      config: configText,
      prepared: prepared.map(({ build, ingestSeconds, ingestPerSecond, quietSeconds, loadAvgStart, loadAvgReady }) => ({ build: build.key, ingestSeconds, ingestPerSecond, quietSeconds, loadAvgStart, loadAvgReady })),
      cells,
      loadAvgEnd: loadAvgText(),
    };
    const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
    const lines = [
      '',
      `### Heavy corpus: ${opts.heavyDays} d at 10 s per app (${fmt(slots)} profiles each), ${ITER} measured /render calls per cell, builds alternating call by call`,
      '',
      ...builds.map((b) => `- ${b.key}: ${b.dir} (commit ${b.commit})`),
      `- corpus ${corpus.dir} (captured ${corpus.manifest.captured}), cycled:`,
      ...corpusSummaryLines(corpus).map((l) => `  - ${l}`),
      ...data.prepared.map((p) => `- ${p.build}: ingest ${fmt(slots * 2)} profiles in ${p.ingestSeconds.toFixed(1)} s (${fmt(p.ingestPerSecond)} profiles/s over HTTP, 8 connections), idle ${p.quietSeconds.toFixed(0)} s after; load avg ${p.loadAvgStart} at start, ${p.loadAvgReady} when ready`),
      `- server config: ${configText}; load avg at the end ${data.loadAvgEnd}`,
      '',
      `| app | range | profiles | ${builds.map((b) => `${b.key} /render p50 ms | p95 ms`).join(' | ')}${builds.length > 1 ? ' | p50 server ÷ baseline' : ''} |`,
      `|---|---|---|${builds.map(() => '---|---|').join('')}${builds.length > 1 ? '---|' : ''}`,
    ];
    for (const kind of ['node', 'go']) {
      for (const label of ranges) {
        const row = cells.filter((c) => c.app === kind && c.range === label);
        const cols = builds.map((b) => {
          const c = row.find((x) => x.build === b.key);
          return c.refused ? `refused: ${c.refused} | —` : `**${ms(c.p50)}** | ${ms(c.p95)}`;
        });
        const [a, b] = builds.map((x) => row.find((c) => c.build === x.key));
        const ratio = builds.length > 1 ? ` | ${a.p50 && b.p50 ? `×${(a.p50 / b.p50).toFixed(2)}` : '—'}` : '';
        lines.push(`| ${kind} (${HEAVY_APPS[kind].query}) | ${label} | ${fmt(row[0].profiles)} | ${cols.join(' | ')}${ratio} |`);
      }
    }
    lines.push('', `/render JSON with the default maxNodes, \`until\` = end of data − 37 s; every answer's total (numTicks) is checked against the sum of the ${'`wall`'} (Node) / ${'`cpu`'} (Go) values sent in the range. "refused": the server's answer to the 3 warm-up calls (e.g. \`query.max-profiles\`).`);
    return { data, lines };
  } finally {
    for (const p of prepared) await p.server.stop();
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
const light = opts.parts.includes('light') ? await lightPart() : undefined;
const heavy = opts.parts.includes('heavy') ? await heavyPart() : undefined;
const result = {
  bench: 'server-query',
  at: new Date(t0).toISOString(),
  quick,
  node: process.version,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
  loadAvgAtStart,
  loadAvgAtEnd: loadAvgText(),
  commit,
  goVersion,
  light: light?.data,
  heavy: heavy?.data,
};
const lines = [
  `server-query: ${result.at}, node ${result.node}, ${result.cpus}; load avg at start ${loadAvgAtStart}, at end ${result.loadAvgAtEnd}; commit ${commit}; ${goVersion}`,
  ...(light?.lines ?? []),
  ...(heavy?.lines ?? []),
];
const md = lines.join('\n');
writeResults('server-query', result.at, { quick, result, md });
process.stdout.write(`${md}\n`);
