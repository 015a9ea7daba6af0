// The filesystem of one replayed build stage, on this machine's disk. The image root is a plain
// directory; for a Debian-based image its /usr, /etc and /var (and any of /bin, /lib, ... that are
// not symlinks into /usr here) are overlays: this machine's directory below, the stage's own layer
// above, so what a RUN changes there lands in the layer and the machine stays as it was. Paths
// inside the image are resolved here the way the kernel resolves them inside the container:
// symlinks, absolute ones included, stay within the image.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import type { BaseImage, ImageUser } from './base-images.js';

/** Top-level directories of a Debian image taken from this machine, copy-on-write. */
const HOST_DIRS = ['usr', 'etc', 'var'];
/** Top-level names that merged-/usr Debian makes symlinks into /usr. */
const USR_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
/** Directories every image root has, with their modes. */
const ROOT_DIRS: [string, number][] = [
  ['dev', 0o755],
  ['proc', 0o555],
  ['tmp', 0o1777],
  ['root', 0o700],
  ['home', 0o755],
  ['run', 0o755],
  ['etc', 0o755],
];
const MAX_SYMLINKS = 40;

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** overlayfs marks a deleted lower file with a 0:0 character device in the upper layer. */
function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

export class StageFs {
  /** The image root on this machine. */
  readonly root: string;

  private constructor(
    readonly dir: string,
    /** Top-level directories that are overlays over this machine's. */
    readonly overlaid: readonly string[],
  ) {
    this.root = join(dir, 'root');
  }

  /** Lays out an empty stage under `dir` for `base`: root, layers, users, the base's extra files. */
  static create(dir: string, base: BaseImage): StageFs {
    const overlaid: string[] = [];
    if (base.root === 'host') {
      overlaid.push(...HOST_DIRS);
      for (const name of USR_LINKS) {
        const st = lstatOrUndefined(`/${name}`);
        if (st?.isDirectory()) overlaid.push(name);
      }
    }
    const fs = new StageFs(dir, overlaid);
    mkdirSync(fs.root, { recursive: true });
    chmodSync(fs.root, 0o755);
    for (const name of overlaid) {
      mkdirSync(join(fs.root, name), { recursive: true });
      mkdirSync(fs.upper(name), { recursive: true });
      mkdirSync(fs.work(name), { recursive: true });
    }
    if (base.root === 'host') {
      for (const name of USR_LINKS) {
        const st = lstatOrUndefined(`/${name}`);
        if (st?.isSymbolicLink()) symlinkSync(readlinkSync(`/${name}`), join(fs.root, name));
      }
    }
    for (const [name, mode] of ROOT_DIRS) {
      if (overlaid.includes(name)) continue;
      mkdirSync(join(fs.root, name), { recursive: true });
      chmodSync(join(fs.root, name), mode);
    }
    fs.addUsers(base);
    for (const [path, file] of Object.entries(base.files ?? {})) {
      const host = fs.writablePath(path);
      writeFileSync(host, file.content);
      chmodSync(host, file.mode);
    }
    return fs;
  }

  /** The stage's own layer over this machine's `/<name>`. */
  upper(name: string): string {
    return join(this.dir, 'layers', name, 'upper');
  }

  /** overlayfs's scratch directory for {@link upper}. */
  work(name: string): string {
    return join(this.dir, 'layers', name, 'work');
  }

  /** Where image path `real` (already free of symlinks) is read from on this machine; undefined if absent. */
  private readable(real: string): string | undefined {
    const [top = '', ...rest] = real.split('/').filter(Boolean);
    if (this.overlaid.includes(top)) {
      const inLayer = join(this.upper(top), ...rest);
      const st = lstatOrUndefined(inLayer);
      if (st !== undefined) return isWhiteout(st) ? undefined : inLayer;
      const below = posix.join('/', top, ...rest);
      return lstatOrUndefined(below) !== undefined ? below : undefined;
    }
    const p = join(this.root, real);
    return lstatOrUndefined(p) !== undefined ? p : undefined;
  }

