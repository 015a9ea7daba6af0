#!/usr/bin/env node
// server-lite storage benchmark: bytes on disk per stored profile vs the gzipped pprof it came
// from, in two parts.
// - light: real varied Node time profiles (@kprof/sdk pushes from a small service under changing
//   load) and Go CPU profiles (examples/go-service). Each language gets a fresh server (the built
//   dist) and data dir: first every distinct profile once (every stack is new: the worst case),
//   then the corpus cycled at 10 s slots for 4 h (a steady service), rollups built, clean
//   shutdown; the SQLite files (every blocks/*.db, or a pre-blocks build's kprof.db) are measured
//   and broken down by table with SQLite's dbstat, summed over the files.
// - heavy: the heavy corpus (bench/heavy-corpus) cycled at 10 s slots over 1 h and 24 h series,
//   per language, each on a fresh server; once the server is idle (its background work done) and
//   every profile is queryable, a clean shutdown, then the data dir's total size (every file in
//   it, whatever the storage layout) ÷ the gzipped input. With --baseline-server-dir the two
//   builds run cell by cell, interleaved.
// Flags: --quick, --parts light,heavy (default both), --server-dir DIR (the build both parts
// run; default this checkout's), --baseline-server-dir DIR (heavy part), --corpus-dir DIR (the
// heavy corpus; default bench/results/heavy-corpus, captured there if missing), --spans 1h,24h
// (heavy series lengths).
// Light: --corpus-size N (default 12), --hours H (default 4), --light-corpus-dir DIR (reuse the
// light corpus captured there, or capture into it), --keep-db DIR (copy each language's SQLite
// files into DIR/<language>/, replacing what it held, for inspection).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CORPUS_DIR, corpusSummaryLines, ensureHeavyCorpus } from '../heavy-corpus/corpus.mjs';
import { dirBytes, fmt, ingestRequest, loadAvgText, readBuilds, roundOrder, waitForQuiet, waitQueryable } from '../heavy-corpus/server-bench.mjs';
import { captureCorpus } from '../server-query/profile-corpus.mjs';
import { eachStoreDb, ingestMany, startServer, storeFiles, waitForRollups } from '../server-query/server-process.mjs';
import { writeResults } from '../results-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  strict: false,
  options: {
    quick: { type: 'boolean', default: false },
    parts: { type: 'string' }, 'server-dir': { type: 'string' }, 'baseline-server-dir': { type: 'string' },
    'corpus-dir': { type: 'string' }, spans: { type: 'string' },
    'corpus-size': { type: 'string' }, hours: { type: 'string' }, 'light-corpus-dir': { type: 'string' }, 'keep-db': { type: 'string' },
  },
});
const quick = args.quick;
const CORPUS = Number(args['corpus-size'] ?? (quick ? 4 : 12));
const HOURS = Number(args.hours ?? (quick ? 1 : 4));
const STEP_S = 10;
const SLOTS = (HOURS * 3600) / STEP_S;
const PARTS = (args.parts ?? 'light,heavy').split(',');
const SPANS = (args.spans ?? (quick ? '1h' : '1h,24h')).split(',').map((s) => {
  const m = /^(\d+)h$/.exec(s);
  if (!m) throw new Error(`--spans: ${s} is not N h (e.g. 1h,24h)`);
  return { label: s, hours: Number(m[1]) };
});
const log = (m) => process.stderr.write(`[server-storage] ${m}\n`);
const corpusDir = args['light-corpus-dir'];
const keepDb = args['keep-db'];

