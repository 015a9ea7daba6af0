#!/usr/bin/env node
// Captures the heavy corpus (see corpus.mjs) into a directory and prints each file's figures
// (gz/raw size, samples, locations, functions, stack depth, sample types) against the targets.
// Usage:
//   node bench/heavy-corpus/capture.mjs [--out DIR] [--node N] [--go N] [--jobs J] [--sequential] [--interval S]
//   node bench/heavy-corpus/capture.mjs --check DIR      (figures of an existing corpus only)
// Defaults: --out bench/results/heavy-corpus, 32 of each, 10 s profiles, the Node and Go services
// at the same time (32 × 10 s ≈ 6 min). --sequential captures Node, then Go (the Go service then
// has ~2 cores: more samples, larger profiles); --jobs J runs J services of each kind at once
// (less wall time; on 2 cores each gets less CPU). The benches take the directory as --corpus-dir.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { statsSummary, statsTable } from './corpus-stats.mjs';
import { DEFAULT_CORPUS_DIR, captureHeavyCorpus, loadHeavyCorpus } from './corpus.mjs';

const TARGETS = {
  node: 'target ≈ 17–18 KB gz, ≈ 45 KB raw, ~400 samples, ~460 locations, mean depth ≈ 34 (30–70), 3 sample types',
  go: 'target ≈ 36 KB gz, ≈ 80 KB raw, ~740 samples, ~1,400 locations',
};

const { values } = parseArgs({
  options: {
    out: { type: 'string' }, check: { type: 'string' },
    node: { type: 'string' }, go: { type: 'string' }, jobs: { type: 'string' }, interval: { type: 'string' },
    sequential: { type: 'boolean', default: false },
  },
});
const int = (name, fallback) => {
  const n = Number(values[name] ?? fallback);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: want a whole number`);
  return n;
};

const log = (m) => process.stderr.write(`[heavy-corpus] ${m}\n`);
let corpus;
if (values.check) {
  corpus = loadHeavyCorpus(resolve(values.check));
} else {
  const dir = resolve(values.out ?? DEFAULT_CORPUS_DIR);
  corpus = await captureHeavyCorpus({ dir, nodeCount: int('node', 32), goCount: int('go', 32), jobs: Math.max(1, int('jobs', 1)), parallel: !values.sequential, intervalS: int('interval', 10), log });
}
const m = corpus.manifest;
process.stdout.write(`heavy corpus ${corpus.dir}: captured ${m.captured} in ${m.capturedSeconds?.toFixed(0)} s, commit ${m.commit}, ${m.jobs} job(s), load avg ${m.loadAvgAtStart.map((l) => l.toFixed(2)).join(' ')} → ${m.loadAvgAtEnd.map((l) => l.toFixed(2)).join(' ')}\n`);
for (const kind of ['node', 'go']) {
  const s = statsSummary(corpus[kind]);
  process.stdout.write(`\n### ${kind} (${TARGETS[kind]})\n\n${statsTable(corpus[kind])}\n\n`);
  process.stdout.write(`${kind}: mean ${s.gzKB.toFixed(1)} KB gz, ${s.rawKB.toFixed(1)} KB raw, ${s.samples.toFixed(0)} samples, ${s.locations.toFixed(0)} locations, ${s.functions.toFixed(0)} functions, mean depth ${s.meanDepth.toFixed(1)}, max ${s.maxDepth}\n`);
}
