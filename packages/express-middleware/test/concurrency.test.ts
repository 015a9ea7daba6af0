// One on-demand CPU profile at a time (Go's 500 for the second), heap request limit, and the host keeps serving.
import { describe, expect, it, onTestFinished } from 'vitest';
import { decodeGzippedProfile, startLoad } from '@kprof/test-support';
import { request } from './support/http.js';
import { useNodeApp } from './support/processes.js';

const app = useNodeApp();

describe('concurrent profile requests', () => {
  it('two profile requests: one profile, one quick 500 "already in use"; traffic keeps flowing', async () => {
    const load = startLoad(app.origin, ['/ping'], { concurrency: 2 });
    onTestFinished(() => load.stop().then(() => undefined));
    const settledAt: number[] = [];
    const ask = () =>
      request(`${app.origin}/debug/pprof/profile?seconds=2`).then((a) => {
        settledAt.push(Date.now());
        return a;
      });
    const answers = await Promise.all([ask(), ask()]);
    const served = await load.stop();
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 500);
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(1);
    expect(busy[0]!.body.toString()).toBe('Could not enable CPU profiling: cpu profiling already in use\n');
    expect(busy[0]!.headers['x-go-pprof']).toBe('1');
    // The refusal came first, not after the other profile finished.
    expect(settledAt[0]).toBeLessThan(settledAt[1]!);
    expect(decodeGzippedProfile(ok[0]!.body).sample.length).toBeGreaterThan(0);
    expect(served.unanswered, served.errors.join('\n')).toBe(0);
    expect([...served.byStatus.keys()]).toEqual([200]);
    expect(served.byStatus.get(200)).toBeGreaterThan(10);
  });

  it('heap requests over maxConcurrentHeapRequests (2) get 429 with the option named', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => request(`${app.origin}/debug/pprof/heap?seconds=1`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.toString()).toMatch(/limit 2.*maxConcurrentHeapRequests/);
    expect(refused.headers['x-go-pprof']).toBe('1');
    // Slots are released: a later request is served.
    expect((await request(`${app.origin}/debug/pprof/heap`)).status).toBe(200);
  });
});
