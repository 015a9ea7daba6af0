// Real processes in tests: start one and wait for the line that says it is ready, or run one to
// completion and read what it printed. Started processes are killed when the test ends unless the
// caller owns them (a process shared by a file's tests, started in beforeAll).
import { type ChildProcess, spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';

/** Output kept for waitFor and failure messages: everything up to this size, then its start and its recent tail. */
const OUTPUT_KEEP_CHARS = 1_000_000;
const OUTPUT_HEAD_CHARS = 100_000;
const OUTPUT_TAIL_CHARS = 500_000;

/** Options of {@link startProcess} and {@link runProcess}. */
export interface ProcessOptions {
  /** Variables set for the child, over this process's environment (see `inheritEnv`). Default: none. */
  env?: NodeJS.ProcessEnv;
  /** Start from this process's environment. Default true; false gives the child `env` alone. */
  inheritEnv?: boolean;
  /** Working directory. Default: this process's. */
  cwd?: string;
}

function childEnv(opts: ProcessOptions): NodeJS.ProcessEnv {
  return opts.inheritEnv === false ? { ...opts.env } : { ...process.env, ...opts.env };
}

/** A process started by {@link startProcess}. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved (past 1 MB: the first 100 kB and the last 500 kB). */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects if the process exits first or after `timeoutMs` (default 30 s). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Sends `signal` (default SIGTERM) unless it has exited, and resolves with the exit code, or the
   * signal's name if a signal ended it. With `killAfterMs`, sends SIGKILL if it is still running then.
   */
  stop(signal?: NodeJS.Signals, opts?: { killAfterMs?: number }): Promise<number | string>;
  /** Resolves with the exit code (or signal name) when it exits. */
  readonly exited: Promise<number | string>;
}

/**
 * Spawns `cmd args` with stdout and stderr collected. By default it is killed (SIGKILL) when the
 * current test ends; pass `stopWhenTestEnds: false` to start one in `beforeAll` and stop it
 * yourself in `afterAll`.
 */
export function startProcess(cmd: string, args: readonly string[], opts: ProcessOptions & { stopWhenTestEnds?: boolean } = {}): RunningProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(opts), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    // The start holds the ready lines that waitFor may still be asked for; the tail, the recent failure.
    if (out.length > OUTPUT_KEEP_CHARS) out = out.slice(0, OUTPUT_HEAD_CHARS) + out.slice(-OUTPUT_TAIL_CHARS);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const running = (): boolean => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const l of listeners) l();
    });
    // A command that cannot be spawned (ENOENT) emits 'error' and never 'exit'.
    child.once('error', (err) => {
      out += `\n[${cmd} could not be started: ${err.message}]`;
      resolve('error');
      for (const l of listeners) l();
    });
  });
  const proc: RunningProcess = {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = (): void => {
          const m = out.match(re);
          if (m) {
            done();
            resolve(m);
          } else if (!running()) {
            done();
            reject(new Error(`${cmd} exited (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${cmd}: no ${re} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', { killAfterMs } = {}) {
      if (!running()) return exited;
      child.kill(signal);
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  if (opts.stopWhenTestEnds !== false) {
    onTestFinished(async () => {
      if (running()) {
        child.kill('SIGKILL');
        await exited;
      }
    });
  }
  return proc;
}

/** What {@link runProcess} returns. */
export interface ProcessResult {
  /** Exit code; null when a signal ended it (then `signal` is set). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` to completion and resolves with its exit status and output; a non-zero exit
 * resolves too (callers assert on `code`). After `timeoutMs` (default: none) it is sent SIGTERM.
 * Rejects only when the command cannot be started.
 */
export function runProcess(cmd: string, args: readonly string[], opts: ProcessOptions & { timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(opts), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close', not 'exit': the output streams are complete then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
    });
  });
}
