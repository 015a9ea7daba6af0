// Freezes the built @kprof/sdk for one run: copies packages/sdk/{package.json,dist} to a temp dir
// (its node_modules linked to the package's own), so a rebuild of the SDK during a long run
// (dist/ is deleted and re-emitted) can neither break a server's start nor mix two builds in
// one run. Records which build was measured.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function digestDir(dir) {
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.js')).sort()) {
    hash.update(entry).update(readFileSync(join(dir, entry)));
  }
  return hash.digest('hex').slice(0, 16);
}

function gitDescribe(repoDir, path) {
  try {
    const commit = execFileSync('git', ['log', '-1', '--format=%h', '--', path], { cwd: repoDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', path], { cwd: repoDir, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** Returns { dir, info, remove() }; dir is what the server `require`s. Throws if the SDK is not built. */
export function snapshotSdk() {
  // The workspace link bench/node_modules/@kprof/sdk → packages/sdk (its exports map hides package.json).
  const pkgDir = realpathSync(fileURLToPath(new URL('../node_modules/@kprof/sdk', import.meta.url)));
  const dir = mkdtempSync(join(os.tmpdir(), 'kprof-bench-sdk-'));
  try {
    cpSync(join(pkgDir, 'package.json'), join(dir, 'package.json'));
    cpSync(join(pkgDir, 'dist'), join(dir, 'dist'), { recursive: true });
    symlinkSync(realpathSync(join(pkgDir, 'node_modules')), join(dir, 'node_modules'), 'dir');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const repoDir = join(pkgDir, '..', '..');
  const info = { ...gitDescribe(repoDir, 'packages/sdk'), distDigest: digestDir(join(dir, 'dist')), builtFrom: pkgDir };
  return { dir, info, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
