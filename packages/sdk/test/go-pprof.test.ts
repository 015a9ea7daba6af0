import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFixture, tempDir } from './support/run-fixture.js';

function goToolPprofTop(file: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('go', ['tool', 'pprof', ...extra, '-top', file], { timeout: 20_000, env: { ...process.env, PPROF_TMPDIR: join(file, '..') } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` }));
  });
}

describe('go tool pprof reads what the SDK encodes', () => {
  it('time and heap profiles: exit 0 and the hot function / allocation site appear', async () => {
    const outDir = tempDir('go-pprof');
    await runFixture('heap-retained', { outDir });

    const time = await goToolPprofTop(join(outDir, 'time.pb.gz'));
    expect(time.code, time.out).toBe(0);
    expect(time.out).toMatch(/Type: cpu/);
    expect(time.out).toMatch(/\bburnCpu\b/);
    const wall = await goToolPprofTop(join(outDir, 'time.pb.gz'), ['-sample_index=wall']);
    expect(wall.code, wall.out).toBe(0);
    expect(wall.out).toMatch(/\bburnCpu\b/);

    const heap = await goToolPprofTop(join(outDir, 'heap.pb.gz'));
    expect(heap.code, heap.out).toBe(0);
    expect(heap.out).toMatch(/Type: inuse_space/);
    expect(heap.out).toMatch(/\bretainLargeObjects\b/);
  });
});
