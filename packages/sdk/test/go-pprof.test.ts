import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGoToolPprof, tempDir } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

/** `go tool pprof -top` of `file`: exit code and everything it printed. */
async function goToolPprofTop(file: string, extra: string[] = []): Promise<{ code: number | null; out: string }> {
  const r = await runGoToolPprof([...extra, '-top', file], { timeoutMs: 20_000 });
  return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
}

describe('go tool pprof reads what the SDK encodes', () => {
  it('time and heap profiles: exit 0 and the hot function / allocation site appear', async () => {
    const outDir = tempDir('kprof-sdk-go-pprof-');
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
