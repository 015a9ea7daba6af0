import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const FIXTURE_APP = resolve(__dirname, '../fixtures/pprof-app.cjs');
export const GO_FIXTURE_DIR = resolve(__dirname, '../../../../test/go-pprof-fixture');

export interface Running {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/** Spawns `cmd` and resolves once it prints `listening http://HOST:PORT` on stdout. */
export function spawnListening(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolveRunning, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^listening (http:\/\/\S+)$/.exec(line);
      if (m) resolveRunning({ origin: m[1]!, child, close });
    });
    child.once('exit', (code, signal) => reject(new Error(`${cmd} exited (${code ?? signal}) before listening:\n${stderr}`)));
    child.once('error', reject);
  });
}

/** Builds the Go fixture into a fresh temp dir; returns the binary and a cleanup. */
export function buildGoFixture(): { binary: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kprof-go-fixture-'));
  const binary = join(dir, 'go-pprof-fixture');
  const r = spawnSync('go', ['build', '-o', binary, '.'], { cwd: GO_FIXTURE_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build of the pprof fixture failed:\n${r.stderr}`);
  return { binary, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `go version` → [major, minor], e.g. [1, 19]. */
export function goVersion(): [number, number] {
  const out = spawnSync('go', ['version'], { encoding: 'utf8' }).stdout;
  const m = /go(\d+)\.(\d+)/.exec(out);
  if (!m) throw new Error(`cannot read go version from ${JSON.stringify(out)}`);
  return [Number(m[1]), Number(m[2])];
}

/** Runs the Node fixture app (see fixtures/pprof-app.cjs). */
export function startNodeApp(env: NodeJS.ProcessEnv = {}): Promise<Running> {
  return spawnListening(process.execPath, [FIXTURE_APP], env);
}
