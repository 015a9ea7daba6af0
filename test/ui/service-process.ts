// A long-running child process for suites that share it across tests (started in beforeAll,
// so support/processes.ts, which ties cleanup to one test, does not fit): wait for the line
// that says it listens, keep its output for failure messages, stop it in afterAll.
import { type ChildProcess, spawn } from 'node:child_process';

/** A started service. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the first match of `re` in stdout+stderr; rejects if the process exits or `timeoutMs` passes first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s); resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `cmd args` with `env` (merged over this process's environment). */
export function startService(cmd: string, args: string[], env: Record<string, string> = {}): ServiceProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    // Bounded: only the start (listen lines) and a recent tail matter.
    out = out.length > 200_000 ? out.slice(0, 100_000) + out.slice(-50_000) : out;
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); for (const l of listeners) l(); }));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const done = (): void => { clearTimeout(timer); listeners.delete(check); };
        const check = (): void => {
          const m = out.match(re);
          if (m) { done(); resolve(m); } else if (!running()) { done(); reject(new Error(`${cmd} exited before printing ${re}:\n${out}`)); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`${cmd}: no ${re} within ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 5_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
