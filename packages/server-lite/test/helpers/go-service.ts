import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGoProgram, startProcess } from '@kprof/test-support';

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

/** Builds examples/go-service into `dir` and starts it on a free loopback port; the caller stops it (e.g. in afterAll). */
export async function startGoService(dir: string): Promise<GoService> {
  const bin = await buildGoProgram(GO_SERVICE, join(dir, 'go-service'), { env: { GOFLAGS: '-mod=mod' } });
  const proc = startProcess(bin, ['-listen', '127.0.0.1:0'], { stopWhenTestEnds: false });
  // The service prints its address once it listens.
  const [, url] = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
  const check = (res: Response, path: string): void => {
    if (res.status !== 200) throw new Error(`go-service ${path} answered ${res.status}`);
  };
  return {
    url: url!,
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
      await proc.stop();
    },
  };
}