const work = mkdtempSync(join(tmpdir(), 'kprof-bench-storage-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const t0 = Date.now();
const loadAvgAtStart = loadAvgText();

/** The light part: returns { corpus, results, lines }. */
async function lightPart() {
  const saved = (kind) => Array.from({ length: CORPUS }, (_, i) => join(corpusDir ?? work, `${kind}-${i}.pb.gz`));
  let corpus;
  if (corpusDir && [...saved('node'), ...saved('go')].every((f) => existsSync(f))) {
    log(`reusing the corpus in ${corpusDir}`);
    const load = (kind) => saved(kind).map((file) => ({ file, bytes: statSync(file).size }));
    corpus = { node: load('node'), go: load('go') };
  } else {
    if (corpusDir) mkdirSync(corpusDir, { recursive: true });
    log(`capturing ${CORPUS} Node + ${CORPUS} Go profiles of ${STEP_S} s under changing load…`);
    corpus = await captureCorpus({ dir: corpusDir ?? work, nodeCount: CORPUS, goCount: CORPUS, intervalS: STEP_S, log });
  }

  /** The data dir's SQLite files (blocks or kprof.db) after a clean shutdown, summed over the files. */
  function measure(dataDir) {
    const files = storeFiles(dataDir);
    const fileBytes = files.reduce((a, f) => a + statSync(f).size, 0);
    const dataDirBytes = dirBytes(dataDir).bytes; // before the reads below open anything
    const byName = {};
    const schemas = new Set();
    let rows = 0;
    let seriesProfiles = 0;
    let blobBytes = 0;
    eachStoreDb(dataDir, (db) => {
      for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) byName[r.name] = (byName[r.name] ?? 0) + r.bytes;
      const schema = db.pragma('user_version', { simple: true });
      schemas.add(schema);
      const p = db.prepare('SELECT count(*) AS n, coalesce(sum(length(samples)), 0) AS bytes FROM profiles').get();
      rows += p.n;
      blobBytes += p.bytes;
      // Series profiles (a v4 row or a block's holds one per column; a v3 row one).
      seriesProfiles += schema >= 4 ? db.prepare('SELECT count(*) AS n FROM profiles JOIN group_columns USING (group_id)').get().n : p.n;
    });
    const group = (names) => names.reduce((a, n) => a + (byName[n] ?? 0), 0);
    const rollups = group(['rollups', 'sqlite_autoindex_rollups_1', 'rollup_pending']);
    // Index names of schema v2/v3 (per series) and v4 and blocks (per row group); a build measures its own.
    const indexNames = ['profiles_by_series_time_total', 'profiles_by_time', 'profiles_by_group_time_totals'];
    const profileBytes = group(['profiles', ...indexNames]);
    const indexBytes = group(indexNames);
    // Stack trie: `stacks` rows (kprof.db, v5 blocks) or `stack_chunks` (v6 blocks).
    const symbols = group(['names', 'sqlite_autoindex_names_1', 'stacks', 'stack_chunks', 'series', 'sqlite_autoindex_series_1', 'group_columns']);
    const layout = files.some((f) => basename(f) === 'kprof.db') ? 'kprof.db' : `${files.length} block${files.length === 1 ? '' : 's'}`;
    const schema = [...schemas].sort((a, b) => a - b).join('/');
    return {
      fileBytes, files: files.length, layout, rollups, profileBytes, indexBytes, symbols, other: fileBytes - rollups - profileBytes - symbols,
      schema, rows, seriesProfiles, avgBlobBytes: blobBytes / rows, dataDirBytes,
    };
  }

  const START_S = Math.floor(Date.now() / 1000 / 3600) * 3600 - (HOURS + 2) * 3600;
  const results = [];
  for (const kind of ['node', 'go']) {
    const files = corpus[kind];
    const bodies = files.map((f) => readFileSync(f.file));
    const dataDir = join(work, `data-${kind}`);
    const params = (k) => ({
      format: 'pprof',
      name: `store${kind}{env=bench}`,
      spyName: kind === 'node' ? 'nodespy' : 'gospy',
      from: String(START_S + k * STEP_S),
      until: String(START_S + (k + 1) * STEP_S),
    });
    let server = await startServer(dataDir, { serverDir: args['server-dir'] });
    await ingestMany(server.url, CORPUS, 4, (k) => ({ params: params(k), body: bodies[k] }));
    await server.stop();
    const first = measure(dataDir);
    const firstInput = bodies.reduce((a, b) => a + b.length, 0);
    server = await startServer(dataDir, { serverDir: args['server-dir'] });
    await ingestMany(server.url, SLOTS - CORPUS, 8, (i) => ({ params: params(CORPUS + i), body: bodies[(CORPUS + i) % CORPUS] }));
    await waitForRollups(dataDir, { serverDir: args['server-dir'] });
    await server.stop();
    const all = measure(dataDir);
    if (keepDb) {
      const dir = join(keepDb, kind);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const f of storeFiles(dataDir)) copyFileSync(f, join(dir, basename(f)));
    }
    let input = 0;
    for (let k = 0; k < SLOTS; k++) input += bodies[k % CORPUS].length;
    const row = {
      kind,
      profiles: SLOTS,
      inputAvgBytes: input / SLOTS,
      distinct: { profiles: CORPUS, inputBytes: firstInput, ...first, ratio: first.fileBytes / firstInput },
      steady: {
        ...all,
        inputBytes: input,
        ratio: all.fileBytes / input,
        ratioWithoutRollups: (all.fileBytes - all.rollups) / input,
        marginalPerProfile: (all.fileBytes - first.fileBytes) / (SLOTS - CORPUS),
      },
    };
    results.push(row);
    log(`${kind}: ${JSON.stringify(row)}`);
  }

  const kb = (b) => (b / 1024).toFixed(1);
  const lines = [
    '',
    `### Light corpus: ${HOURS} h at 10 s`,
    '',
    `corpus: ${CORPUS} Node time profiles (${corpus.node.map((f) => f.bytes).join(', ')} B gz), ${CORPUS} Go CPU profiles (${corpus.go.map((f) => f.bytes).join(', ')} B gz), ${STEP_S} s each`,
    '',
    '| profiles | stored | input gz avg | DB bytes per profile | ÷ gz input | without rollups | rollups | profiles+index | stacks+names+series | other (free, schema) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const d = r.distinct;
    const s = r.steady;
    lines.push(
      `| ${r.kind}: each distinct profile once | ${d.profiles} | ${(d.inputBytes / d.profiles).toFixed(0)} B | ${(d.fileBytes / d.profiles).toFixed(0)} B | ×${d.ratio.toFixed(2)} | — | ${kb(d.rollups)} KiB | ${kb(d.profileBytes)} KiB | ${kb(d.symbols)} KiB | ${kb(d.other)} KiB |`,
      `| ${r.kind}: ${HOURS} h at 10 s, corpus cycled | ${r.profiles} | ${r.inputAvgBytes.toFixed(0)} B | ${(s.fileBytes / r.profiles).toFixed(0)} B | ×${s.ratio.toFixed(3)} | ×${s.ratioWithoutRollups.toFixed(3)} | ${kb(s.rollups)} KiB | ${kb(s.profileBytes)} KiB | ${kb(s.symbols)} KiB | ${kb(s.other)} KiB |`,
    );
  }
  for (const r of results) {
    const s = r.steady;
    lines.push(
      '',
      `${r.kind}: schema v${s.schema} (${s.layout}, ${s.fileBytes} B; the data dir ${s.dataDirBytes} B), ${s.rows} profile rows (${(s.rows / r.profiles).toFixed(1)} per uploaded profile) holding ${s.seriesProfiles} series profiles ` +
        `(${(s.seriesProfiles / r.profiles).toFixed(1)} per uploaded profile: sample types × label sets), ` +
        `${((s.profileBytes - s.indexBytes) / s.rows).toFixed(0)} B per row in the table (sample blob ${s.avgBlobBytes.toFixed(0)} B avg) + ` +
        `${(s.indexBytes / s.rows).toFixed(0)} B per row in its index; marginal ${s.marginalPerProfile.toFixed(0)} B per uploaded profile.`,
    );
  }
  lines.push('', 'DB bytes = the SQLite files after a clean shutdown (every blocks/*.db, or kprof.db before blocks; WAL checkpointed and truncated), page-level breakdown from dbstat summed over them. Schema v3 stores one row per series (sample type × label set); v4 and blocks (v5+) one row per label set, its sample types as columns.');
  return { corpus: { node: corpus.node.map((f) => f.bytes), go: corpus.go.map((f) => f.bytes) }, results, lines };
}

