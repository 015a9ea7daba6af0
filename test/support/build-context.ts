// The build context a Docker build of a fresh clone would get: the files git tracks, and nothing
// that is only on this disk (node_modules, dist/, .tools/, untracked files). A file a Dockerfile
// needs but the repository lacks is then missing here too, as it would be on CI or for a user.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export interface TrackedFiles {
  readonly dir: string;
  readonly commit: string;
  readonly source: 'HEAD' | 'working tree';
}

function git(repoRoot: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.error) throw new Error(`git ${args.join(' ')} could not start: ${r.error.message}; the Dockerfile replay needs git and a checkout with .git`);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${repoRoot} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/**
 * Extracts the tracked files of `repoRoot`'s working tree into `dir` (created if needed) with
 * `git archive`. The tree is HEAD's when no tracked file is modified, else the one `git stash create`
 * records (tracked files as they are on disk, the index and HEAD untouched), so a Dockerfile fix
 * is tested before it is committed while untracked files stay out.
 * Returns the directory, the commit archived and whether it was HEAD.
 */
export function exportTrackedFiles(repoRoot: string, dir: string): TrackedFiles {
  const stash = git(repoRoot, ['stash', 'create']);
  const commit = stash !== '' ? stash : git(repoRoot, ['rev-parse', 'HEAD']);
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: repoRoot, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed (exit ${archive.status}): ${archive.stderr.toString()}`);
  const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout, encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`extracting git archive ${commit} into ${dir} failed (exit ${tar.status}): ${tar.stderr}`);
  return { dir, commit, source: stash !== '' ? 'working tree' : 'HEAD' };
}
