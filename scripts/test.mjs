#!/usr/bin/env node
// `npm test`: installs what the tests need (workspace deps, Go, Chromium), builds, runs every test
// once with vitest, and ends with one plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';
import { ensurePnpm, pnpmEnv } from './pnpm.mjs';
import { ensureSystemDeps } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
try {
  ensureSystemDeps();
  bootstrap();
} catch (err) {
  console.error(`[kprof] ${err.message}`);
  process.exit(1);
}

const artifacts = join(root, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });
const report = join(artifacts, 'vitest.json');
const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const r = spawnSync(process.execPath, [ensurePnpm(), ...args], { stdio: 'inherit', cwd: root, env: pnpmEnv() });

let summary = '';
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  summary = `${j.numPassedTests} passed, ${j.numFailedTests} failed` + (j.numPendingTests ? `, ${j.numPendingTests} skipped` : '');
}
console.log(`[kprof] tests finished in ${Math.round((Date.now() - started) / 1000)} s`);
if (summary) console.log(`Tests: ${summary}`);
process.exit(r.status ?? 1);
