// Route labels in real time profiles: two routes that await and then burn CPU in different functions, under
// concurrent load on both; the samples of each hot function carry its own route's template label.
import { describe, expect, it, onTestFinished } from 'vitest';
import { decodeGzippedProfile, startLoad, totalsByLabel } from '@kprof/test-support';
import { request } from './support/http.js';
import { useNodeApp } from './support/processes.js';

const app = useNodeApp();

describe('profileRoutes labels', () => {
  it('>= 95% of each hot function\'s samples carry its own route template', async () => {
    const loads = [startLoad(app.origin, ['/a/1'], { concurrency: 3 }), startLoad(app.origin, ['/b/2'], { concurrency: 3 })];
    onTestFinished(() => Promise.all(loads.map((l) => l.stop())).then(() => undefined));
    const answer = await request(`${app.origin}/debug/pprof/profile?seconds=3`);
    const served = await Promise.all(loads.map((l) => l.stop()));
    for (const s of served) expect(s.unanswered, s.errors.join('\n')).toBe(0);
    expect(answer.status).toBe(200);
    const profile = decodeGzippedProfile(answer.body);
    const context = `requests ${JSON.stringify(served.map((s) => Object.fromEntries(s.byStatus)))}, ${profile.sample.length} samples, functions ${profile.function
      .map((f) => profile.stringTable.strings[Number(f.name)])
      .join(' ')}`;
    // Each route's own code: the function it burns CPU in and its handler (V8 sometimes puts the hot function's
    // samples on the handler's frame; see go-tool-pprof.test.ts).
    for (const [fn, route] of [[['burnRouteA', 'handleRouteA'], 'GET /a/:id'], [['burnRouteB', 'handleRouteB'], 'GET /b/:id']] as const) {
      const byRoute = totalsByLabel(profile, fn, 'route');
      const total = Object.values(byRoute).reduce((a, b) => a + b, 0);
      expect(total, `${fn}: ${JSON.stringify(byRoute)}; ${context}`).toBeGreaterThan(20);
      expect((byRoute[route] ?? 0) / total, `${fn}: ${JSON.stringify(byRoute)}`).toBeGreaterThanOrEqual(0.95);
    }
  });
});
