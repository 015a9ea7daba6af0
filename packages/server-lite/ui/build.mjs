#!/usr/bin/env node
// Builds the web UI into dist/ui/public: typechecks the browser sources (esbuild only strips types),
// bundles them into one script, and copies the page and stylesheet. Everything ships in the
// package, so the UI works offline with no CDN.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(uiDir);
// dist/ui also holds the compiled server side (src/ui → dist/ui/*.js), so the page goes in public/.
const outDir = join(pkgDir, 'dist', 'ui', 'public');
const require = createRequire(join(pkgDir, 'package.json'));

if (!process.argv.includes('--no-typecheck')) {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(uiDir, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const esbuild = require('esbuild');
// Build next to the output and swap it in with renames, so a server or test reading the page
// while another process rebuilds never sees a half-written directory.
mkdirSync(dirname(outDir), { recursive: true });
const staging = mkdtempSync(join(dirname(outDir), '.public-'));
try {
  mkdirSync(join(staging, 'assets'));
  await esbuild.build({
    entryPoints: [join(uiDir, 'src', 'main.ts')],
    outfile: join(staging, 'assets', 'app.js'),
    bundle: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(uiDir, 'index.html'), join(staging, 'index.html'));
  copyFileSync(join(uiDir, 'style.css'), join(staging, 'assets', 'app.css'));
  const old = `${staging}-old`;
  try {
    renameSync(outDir, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(staging, { recursive: true, force: true });
}
