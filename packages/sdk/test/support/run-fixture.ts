import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';

export const SDK_DIST = resolve(__dirname, '../../dist/index.js');
// Fixtures run on this Node unless KPROF_TEST_NODE names another binary (e.g. a Node 24 to exercise CPED contexts).
const NODE = process.env.KPROF_TEST_NODE ?? process.execPath;
const FIXTURES = resolve(__dirname, '../fixtures');

/** A temp directory removed when the test ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kprof-sdk-${prefix}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `test/fixtures/<name>.cjs` in a fresh `node` (profiling in vitest's worker would be distorted by the runner),
 * with the built SDK's path in KPROF_SDK_DIST and an output directory in OUT_DIR. Returns the JSON the fixture prints
 * as its last stdout line.
 */
export async function runFixture<T = Record<string, unknown>>(
  name: string,
  opts: { outDir: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number; cwd?: string },
): Promise<T> {
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((done) => {
    execFile(
      NODE,
      [join(FIXTURES, `${name}.cjs`), ...(opts.args ?? [])],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KPROF_SDK_DIST: SDK_DIST, OUT_DIR: opts.outDir, ...opts.env },
        timeout: opts.timeoutMs ?? 20_000,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, out, errOut) => done({ stdout: out, stderr: errOut, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
  if (code !== 0) throw new Error(`fixture ${name} exited with ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`fixture ${name} printed no JSON result\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}
