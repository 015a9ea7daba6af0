// vitest globalSetup: the child-process tests load the BUILT SDK (packages/sdk/dist), as a user would. Rebuild only when
// a source file is newer than the build, so concurrent runs elsewhere in the repo rarely see dist/ disappear.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkg = resolve(__dirname, '../..');

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = join(pkg, 'dist', 'index.mjs');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSourceMs(join(pkg, 'src'))) return;
  const r = spawnSync(process.execPath, [resolve(pkg, '../../scripts/build-package.mjs')], { cwd: pkg, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building @kprof/sdk failed:\n${r.stdout}\n${r.stderr}`);
}
