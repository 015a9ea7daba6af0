// Temporary directories for tests: one per test that removes itself, or one a whole file shares.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * Creates a directory under the OS temp dir (`<tmpdir>/<prefix>XXXXXX`, e.g. prefix `kprof-push-`)
 * and removes it, with everything in it, when the current test ends. Call it inside a test.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temp dir that outlives single tests (create it at file level or in `beforeAll`); `cleanup` removes it. */
export interface SharedTempDir {
  readonly dir: string;
  cleanup(): void;
}

/** Creates `<tmpdir>/<prefix>XXXXXX` for a whole test file; call `cleanup()` in `afterAll`. */
export function makeTempDir(prefix: string): SharedTempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
