import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile, tempDir, totalsByLabel } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

describe('labels on Node 20 (async-hook context restore)', () => {
  it('labels a hot function by its own route while another route runs concurrently across awaits', async () => {
    const outDir = tempDir('kprof-sdk-labels-');
    const result = await runFixture<{ contextMode: string; nodeMajor: number; stats: { time: { contextPushes: number } } }>(
      'labels-concurrent', { outDir, args: ['3000'] });
    const profile = readProfile(join(outDir, 'time.pb.gz'));
    const a = totalsByLabel(profile, 'hotRouteA', 'route');
    const b = totalsByLabel(profile, 'hotRouteB', 'route');
    const total = (o: Record<string, number>): number => Object.values(o).reduce((x, y) => x + y, 0);
    // Enough samples for the ratio to mean something (100 Hz over ~3 s, shared by two routes).
    expect(total(a)).toBeGreaterThan(40);
    expect(total(b)).toBeGreaterThan(40);
    expect((a['GET /a'] ?? 0) / total(a)).toBeGreaterThanOrEqual(0.95);
    expect((b['GET /b'] ?? 0) / total(b)).toBeGreaterThanOrEqual(0.95);
    // Node 20/22: the async hook pushed contexts; Node >= 24 (AsyncContextFrame): the engine's CPED mode, no pushes.
    if (result.nodeMajor < 24) {
      expect(result.contextMode).toBe('global');
      expect(result.stats.time.contextPushes).toBeGreaterThan(0);
    } else {
      expect(result.contextMode).toBe('cped');
      expect(result.stats.time.contextPushes).toBe(0);
    }
  });
});
