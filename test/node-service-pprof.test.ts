// Issue 5 acceptance against the example service itself: the real `go tool pprof` reads the Node
// service's /debug/pprof routes (admin port) while it is under load, and finds the hot TypeScript
// function and the retaining allocation site, with source-mapped .ts file names.
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runGoToolPprof, startLoad, startProcess, startProfileReceiver } from '@kprof/test-support';

const serviceMain = join(resolve(__dirname, '..'), 'examples/node-service/dist/main.js');

/** `go tool pprof <args>` (fetched profiles saved in a temp home): its stdout; throws with its output if it fails. */
async function goToolPprof(args: string[]): Promise<string> {
  const r = await runGoToolPprof(args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`go tool pprof ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe('go tool pprof against examples/node-service', () => {
  it('reads profile, heap and allocs from the admin port and lists the hot .ts function and the allocation site', async () => {
    const receiver = await startProfileReceiver();
    const svc = startProcess(process.execPath, [serviceMain], {
      env: { PORT: '0', ADMIN_PORT: '0', KPROF_SERVER_ADDRESS: receiver.url },
    });
    const [, port] = await svc.waitFor(/listening on http:\/\/localhost:(\d+)/);
    const [, adminPort] = await svc.waitFor(/pprof on http:\/\/127\.0\.0\.1:(\d+)/);
    const load = startLoad(`http://127.0.0.1:${port}`, ['/cpu?ms=20', '/alloc?kib=64'], { concurrency: 2 });
    onTestFinished(() => load.stop().then(() => undefined));
    const base = `http://127.0.0.1:${adminPort}/debug/pprof`;

    const cpu = await goToolPprof(['-top', '-lines', '-nodecount=30', `${base}/profile?seconds=3`]);
    expect(cpu).toMatch(/Type: cpu/);
    expect(cpu).toMatch(/burnCpu .*hot-paths\.ts:\d+/);

    for (const path of ['heap', 'allocs']) {
      const heap = await goToolPprof(['-top', '-lines', '-nodecount=30', '-sample_index=inuse_space', `${base}/${path}`]);
      expect(heap, path).toMatch(/recordBatch .*hot-paths\.ts:\d+/);
    }

    const served = await load.stop();
    expect(served.failed, served.errors.join('\n')).toBe(0);
    expect(await svc.stop('SIGTERM')).toBe(0);
  });
});
