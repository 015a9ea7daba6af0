// Tests that run a package in a child process load its BUILT dist/, as a user would. This is the
// vitest globalSetup that makes sure that build exists and is current before the first test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The file scripts/build-package.mjs writes last: its presence means a whole build. */
const BUILT_ENTRY = join('dist', 'index.mjs');
const BUILD_SCRIPT = resolve(__dirname, '..', '..', '..', 'scripts', 'build-package.mjs');
const BUILD_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 3_000;

/** When {@link buildPackage} rebuilds: `stale` = dist/ missing or older than a source file; `missing` = only without dist/. */
export type RebuildWhen = 'stale' | 'missing';

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when `packageDir`'s dist/ exists and (for `stale`) is newer than every non-test `.ts` file under src/. */
export function isBuilt(packageDir: string, when: RebuildWhen): boolean {
  const built = join(packageDir, BUILT_ENTRY);
  if (!existsSync(built)) return false;
  return when === 'missing' || statSync(built).mtimeMs >= newestSourceMs(join(packageDir, 'src'));
}

/**
 * Builds `packageDir` with scripts/build-package.mjs unless {@link isBuilt} says it need not.
 * Other processes in the checkout (another package's test run, the bench) may build the same
 * package at the same moment, and a build empties dist/ first, so a failed build is tried again
 * (3 attempts, 3 s apart) before it throws with the build's output.
 */
export function buildPackage(packageDir: string, { when }: { when: RebuildWhen }): void {
  const name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
  let output = '';
  for (let attempt = 0; attempt < BUILD_ATTEMPTS; attempt++) {
    if (isBuilt(packageDir, when)) return;
    const r = spawnSync(process.execPath, [BUILD_SCRIPT], { cwd: packageDir, encoding: 'utf8' });
    if (r.status === 0) return;
    output = `${r.stdout}\n${r.stderr}`;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_PAUSE_MS);
  }
  throw new Error(`building ${name} failed:\n${output}`);
}

/** Directories of the `workspace:` dependencies of the package in `packageDir`. */
function workspaceDependencyDirs(packageDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.entries(pkg.dependencies ?? {})
    .filter(([, version]) => version.startsWith('workspace:'))
    .map(([name]) => realpathSync(join(packageDir, 'node_modules', name)));
}

/**
 * vitest globalSetup (default-export it from a one-line file named in `test.globalSetup`): builds
 * the package under test (the project's root) when its dist/ is stale, and each of its
 * `workspace:` dependencies only when that one has no dist/ at all: a dependency's own tests keep
 * it current, and rebuilding it here would race them.
 */
export function buildBeforeTest(project: { config: { root: string } }): void {
  const packageDir = project.config.root;
  for (const dep of workspaceDependencyDirs(packageDir)) buildPackage(dep, { when: 'missing' });
  buildPackage(packageDir, { when: 'stale' });
}
