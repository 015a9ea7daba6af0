#!/usr/bin/env node
// Runs the pinned pnpm, installing it into .tools/ first if needed, so a machine with only
// Node and npm needs no global pnpm and no corepack download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PNPM_VERSION = '12.4.2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools');
const pnpmEntry = join(toolsDir, 'node_modules', 'pnpm', 'bin', 'pnpm.mjs');

export function ensurePnpm() {
  if (existsSync(pnpmEntry)) return pnpmEntry;
  console.log(`[kprof] installing pnpm ${PNPM_VERSION} into .tools/ (one time)`);
  const r = spawnSync('npm', ['install', '--prefix', toolsDir, '--no-save', '--no-package-lock',
    '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${PNPM_VERSION}`], { stdio: 'inherit', cwd: root });
  if (r.status !== 0 || !existsSync(pnpmEntry)) {
    throw new Error(`could not install pnpm@${PNPM_VERSION} with npm (exit ${r.status}); check that the npm registry is reachable`);
  }
  return pnpmEntry;
}

/** Environment for pnpm: native addons build against the machine's Node headers (pnpm ignores npm's nodedir). */
export function pnpmEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  // pnpm's native build does not put its bundled node-gyp on PATH for dependency build scripts.
  const gypBin = join(toolsDir, 'node_modules', 'pnpm', 'dist', 'node-gyp-bin');
  if (existsSync(gypBin)) env.PATH = `${gypBin}${delimiter}${env.PATH ?? ''}`;
  return env;
}

export function runPnpm(args, opts = {}) {
  const entry = ensurePnpm();
  const r = spawnSync(process.execPath, [entry, ...args], { stdio: 'inherit', cwd: root, env: pnpmEnv(), ...opts });
  return r.status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(runPnpm(process.argv.slice(2)));
}
