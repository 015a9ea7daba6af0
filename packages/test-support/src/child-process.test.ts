import { describe, expect, it } from 'vitest';
import { runProcess, startProcess } from './child-process.js';

const node = process.execPath;

describe('startProcess', () => {
  it('waits for a line, keeps the output, and stops with the exit status', async () => {
    const p = startProcess(node, ['-e', 'console.log("ready on " + process.env.GREETING_PORT); setInterval(() => {}, 1000)'], { env: { GREETING_PORT: '4711' } });
    const [, port] = await p.waitFor(/ready on (\d+)/);
    expect(port).toBe('4711');
    expect(p.output()).toBe('ready on 4711\n');
    expect(await p.stop()).toBe('SIGTERM');
  });

  it('rejects waitFor when the process exits first, with its output', async () => {
    const p = startProcess(node, ['-e', 'console.error("boom"); process.exit(3)']);
    await expect(p.waitFor(/never/)).rejects.toThrow(/exited \(3\) before printing \/never\/:\nboom/);
    expect(await p.exited).toBe(3);
  });

  it('rejects waitFor for a command that cannot start', async () => {
    const p = startProcess('/nonexistent/kprof-binary', []);
    await expect(p.waitFor(/x/)).rejects.toThrow(/exited/);
    expect(await p.exited).toBe('error');
  });

  it('escalates to SIGKILL after killAfterMs when SIGTERM is ignored', async () => {
    const p = startProcess(node, ['-e', 'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000)']);
    await p.waitFor(/up/);
    expect(await p.stop('SIGTERM', { killAfterMs: 200 })).toBe('SIGKILL');
  });
});

describe('runProcess', () => {
  it.each([
    { name: 'success', script: 'process.stdout.write("out"); process.stderr.write("err")', want: { code: 0, signal: null, stdout: 'out', stderr: 'err' } },
    { name: 'failure resolves too', script: 'process.exit(2)', want: { code: 2, signal: null, stdout: '', stderr: '' } },
  ])('$name', async ({ script, want }) => {
    expect(await runProcess(node, ['-e', script])).toEqual(want);
  });

  it('gives the child only `env` when inheritEnv is false', async () => {
    const r = await runProcess(node, ['-e', 'console.log(JSON.stringify(Object.keys(process.env).sort()))'], { env: { ONLY: '1' }, inheritEnv: false });
    expect(JSON.parse(r.stdout)).toEqual(['ONLY']);
  });

  it('ends a process that outlives timeoutMs', async () => {
    expect(await runProcess(node, ['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 200 })).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});
