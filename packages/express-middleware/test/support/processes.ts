import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startProcess } from '@kprof/test-support';

export const FIXTURE_APP = resolve(__dirname, '../fixtures/pprof-app.cjs');
export const GO_FIXTURE_DIR = resolve(__dirname, '../../../../test/go-pprof-fixture');

/** A server process shared by a file's tests. */
export interface Running {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** SIGTERM; resolves once it has exited. */
  close(): Promise<void>;
}

/** Spawns `cmd` (with `env` over this environment) and resolves once it prints `listening http://HOST:PORT`; stop it with `close()`. */
export async function spawnListening(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const proc = startProcess(cmd, args, { env, stopWhenTestEnds: false });
  const [, origin] = await proc.waitFor(/^listening (http:\/\/\S+)$/m, 60_000);
  return {
    origin: origin!,
    close: async () => {
      await proc.stop();
    },
  };
}

/** Runs the Node fixture app (see fixtures/pprof-app.cjs). */
export function startNodeApp(env: NodeJS.ProcessEnv = {}): Promise<Running> {
  return spawnListening(process.execPath, [FIXTURE_APP], env);
}

/** The fixture app for all tests of a file: started in beforeAll, closed in afterAll. Read `origin` inside tests. */
export function useNodeApp(): { readonly origin: string } {
  let app: Running | undefined;
  beforeAll(async () => {
    app = await startNodeApp();
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    get origin(): string {
      if (app === undefined) throw new Error('the fixture app is not running (read origin inside a test)');
      return app.origin;
    },
  };
}
