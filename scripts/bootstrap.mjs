#!/usr/bin/env node
// Installs workspace dependencies and builds every package. Shared by `npm start` and `npm test`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runPnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function bootstrap({ build = true, install = true } = {}) {
  if (install) {
    const frozen = existsSync(join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
    console.log('[kprof] installing dependencies (pnpm install)');
    if (runPnpm(['install', '--reporter=append-only', ...frozen]) !== 0) throw new Error('pnpm install failed; see the output above');
  }
  if (build) {
    console.log('[kprof] building packages');
    if (runPnpm(['-r', '--workspace-concurrency=1', 'run', 'build']) !== 0) throw new Error('build failed; see the output above');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    bootstrap({ install: !process.argv.includes('--build-only') });
  } catch (err) {
    console.error(`[kprof] ${err.message}`);
    process.exit(1);
  }
}
