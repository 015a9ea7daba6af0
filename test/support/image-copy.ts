// COPY as Docker does it, on directories of this machine: sources are paths or globs (Go's
// filepath.Match: `*`, `?`, `[...]`, which also match names starting with a dot) relative to the
// build context or to another stage's root, and may not leave it; a directory source copies its
// contents, not itself; several sources, or a destination ending in `/` or naming an existing
// directory, copy into that directory; modes and symlinks are kept and everything copied is owned
// by 0:0 unless --chown says otherwise.
import { cpSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';

const GLOB_CHARS = /[*?[]/;

function segmentPattern(segment: string, where: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) throw new Error(`${where}: unterminated [ in COPY source pattern "${segment}"`);
      let body = segment.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The paths under `root` that COPY source `pattern` names, sorted. Throws when a plain path does
 * not exist or a glob matches nothing (Docker fails the build then too), or when the pattern
 * climbs out of `root`.
 */
export function expandSource(root: string, pattern: string, where: string, rootName: string): string[] {
  const rel = posix.normalize(pattern.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (rel === '..' || rel.startsWith('../')) throw new Error(`${where}: COPY source ${pattern} is outside ${rootName}`);
  if (rel === '.' || rel === '') return [root];
  let matches = [root];
  for (const segment of rel.split('/')) {
    const next: string[] = [];
    for (const dir of matches) {
      if (!GLOB_CHARS.test(segment)) {
        const p = join(dir, segment);
        if (existsOrIsLink(p)) next.push(p);
        continue;
      }
      if (!isDirectory(dir)) continue;
      const re = segmentPattern(segment, where);
      for (const name of readdirSync(dir).sort()) if (re.test(name)) next.push(join(dir, name));
    }
    matches = next;
  }
  if (matches.length === 0) {
    throw new Error(`${where}: COPY source ${pattern} is not in ${rootName}${GLOB_CHARS.test(rel) ? ' (the pattern matches nothing)' : ''}`);
  }
  return matches;
}

function existsOrIsLink(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  const st: Stats = lstatSync(path);
  if (st.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

export interface CopyDestination {
  /** Where the destination is on this machine (already resolved inside the image). */
  readonly hostPath: string;
  /** The instruction's destination ended with `/`. */
  readonly endsWithSlash: boolean;
}

/**
 * Copies the host paths `sources` (from {@link expandSource}) to `dest` with COPY's rules and
 * gives everything copied, and a destination directory it had to create, to `uid:gid`.
 */
export function copyIntoImage(sources: readonly string[], dest: CopyDestination, owner: { uid: number; gid: number }, where: string): void {
  const intoDirectory = sources.length > 1 || dest.endsWithSlash || isDirectory(dest.hostPath);
  if (sources.length > 1 && !dest.endsWithSlash) {
    throw new Error(`${where}: COPY with several sources needs a destination ending in /`);
  }
  const copied: string[] = [];
  const ensureDir = (dir: string): void => {
    if (existsSync(dir)) return;
    mkdirSync(dir, { recursive: true });
    copied.push(dir);
  };
  for (const src of sources) {
    const st = lstatSync(src);
    if (st.isDirectory()) {
      ensureDir(dest.hostPath);
      for (const name of readdirSync(src)) {
        cpSync(join(src, name), join(dest.hostPath, name), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
        copied.push(join(dest.hostPath, name));
      }
    } else {
      const target = intoDirectory ? join(dest.hostPath, posix.basename(src)) : dest.hostPath;
      ensureDir(intoDirectory ? dest.hostPath : posix.dirname(target));
      cpSync(src, target, { verbatimSymlinks: true, preserveTimestamps: true, force: true });
      copied.push(target);
    }
  }
  for (const p of copied) chownTree(p, owner.uid, owner.gid);
}
