import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/profiles.js';

const run = promisify(execFile);
const tmp = makeTempDir('kprof-cli-');
afterAll(() => tmp.cleanup());
const CLI = join(__dirname, '..', 'src', 'cli.ts');

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, KPROF_CONFIG: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kprof-server CLI', () => {
  it('refuses a bad config before listening, naming file, line and key', async () => {
    const file = join(tmp.dir, 'bad.yml');
    writeFileSync(file, 'listen: :4040\nstorage:\n  max-ages: 3d\n');
    const res = await cli(['--config', file, '--data-dir', join(tmp.dir, 'data')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${file}:3: storage.max-ages: unknown key`);
    expect(res.stdout).not.toContain('listening');
  });

  it('reads KPROF_CONFIG and rejects an unknown flag with usage', async () => {
    const file = join(tmp.dir, 'env.yml');
    writeFileSync(file, 'log-level: loud\n');
    expect((await cli([], { KPROF_CONFIG: file })).stderr).toContain('log-level: unknown level "loud"');
    const res = await cli(['--port', '1']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('usage: kprof-server');
  });
});
