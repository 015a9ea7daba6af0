import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBuilt } from './build-before-test.js';
import { tempDir } from './temp-dir.js';

/** A package dir with src/a.ts, src/a.test.ts and (unless `built` is null) dist/index.mjs, each with its mtime in seconds. */
function fakePackage(mtimes: { source: number; test: number; built: number | null }): string {
  const dir = tempDir('kprof-build-before-test-');
  mkdirSync(join(dir, 'src', 'nested'), { recursive: true });
  const file = (path: string, s: number): void => {
    writeFileSync(join(dir, path), '');
    utimesSync(join(dir, path), s, s);
  };
  file('src/nested/a.ts', mtimes.source);
  file('src/a.test.ts', mtimes.test);
  if (mtimes.built !== null) {
    mkdirSync(join(dir, 'dist'));
    file('dist/index.mjs', mtimes.built);
  }
  return dir;
}

describe('isBuilt', () => {
  it.each([
    { name: 'build newer than sources', mtimes: { source: 100, test: 100, built: 200 }, stale: true, missing: true },
    { name: 'a source newer than the build', mtimes: { source: 300, test: 100, built: 200 }, stale: false, missing: true },
    { name: 'only a test file newer', mtimes: { source: 100, test: 300, built: 200 }, stale: true, missing: true },
    { name: 'no build', mtimes: { source: 100, test: 100, built: null }, stale: false, missing: false },
  ])('$name', ({ mtimes, stale, missing }) => {
    const dir = fakePackage(mtimes);
    expect({ stale: isBuilt(dir, 'stale'), missing: isBuilt(dir, 'missing') }).toEqual({ stale, missing });
  });
});