  /** `path` inside the image with every symlink resolved inside the image (absolute, normalized). */
  resolve(path: string): string {
    // Not normalized first: `..` after a symlink climbs from the link's target, as in the kernel.
    let pending = path.split('/').filter(Boolean);
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const [name, ...rest] = pending as [string, ...string[]];
      pending = rest;
      if (name === '.') continue;
      if (name === '..') {
        done.pop();
        continue;
      }
      const candidate = `/${[...done, name].join('/')}`;
      const host = this.readable(candidate);
      const st = host !== undefined ? lstatSync(host) : undefined;
      if (st?.isSymbolicLink()) {
        if (++hops > MAX_SYMLINKS) throw new Error(`too many symlinks resolving ${path} in the image`);
        const target = readlinkSync(host as string);
        if (target.startsWith('/')) done.length = 0;
        pending = [...target.split('/').filter(Boolean), ...pending];
        continue;
      }
      done.push(name);
    }
    return `/${done.join('/')}`;
  }

  /** Where image path `path` is on this machine for reading, or undefined when the image has no such file. */
  locate(path: string): string | undefined {
    return this.readable(this.resolve(path));
  }

  /** True when `path` lies in a top-level directory that is an overlay over this machine's. */
  isOverlaid(path: string): boolean {
    return this.overlaid.includes(this.resolve(path).split('/')[1] ?? '');
  }

  /**
   * Where to write image path `path` on this machine (its parent directories created): in the
   * stage's layer for an overlaid directory, else under the root. A whiteout there is removed,
   * as overlayfs replaces it when a deleted file is written again.
   */
  writablePath(path: string): string {
    const real = this.resolve(path);
    const [top = '', ...rest] = real.split('/').filter(Boolean);
    const host = this.overlaid.includes(top) ? join(this.upper(top), ...rest) : join(this.root, real);
    mkdirSync(posix.dirname(host), { recursive: true });
    const st = lstatOrUndefined(host);
    if (st !== undefined && isWhiteout(st)) unlinkSync(host);
    return host;
  }

  /**
   * Creates directory `path` in the image (and its parents) if it is missing; an existing one,
   * this machine's included, is left as it is. Returns true when it was created.
   */
  ensureDirectory(path: string): boolean {
    const existing = this.locate(path);
    if (existing !== undefined) {
      if (!statSync(existing).isDirectory()) throw new Error(`${path} exists in the image and is not a directory`);
      return false;
    }
    mkdirSync(this.writablePath(path), { recursive: true });
    return true;
  }

  readText(path: string): string | undefined {
    const host = this.locate(path);
    return host !== undefined ? readFileSync(host, 'utf8') : undefined;
  }

  /**
   * Resolves a USER value (`name`, `uid`, `name:group`, `uid:gid`) against the image's
   * /etc/passwd and /etc/group, as Docker does when it starts a process.
   */
  user(spec: string): { uid: number; gid: number; home: string } {
    const [userPart = '', groupPart] = spec.split(':');
    const passwd = (this.readText('/etc/passwd') ?? '').split('\n').map((l) => l.split(':'));
    const entry = passwd.find((f) => f[0] === userPart || (/^\d+$/.test(userPart) && f[2] === userPart));
    let uid: number;
    if (entry !== undefined) uid = Number(entry[2]);
    else if (/^\d+$/.test(userPart)) uid = Number(userPart);
    else throw new Error(`user ${userPart} is not in the image's /etc/passwd`);
    let gid = entry !== undefined ? Number(entry[3]) : 0;
    if (groupPart !== undefined) {
      if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
      else {
        const group = (this.readText('/etc/group') ?? '').split('\n').map((l) => l.split(':')).find((f) => f[0] === groupPart);
        if (group === undefined) throw new Error(`group ${groupPart} is not in the image's /etc/group`);
        gid = Number(group[2]);
      }
    }
    return { uid, gid, home: entry?.[5] || '/' };
  }

  private addUsers(base: BaseImage): void {
    const readBase = (file: string, fallback: string): string =>
      base.root === 'host' && existsSync(file) ? readFileSync(file, 'utf8') : fallback;
    let passwd = readBase('/etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\n');
    let group = readBase('/etc/group', 'root:x:0:\n');
    const names = (text: string): Set<string> => new Set(text.split('\n').map((l) => l.split(':')[0] ?? ''));
    const add = (text: string, line: string): string => `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${line}\n`;
    for (const u of base.users as ImageUser[]) {
      if (!names(passwd).has(u.name)) passwd = add(passwd, `${u.name}:x:${u.uid}:${u.gid}::${u.home}:/bin/sh`);
      if (!names(group).has(u.name)) group = add(group, `${u.name}:x:${u.gid}:`);
    }
    writeFileSync(this.writablePath('/etc/passwd'), passwd);
    writeFileSync(this.writablePath('/etc/group'), group);
    for (const u of base.users) {
      if (u.home !== '/nonexistent' && this.ensureDirectory(u.home)) chownSync(this.writablePath(u.home), u.uid, u.gid);
    }
  }
}
