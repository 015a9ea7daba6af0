// Route labels in real time profiles: two routes that await and then burn CPU in different functions, under
// concurrent load on both; the samples of each hot function carry its own route's template label.
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, request } from './support/http.js';
import { startNodeApp, type Running } from './support/processes.js';

let app: Running;
beforeAll(async () => {
  app = await startNodeApp();
});
afterAll(async () => {
  await app?.close();
});

/** Sample count (first sample type) of stacks containing one of `fnNames`, by value of label `route` ('' = unlabelled). */
function samplesByRoute(p: Profile, fnNames: readonly string[]): Record<string, number> {
  const s = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [String(f.id), s[Number(f.name)]]));
  const locs = new Map(p.location.map((l) => [String(l.id), l.line.map((ln) => fns.get(String(ln.functionId)))]));
  const out: Record<string, number> = {};
  for (const smp of p.sample) {
    if (!smp.locationId.some((id) => locs.get(String(id))?.some((name) => name !== undefined && fnNames.includes(name)))) continue;
    const label = smp.label.find((l) => s[Number(l.key)] === 'route');
    const key = label ? (s[Number(label.str)] ?? '') : '';
    out[key] = (out[key] ?? 0) + Number(smp.value[0] ?? 0);
  }
  return out;
}

describe('profileRoutes labels', () => {
  it('>= 95% of each hot function\'s samples carry its own route template', async () => {
    const load = new AbortController();
    const driving = [drive(`${app.origin}/a/1`, 3, load.signal), drive(`${app.origin}/b/2`, 3, load.signal)];
    let answer;
    try {
      answer = await request(`${app.origin}/debug/pprof/profile?seconds=3`);
    } finally {
      load.abort();
    }
    const counts = await Promise.all(driving);
    expect(answer.status).toBe(200);
    const profile = Profile.decode(gunzipSync(answer.body));
    const context = `requests ${JSON.stringify(counts.map((c) => Object.fromEntries(c)))}, ${profile.sample.length} samples, functions ${profile.function
      .map((f) => profile.stringTable.strings[Number(f.name)])
      .join(' ')}`;
    // Each route's own code: the function it burns CPU in and its handler (V8 sometimes puts the hot function's
    // samples on the handler's frame; see go-tool-pprof.test.ts).
    for (const [fn, route] of [[['burnRouteA', 'handleRouteA'], 'GET /a/:id'], [['burnRouteB', 'handleRouteB'], 'GET /b/:id']] as const) {
      const byRoute = samplesByRoute(profile, fn);
      const total = Object.values(byRoute).reduce((a, b) => a + b, 0);
      expect(total, `${fn}: ${JSON.stringify(byRoute)}; ${context}`).toBeGreaterThan(20);
      expect((byRoute[route] ?? 0) / total, `${fn}: ${JSON.stringify(byRoute)}`).toBeGreaterThanOrEqual(0.95);
    }
  });
});
