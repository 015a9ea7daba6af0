import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inclusiveTotal, readProfile, sampleTypes, tempDir } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

describe('collectHeapProfile', () => {
  it('shows a retained allocation site with in-use types, and refuses while sampling is off', async () => {
    const outDir = tempDir('kprof-sdk-heap-');
    const r = await runFixture<{ offError: unknown; heapStats: Record<string, unknown> }>('heap-retained', { outDir });
    expect(r.offError).toEqual({ name: 'ConflictError', code: 'KPROF_HEAP_SAMPLING_OFF' });
    expect(r.heapStats).toMatchObject({ sampling: true, intervalBytes: 32 * 1024, stackDepth: 64, snapshots: 1 });
    const p = readProfile(join(outDir, 'heap.pb.gz'));
    expect(sampleTypes(p)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    const s = p.stringTable.strings;
    expect(s[Number(p.periodType?.type)]).toBe('inuse_space');
    expect(Number(p.period)).toBe(32 * 1024);
    // ~60k objects of >=600 bytes each were retained by this function: well over 10 MiB of sampled in-use space.
    expect(inclusiveTotal(p, 'retainLargeObjects', 1)).toBeGreaterThan(10 * 1024 * 1024);
    expect(inclusiveTotal(p, 'retainLargeObjects', 0)).toBeGreaterThan(1_000);
  });
});
