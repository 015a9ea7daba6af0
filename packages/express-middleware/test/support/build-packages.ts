// vitest globalSetup: child-process tests load the BUILT packages (dist/), as a user would. Rebuild
// @kprof/express-middleware only when a source file is newer than its build; build @kprof/sdk only when its dist is
// missing (its owner keeps it current, and rebuilding it here would race other packages' test runs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkg = resolve(__dirname, '../..');
const sdk = resolve(pkg, '../sdk');
const buildScript = resolve(pkg, '../../scripts/build-package.mjs');

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function build(dir: string, name: string): void {
  const r = spawnSync(process.execPath, [buildScript], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stdout}\n${r.stderr}`);
}

export default function setup(): void {
  if (!existsSync(join(sdk, 'dist', 'index.js'))) build(sdk, '@kprof/sdk');
  const built = join(pkg, 'dist', 'index.mjs');
  if (!existsSync(built) || statSync(built).mtimeMs < newestSourceMs(join(pkg, 'src'))) build(pkg, '@kprof/express-middleware');
}
