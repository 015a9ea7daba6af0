#!/usr/bin/env node
// Builds the web UI into dist/ui/public: typechecks the browser sources (esbuild only strips types),
// bundles them into one script, and copies the page and stylesheet. Everything ships in the
// package, so the UI works offline with no CDN.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
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
rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, 'assets'), { recursive: true });
await esbuild.build({
  entryPoints: [join(uiDir, 'src', 'main.ts')],
  outfile: join(outDir, 'assets', 'app.js'),
  bundle: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(uiDir, 'index.html'), join(outDir, 'index.html'));
copyFileSync(join(uiDir, 'style.css'), join(outDir, 'assets', 'app.css'));
