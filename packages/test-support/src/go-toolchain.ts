// The installed Go toolchain, as the tests use it: build a Go program from source, read the Go
// version, and run `go tool pprof` without it writing into the real home directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProcessResult, runProcess } from './child-process.js';

/**
 * Runs `go build -o <outFile> .` in `sourceDir` (a Go main package) with `env` over this
 * process's environment; resolves with `outFile`, or rejects with the compiler's output.
 */
export async function buildGoProgram(sourceDir: string, outFile: string, { env = {} }: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await runProcess('go', ['build', '-o', outFile, '.'], { cwd: sourceDir, env });
  if (r.code !== 0) throw new Error(`go build in ${sourceDir} failed (${r.code ?? r.signal}):\n${r.stderr}${r.stdout}`);
  return outFile;
}

/** The installed Go's `[major, minor]`, e.g. `[1, 19]` for go1.19.8. */
export function goVersion(): [number, number] {
  const out = spawnSync('go', ['version'], { encoding: 'utf8' }).stdout;
  const m = /go(\d+)\.(\d+)/.exec(out);
  if (!m) throw new Error(`cannot read go version from ${JSON.stringify(out)}`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * Runs `go tool pprof <args>` and resolves with its exit status and output, whatever the status.
 * `go tool pprof` saves fetched profiles under `$HOME/pprof` (or `$PPROF_TMPDIR`): both point at
 * `home` when given, else at a temp dir removed afterwards. `timeoutMs` defaults to 60 s.
 */
export async function runGoToolPprof(args: readonly string[], { home, timeoutMs = 60_000 }: { home?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  const dir = home ?? mkdtempSync(join(tmpdir(), 'kprof-pprof-home-'));
  try {
    return await runProcess('go', ['tool', 'pprof', ...args], { env: { HOME: dir, PPROF_TMPDIR: dir }, timeoutMs });
  } finally {
    if (home === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
