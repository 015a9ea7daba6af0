import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How to start a worker thread: a file, or code to eval. */
export interface WorkerEntry {
  readonly filename: string;
  readonly eval: boolean;
}

/**
 * The entry of worker module `name` in `dir` (the caller's `__dirname`): the built `.js` file, or,
 * when running from the TypeScript sources (the test suite), the `.ts` file loaded through tsx.
 */
export function workerEntry(dir: string, name: string): WorkerEntry {
  const js = join(dir, `${name}.js`);
  if (existsSync(js)) return { filename: js, eval: false };
  const ts = join(dir, `${name}.ts`);
  const tsx = require.resolve('tsx/cjs');
  return { filename: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(ts)});`, eval: true };
}
