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

function isFresh(): boolean {
  const built = join(pkg, 'dist', 'index.mjs');
  return existsSync(built) && statSync(built).mtimeMs >= newestSourceMs(join(pkg, 'src'));
}

export default function setup(): void {
  // Other processes in this checkout (another package's test run, the bench) may build the SDK at the same moment; the
  // build empties dist/ first, so a build that overlaps another can fail. Try again once the other one is done.
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (isFresh()) return;
    const r = spawnSync(process.execPath, [resolve(pkg, '../../scripts/build-package.mjs')], { cwd: pkg, encoding: 'utf8' });
    if (r.status === 0) return;
    last = `${r.stdout}\n${r.stderr}`;
    spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 3000)']);
  }
  throw new Error(`building @kprof/sdk failed:\n${last}`);
}
