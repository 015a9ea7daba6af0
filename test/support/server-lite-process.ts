// server-lite as its own process, run from source (tsx) so a test never meets a stale dist/.
import { join, resolve } from 'node:path';
import { startProcess, type RunningProcess } from '@kprof/test-support';

const PACKAGE_DIR = resolve(__dirname, '..', '..', 'packages', 'server-lite');

export interface ServerLiteProcess {
  readonly url: string;
  readonly proc: RunningProcess;
}

/**
 * Starts `kprof-server --config <configFile> --data-dir <dataDir> --listen 127.0.0.1:0` with the
 * given extra environment and resolves once it says where it listens. The process is killed when
 * the test ends unless `stopWhenTestEnds` is false (see startProcess).
 */
export async function startServerLiteProcess(
  configFile: string,
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  { stopWhenTestEnds = true } = {},
): Promise<ServerLiteProcess> {
  const proc = startProcess(process.execPath, ['--import', 'tsx', join(PACKAGE_DIR, 'src', 'cli.ts'), '--config', configFile, '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    // --import tsx resolves from the working directory: server-lite has tsx among its devDependencies.
    cwd: PACKAGE_DIR,
    env: { KPROF_CONFIG: '', KPROF_LISTEN: '', KPROF_DATA_DIR: '', ...env },
    stopWhenTestEnds,
  });
  const [, url = ''] = await proc.waitFor(/kprof-server listening on (http:\/\/[\d.:]+)/, 60_000);
  return { url, proc };
}
