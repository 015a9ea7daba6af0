import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GO_SERVICE = join(__dirname, '..', '..', '..', '..', 'examples', 'go-service');

/** A running examples/go-service process. */
export interface GoService {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Calls `/alloc?kib=<kib>` `times` times (each allocation is retained by the service). */
  alloc(times: number, kib: number): Promise<void>;
  /** Fetches `path` (e.g. `/debug/pprof/heap?gc=1`) into `dir/file`; returns the file path. */
  save(path: string, file: string): Promise<string>;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Builds examples/go-service into `dir` and starts it on a free loopback port. */
export async function startGoService(dir: string): Promise<GoService> {
  const bin = join(dir, 'go-service');
  await run('go', ['build', '-o', bin, '.'], { cwd: GO_SERVICE, env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const child: ChildProcess = spawn(bin, ['-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`go-service exited with ${String(code)}: ${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The service prints its address once it listens.
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
  });
  child.removeAllListeners('exit');
  const check = (res: Response, path: string): void => {
    if (res.status !== 200) throw new Error(`go-service ${path} answered ${res.status}`);
  };
  return {
    url,
    async alloc(times, kib) {
      for (let i = 0; i < times; i++) {
        const res = await fetch(`${url}/alloc?kib=${kib}`);
        check(res, '/alloc');
        await res.arrayBuffer();
      }
    },
    async save(path, file) {
      const res = await fetch(`${url}${path}`);
      check(res, path);
      const target = join(dir, file);
      writeFileSync(target, Buffer.from(await res.arrayBuffer()));
      return target;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}