const HEAVY_APPS = { node: 'heavynode', go: 'heavygo' };

/**
 * One heavy cell: a fresh server of `build`, `slots` profiles of `kind` (the corpus cycled) at 10 s
 * slots ending 20 minutes ago, 8 connections; wait until the server is idle and the totals are
 * queryable; clean shutdown; the data dir measured.
 */
async function heavyCell(build, corpus, kind, slots) {
  const dataDir = join(work, `heavy-${build.key}-${kind}-${slots}`);
  const entries = corpus[kind];
  const endS = Math.floor(Date.now() / 1000 / 600) * 600 - 1200;
  const startS = endS - slots * STEP_S;
  const name = `${HEAVY_APPS[kind]}{env=bench}`;
  const loadAvgStart = loadAvgText();
  const server = await startServer(dataDir, { serverDir: build.dir });
  let input = 0;
  let expected = 0;
  for (let k = 0; k < slots; k++) {
    input += entries[k % entries.length].gzBytes;
    expected += entries[k % entries.length].totals.samples;
  }
  let ingestMs;
  let quietS;
  try {
    ingestMs = await ingestMany(server.url, slots, 8, (k) => {
      const req = ingestRequest(kind, entries[k % entries.length], { multipart: kind === 'go' });
      const from = startS + k * STEP_S;
      return { ...req, params: { ...req.params, name, from: String(from), until: String(from + STEP_S) } };
    });
    quietS = await waitForQuiet(server.child.pid, dataDir);
    await waitQueryable(server.url, [{ query: `${HEAVY_APPS[kind]}.samples`, from: startS, until: endS, expected }], { timeoutS: 60 });
  } finally {
    await server.stop();
  }
  const disk = dirBytes(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  return {
    build: build.key, kind, slots, hours: (slots * STEP_S) / 3600, inputBytes: input, ...disk,
    ratio: disk.bytes / input, bytesPerProfile: disk.bytes / slots,
    ingestSeconds: ingestMs / 1000, ingestPerSecond: slots / (ingestMs / 1000), quietSeconds: quietS,
    loadAvgStart, loadAvgEnd: loadAvgText(),
  };
}

/** The heavy part: returns { builds, corpus, rows, lines }. */
async function heavyPart() {
  const builds = readBuilds(args['server-dir'], args['baseline-server-dir']);
  const corpus = await ensureHeavyCorpus(resolve(args['corpus-dir'] ?? DEFAULT_CORPUS_DIR), { log });
  const rows = [];
  let cell = 0;
  for (const span of SPANS) {
    for (const kind of ['node', 'go']) {
      for (const build of roundOrder(builds, cell++)) {
        const row = await heavyCell(build, corpus, kind, (span.hours * 3600) / STEP_S);
        rows.push({ span: span.label, ...row });
        log(`heavy ${kind} ${span.label} ${build.key}: ${row.bytes} B in ${row.files} files = ×${row.ratio.toFixed(3)} of ${row.inputBytes} B gz input (ingest ${row.ingestSeconds.toFixed(1)} s, idle after ${row.quietSeconds.toFixed(0)} s)`);
      }
    }
  }
  const mb = (b) => (b / 1e6).toFixed(2);
  const lines = [
    '',
    '### Heavy corpus: 1 profile per 10 s slot, the corpus cycled; data dir after a clean shutdown',
    '',
    ...builds.map((b) => `- ${b.key}: ${b.dir} (commit ${b.commit})`),
    `- corpus ${corpus.dir} (captured ${corpus.manifest.captured}):`,
    ...corpusSummaryLines(corpus).map((l) => `  - ${l}`),
    '',
    '| app | series | profiles | gz input MB | build | data dir bytes (files) | ÷ gz input | bytes per profile | ingest s (profiles/s) | idle after s | load avg at start |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.kind} | ${r.span} | ${fmt(r.slots)} | ${mb(r.inputBytes)} | ${r.build} | ${fmt(r.bytes)} (${r.files}) | **×${r.ratio.toFixed(3)}** | ${fmt(r.bytesPerProfile)} | ${r.ingestSeconds.toFixed(1)} (${fmt(r.ingestPerSecond)}) | ${r.quietSeconds.toFixed(0)} | ${r.loadAvgStart} |`),
  ];
  if (builds.length > 1) {
    lines.push('', 'server ÷ baseline, data dir bytes: ' + rows.filter((r) => r.build === 'server').map((r) => {
      const b = rows.find((x) => x.build === 'baseline' && x.kind === r.kind && x.span === r.span);
      return `${r.kind} ${r.span} ×${(r.bytes / b.bytes).toFixed(3)}`;
    }).join(', ') + '.');
  }
  lines.push(
    '',
    'Data dir bytes: the apparent size of every file in the data directory after SIGTERM (a clean shutdown), whatever the storage layout. ' +
      '"Idle after": the server first ingests, then the harness waits until its CPU stays under 0.02 cores and the data dir does not change for 12 s (background work such as rollups done), ' +
      'and checks that /render totals equal the samples sent.',
  );
  return { builds, corpus: { dir: corpus.dir, captured: corpus.manifest.captured, summary: corpusSummaryLines(corpus) }, rows, lines };
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const light = PARTS.includes('light') ? await lightPart() : undefined;
const heavy = PARTS.includes('heavy') ? await heavyPart() : undefined;
const result = {
  bench: 'server-storage',
  at: new Date(t0).toISOString(),
  quick,
  node: process.version,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
  commit,
  loadAvgAtStart,
  loadAvgAtEnd: loadAvgText(),
  corpus: light?.corpus,
  results: light?.results,
  heavy: heavy && { builds: heavy.builds, corpus: heavy.corpus, rows: heavy.rows },
};
const lines = [`server-storage: ${result.at}, node ${result.node}, ${result.cpus}; commit ${commit}; load avg at start ${loadAvgAtStart}, at end ${result.loadAvgAtEnd}`, ...(light?.lines ?? []), ...(heavy?.lines ?? [])];
const md = lines.join('\n');
writeResults('server-storage', result.at, { quick, result, md });
process.stdout.write(`${md}\n`);
