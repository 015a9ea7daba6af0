#!/usr/bin/env node
// Builds the package in the current directory: tsc emits CommonJS + .d.ts into dist/, then a
// thin ESM entry re-exports the CommonJS build. One copy of the code serves both `import` and
// `require`, so a process that mixes them still has one profiler and one set of counters.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const cwd = process.cwd();
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
const tsc = createRequire(join(cwd, 'package.json')).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd });
if (r.status !== 0) process.exit(r.status ?? 1);

// Named exports of the CommonJS entry, read from the built module itself so the list never drifts.
const req = createRequire(join(cwd, 'dist', 'index.js'));
const names = Object.keys(req('./index.js')).filter((n) => n !== 'default' && n !== '__esModule');
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
writeFileSync(join(cwd, 'dist', 'index.mjs'),
  `// ESM entry of ${pkg.name}: re-exports the CommonJS build (one module instance for import and require).\n` +
  `import cjs from './index.js';\n` +
  (names.length ? `export const { ${names.join(', ')} } = cjs;\n` : '') +
  `export default cjs;\n`);
writeFileSync(join(cwd, 'dist', 'index.d.mts'), `export * from './index.js';\n`);
