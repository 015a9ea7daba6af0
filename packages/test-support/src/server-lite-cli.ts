// server-lite's CLI as its own process, run from source (tsx) so a test never meets a stale dist/.
import { resolve } from 'node:path';
import { type RunningProcess, startProcess } from './child-process.js';

const SERVER_LITE_DIR = resolve(__dirname, '..', '..', 'server-lite');

/** A `kprof-server` process and the URL it listens on. */
export interface ServerLiteCli extends RunningProcess {
  readonly url: string;
}

/**
 * Starts `kprof-server --listen 127.0.0.1:0 <args>` with none of the `KPROF_CONFIG`,
 * `KPROF_LISTEN`, `KPROF_DATA_DIR` of this environment (plus `env`), and resolves once it says
 * where it listens. Killed when the test ends unless `stopWhenTestEnds` is false (see startProcess).
 */
export async function startServerLiteCli(
  args: readonly string[],
  { env = {}, stopWhenTestEnds = true }: { env?: NodeJS.ProcessEnv; stopWhenTestEnds?: boolean } = {},
): Promise<ServerLiteCli> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', resolve(SERVER_LITE_DIR, 'src', 'cli.ts'), '--listen', '127.0.0.1:0', ...args], {
    // --import tsx resolves from the working directory: server-lite has tsx among its devDependencies.
    cwd: SERVER_LITE_DIR,
    env: { KPROF_CONFIG: '', KPROF_LISTEN: '', KPROF_DATA_DIR: '', ...env },
    stopWhenTestEnds,
  });
  const [, url = ''] = await proc.waitFor(/kprof-server listening on (http:\/\/[\d.:]+)/, 60_000);
  return Object.assign(proc, { url });
}
