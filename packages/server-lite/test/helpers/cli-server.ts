import { join } from 'node:path';
import { type RunningProcess, startProcess } from '@kprof/test-support';

const CLI = join(__dirname, '..', '..', 'src', 'cli.ts');

/** A `kprof-server` child process and the URL it listens on. */
export interface CliServer extends RunningProcess {
  readonly url: string;
}

/**
 * Starts the real CLI (from source through tsx) on a free loopback port with `args` after it,
 * no `KPROF_CONFIG` from the environment, and resolves once it prints its URL. Killed when the
 * test ends.
 */
export async function startCliServer(args: readonly string[]): Promise<CliServer> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', CLI, '--listen', '127.0.0.1:0', ...args], { env: { KPROF_CONFIG: '' } });
  const m = await proc.waitFor(/listening on (http:\/\/\S+)/);
  return Object.assign(proc, { url: m[1]! });
}
