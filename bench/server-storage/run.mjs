#!/usr/bin/env node
// server-lite storage benchmark: bytes on disk per stored profile vs the gzipped pprof it came
// from, for real varied Node time profiles (@kprof/sdk pushes from a service under changing load)
// and Go CPU profiles (examples/go-service). Each language gets a fresh server (the built dist) and
// data dir: first every distinct profile once (every stack is new: the worst case), then the
// corpus cycled at 10 s slots for 4 h (a steady service), rollups built, clean shutdown; the
// database file is measured and broken down by table with SQLite's dbstat.
// Flags: --quick (1 h, 4 distinct profiles), --corpus-size N (default 12), --hours H (default 4),
// --corpus-dir DIR (reuse the corpus captured there, or capture into it: compares two builds on
// the same profiles), --keep-db DIR (copy each language's kprof.db there for inspection).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureCorpus } from '../server-query/profile-corpus.mjs';
import { Database, ingestMany, startServer, waitForRollups } from '../server-query/server-process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const CORPUS = flag('--corpus-size', quick ? 4 : 12);
const HOURS = flag('--hours', quick ? 1 : 4);
const STEP_S = 10;
const SLOTS = (HOURS * 3600) / STEP_S;
const log = (m) => process.stderr.write(`[server-storage] ${m}\n`);

const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const corpusDir = option('--corpus-dir');
const keepDb = option('--keep-db');

const work = mkdtempSync(join(tmpdir(), 'kprof-bench-storage-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const t0 = Date.now();
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

function measure(dataDir) {
  const file = join(dataDir, 'kprof.db');
  const fileBytes = statSync(file).size;
  const db = new Database(file, { readonly: true });
  try {
    const byName = Object.fromEntries(db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all().map((r) => [r.name, r.bytes]));
    const group = (names) => names.reduce((a, n) => a + (byName[n] ?? 0), 0);
    const rollups = group(['rollups', 'sqlite_autoindex_rollups_1', 'rollup_pending']);
    // Index names of schema v2/v3 (per series) and v4 (per row group); a build measures its own.
    const indexNames = ['profiles_by_series_time_total', 'profiles_by_time', 'profiles_by_group_time_totals'];
    const profileBytes = group(['profiles', ...indexNames]);
    const indexBytes = group(indexNames);
    const symbols = group(['names', 'sqlite_autoindex_names_1', 'stacks', 'series', 'sqlite_autoindex_series_1', 'group_columns']);
    const schema = db.pragma('user_version', { simple: true });
    const rows = db.prepare('SELECT count(*) AS n FROM profiles').get().n;
    // Series profiles (a v4 row holds one per column; a v3 row one).
    const seriesProfiles = schema >= 4 ? db.prepare('SELECT count(*) AS n FROM profiles JOIN group_columns USING (group_id)').get().n : rows;
    const blob = db.prepare('SELECT avg(length(samples)) AS avg FROM profiles').get().avg;
    return { fileBytes, rollups, profileBytes, indexBytes, symbols, other: fileBytes - rollups - profileBytes - symbols, schema, rows, seriesProfiles, avgBlobBytes: blob };
  } finally {
    db.close();
  }
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
  let server = await startServer(dataDir);
  await ingestMany(server.url, CORPUS, 4, (k) => ({ params: params(k), body: bodies[k] }));
  await server.stop();
  const first = measure(dataDir);
  const firstInput = bodies.reduce((a, b) => a + b.length, 0);
  server = await startServer(dataDir);
  await ingestMany(server.url, SLOTS - CORPUS, 8, (i) => ({ params: params(CORPUS + i), body: bodies[(CORPUS + i) % CORPUS] }));
  await waitForRollups(dataDir);
  await server.stop();
  const all = measure(dataDir);
  if (keepDb) {
    mkdirSync(keepDb, { recursive: true });
    copyFileSync(join(dataDir, 'kprof.db'), join(keepDb, `${kind}.db`));
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

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const result = {
  bench: 'server-storage',
  at: new Date(t0).toISOString(),
  quick,
  node: process.version,
  cpus: `${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
  commit,
  corpus: { node: corpus.node.map((f) => f.bytes), go: corpus.go.map((f) => f.bytes) },
  results,
};
const kb = (b) => (b / 1024).toFixed(1);
const lines = [
  `server-storage: ${result.at}, node ${result.node}, ${result.cpus}; commit ${commit}`,
  `corpus: ${CORPUS} Node time profiles (${result.corpus.node.join(', ')} B gz), ${CORPUS} Go CPU profiles (${result.corpus.go.join(', ')} B gz), ${STEP_S} s each`,
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
    `${r.kind}: schema v${s.schema}, ${s.rows} profile rows (${(s.rows / r.profiles).toFixed(1)} per uploaded profile) holding ${s.seriesProfiles} series profiles ` +
      `(${(s.seriesProfiles / r.profiles).toFixed(1)} per uploaded profile: sample types × label sets), ` +
      `${((s.profileBytes - s.indexBytes) / s.rows).toFixed(0)} B per row in the table (sample blob ${s.avgBlobBytes.toFixed(0)} B avg) + ` +
      `${(s.indexBytes / s.rows).toFixed(0)} B per row in its index; marginal ${s.marginalPerProfile.toFixed(0)} B per uploaded profile.`,
  );
}
lines.push('', 'DB bytes = kprof.db after a clean shutdown (WAL checkpointed and truncated), page-level breakdown from dbstat. Schema v3 stores one row per series (sample type × label set); v4 one row per label set, its sample types as columns.');
const md = lines.join('\n');
const resultsDir = join(here, '..', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = result.at.replace(/[:.]/g, '-') + (quick ? '-quick' : '');
writeFileSync(join(resultsDir, `server-storage-${stamp}.json`), JSON.stringify(result, null, 2));
writeFileSync(join(resultsDir, `server-storage-${stamp}.md`), `${md}\n`);
process.stdout.write(`${md}\n`);
