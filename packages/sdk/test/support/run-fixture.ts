import { join, resolve } from 'node:path';
import { runProcess } from '@kprof/test-support';

export const SDK_DIST = resolve(__dirname, '../../dist/index.js');
// Fixtures run on this Node unless KPROF_TEST_NODE names another binary (e.g. a Node 24 to exercise CPED contexts).
const NODE = process.env.KPROF_TEST_NODE ?? process.execPath;
const FIXTURES = resolve(__dirname, '../fixtures');

/**
 * Runs `test/fixtures/<name>.cjs` in a fresh `node` (profiling in vitest's worker would be distorted by the runner),
 * with only PATH, HOME, the built SDK's path in KPROF_SDK_DIST, an output directory in OUT_DIR and `env` in its
 * environment. Returns the JSON the fixture prints as its last stdout line.
 */
export async function runFixture<T = Record<string, unknown>>(
  name: string,
  opts: { outDir: string; args?: string[]; env?: Record<string, string>; timeoutMs?: number; cwd?: string },
): Promise<T> {
  const { stdout, stderr, code, signal } = await runProcess(NODE, [join(FIXTURES, `${name}.cjs`), ...(opts.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KPROF_SDK_DIST: SDK_DIST, OUT_DIR: opts.outDir, ...opts.env },
    inheritEnv: false,
    timeoutMs: opts.timeoutMs ?? 20_000,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  if (code !== 0) throw new Error(`fixture ${name} exited with ${code ?? signal}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`fixture ${name} printed no JSON result\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}
