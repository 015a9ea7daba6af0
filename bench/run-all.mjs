#!/usr/bin/env node
// Runs every benchmark in turn, each in its own process, passing the command-line flags through
// (e.g. `--quick`). Add a benchmark by appending to BENCHMARKS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = [
  { name: 'sdk-overhead', script: join(here, 'sdk-overhead', 'run.mjs') },
  { name: 'server-ingest', script: join(here, 'server-ingest', 'run.mjs') },
  { name: 'server-query', script: join(here, 'server-query', 'run.mjs') },
  { name: 'server-storage', script: join(here, 'server-storage', 'run.mjs') },
  { name: 'ui', script: join(here, 'ui', 'run.mjs') },
  { name: 'scrape-scale', script: join(here, 'scrape-scale', 'run.mjs') },
  { name: 'store-churn', script: join(here, 'store-churn', 'run.mjs') },
];

const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
let failed = 0;
for (const b of BENCHMARKS) {
  if (only && !only.includes(b.name)) continue;
  process.stderr.write(`\n=== ${b.name} ===\n`);
  const r = spawnSync(process.execPath, [b.script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; process.stderr.write(`${b.name} failed (exit ${r.status ?? r.signal})\n`); }
}
process.exit(failed ? 1 : 0);
