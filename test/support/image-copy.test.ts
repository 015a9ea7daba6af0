import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@kprof/test-support';
import { baseImage } from './base-images.js';
import { copyIntoImage, expandSource } from './image-copy.js';
import { StageFs } from './stage-fs.js';

/** A build context: pkg/{package.json, src/a.ts, src/.hidden, link -> src/a.ts}, README.md. */
function context(): string {
  const dir = join(tempDir('kprof-copy-ctx-'), 'ctx');
  mkdirSync(join(dir, 'pkg', 'src'), { recursive: true });
  writeFileSync(join(dir, 'pkg', 'package.json'), '{}');
  writeFileSync(join(dir, 'pkg', 'src', 'a.ts'), 'a');
  writeFileSync(join(dir, 'pkg', 'src', '.hidden'), 'h');
  symlinkSync('src/a.ts', join(dir, 'pkg', 'link'));
  writeFileSync(join(dir, 'README.md'), 'r');
  return dir;
}

/** Copies `sources` from a fresh context to `dest` in a fresh image root and lists what the image then holds under `under`. */
function copy(sources: string[], dest: string, under = '/'): string[] {
  const ctx = context();
  const out = join(tempDir('kprof-copy-image-'), 'image');
  mkdirSync(out);
  const expanded = sources.flatMap((s) => expandSource(ctx, s, 'Dockerfile:1', 'the build context'));
  copyIntoImage(expanded, { hostPath: join(out, dest), endsWithSlash: dest.endsWith('/') }, { uid: 0, gid: 0 }, 'Dockerfile:1');
  const list = (dir: string, prefix: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? list(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
  return list(join(out, under), '').sort();
}

describe('COPY semantics', () => {
  it.each([
    { name: 'a directory copies its contents, dotfiles and symlinks included', sources: ['pkg'], dest: 'app', want: ['app/link', 'app/package.json', 'app/src/.hidden', 'app/src/a.ts'] },
    { name: 'a file to a path not ending in / is that path', sources: ['README.md'], dest: 'doc.md', want: ['doc.md'] },
    { name: 'a file to a path ending in / goes inside it', sources: ['README.md'], dest: 'docs/', want: ['docs/README.md'] },
    { name: 'several files go into the directory', sources: ['README.md', 'pkg/package.json'], dest: 'x/', want: ['x/README.md', 'x/package.json'] },
    { name: '* matches names starting with a dot, as Go\'s filepath.Match does', sources: ['pkg/src/*'], dest: 'src/', want: ['src/.hidden', 'src/a.ts'] },
    { name: 'a leading / names the context root', sources: ['/pkg/src/a.ts'], dest: 'a.ts', want: ['a.ts'] },
  ])('$name', ({ sources, dest, want }) => {
    expect(copy(sources, dest)).toEqual(want);
  });

  it('keeps symlinks as symlinks and gives what it copies to --chown', () => {
    const ctx = context();
    const out = join(tempDir('kprof-copy-image-'), 'image');
    copyIntoImage(expandSource(ctx, 'pkg', 'w', 'ctx'), { hostPath: out, endsWithSlash: false }, { uid: 1234, gid: 5678 }, 'w');
    expect(readlinkSync(join(out, 'link'))).toBe('src/a.ts');
    for (const p of ['', 'link', 'src', 'src/a.ts']) {
      const st = lstatSync(join(out, p));
      expect([p, st.uid, st.gid]).toEqual([p, 1234, 5678]);
    }
  });

  it.each([
    { name: 'a missing file', sources: ['scripts/bootstrap.mjs'], dest: 'scripts/', message: 'Dockerfile:1: COPY source scripts/bootstrap.mjs is not in the build context' },
    { name: 'a glob that matches nothing', sources: ['pkg/*.go'], dest: './', message: 'COPY source pkg/*.go is not in the build context (the pattern matches nothing)' },
    { name: 'a path outside the context', sources: ['../secret'], dest: './', message: 'COPY source ../secret is outside the build context' },
    { name: 'several sources to a path without /', sources: ['README.md', 'pkg/package.json'], dest: 'x', message: 'COPY with several sources needs a destination ending in /' },
  ])('fails on $name', ({ sources, dest, message }) => {
    expect(() => copy(sources, dest)).toThrow(message);
  });
});

describe('StageFs', () => {
  it('resolves symlinks inside the image, absolute ones against the image root, and reads the base\'s users', () => {
    const fs = StageFs.create(tempDir('kprof-stage-'), baseImage('gcr.io/distroless/static-debian12:nonroot', 'test'));
    mkdirSync(join(fs.root, 'real', 'dir'), { recursive: true });
    symlinkSync('/real', join(fs.root, 'abs'));
    symlinkSync('real/dir', join(fs.root, 'rel'));
    expect(fs.resolve('/abs/dir/file')).toBe('/real/dir/file');
    expect(fs.resolve('/rel/../x')).toBe('/real/x');
    expect(fs.locate('/abs/dir')).toBe(join(fs.root, 'real', 'dir'));
    expect(fs.locate('/abs/missing')).toBeUndefined();
    // An empty base has no view of this machine's /usr.
    expect(fs.locate('/usr/bin/env')).toBeUndefined();
    expect(fs.user('nonroot')).toEqual({ uid: 65532, gid: 65532, home: '/home/nonroot' });
    expect(fs.user('65532:65532')).toEqual({ uid: 65532, gid: 65532, home: '/home/nonroot' });
    expect(fs.user('4242')).toEqual({ uid: 4242, gid: 0, home: '/' });
    expect(() => fs.user('node')).toThrow('user node is not in the image\'s /etc/passwd');
    expect(readFileSync(join(fs.root, 'etc', 'passwd'), 'utf8')).toMatch(/^nonroot:x:65532:65532::\/home\/nonroot:/m);
    expect(lstatSync(join(fs.root, 'home', 'nonroot')).uid).toBe(65532);
  });

  it('writes a Debian base\'s files into the stage layer, never into this machine\'s /etc', () => {
    const machinePasswd = readFileSync('/etc/passwd', 'utf8');
    const fs = StageFs.create(tempDir('kprof-stage-'), baseImage('node:20-bookworm-slim', 'test'));
    expect(fs.overlaid).toEqual(expect.arrayContaining(['usr', 'etc', 'var']));
    expect(fs.locate('/etc/passwd')).toBe(join(fs.upper('etc'), 'passwd'));
    expect(fs.user('node')).toEqual({ uid: 1000, gid: 1000, home: '/home/node' });
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(machinePasswd);
    // Read from below while the layer has no copy.
    expect(fs.locate('/usr/bin/env')).toBe('/usr/bin/env');
    expect(fs.locate('/usr/local/bin/docker-entrypoint.sh')).toBe(join(fs.upper('usr'), 'local', 'bin', 'docker-entrypoint.sh'));
  });
});
