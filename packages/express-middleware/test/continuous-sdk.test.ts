// With the SDK pushing continuously, an on-demand profile?seconds=10 is cut from the same profiler: both it and the
// pushed profiles of that window contain the hot function, and the pushed stream stays contiguous (no lost window).
import type { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { decodeGzippedProfile, inclusiveTotal, sampleTypeNames, startLoad, startProfileReceiver, type ProfileReceiver } from '@kprof/test-support';
import { request } from './support/http.js';
import { startNodeApp, type Running } from './support/processes.js';

interface Push { from: number; until: number; profile: Profile }

let receiver: ProfileReceiver;
let app: Running;

beforeAll(async () => {
  receiver = await startProfileReceiver({ closeWhenTestEnds: false });
  app = await startNodeApp({
    KPROF_FIXTURE_PUSH_URL: receiver.url,
    KPROF_FIXTURE_UPLOAD_MS: '2000',
  });
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

describe('pprofRouter with the SDK running continuously', () => {
  it('profile?seconds=10 and the pushed profiles of that window both contain the hot function; no pushed window lost', async () => {
    const load = startLoad(app.origin, ['/work/cpu'], { concurrency: 2 });
    onTestFinished(() => load.stop().then(() => undefined));
    const startS = Math.floor(Date.now() / 1000);
    const answer = await request(`${app.origin}/debug/pprof/profile?seconds=10`);
    const served = await load.stop();
    const endS = Math.ceil(Date.now() / 1000);
    expect(served.unanswered, served.errors.join('\n')).toBe(0);
    expect(answer.status).toBe(200);
    const onDemand = decodeGzippedProfile(answer.body);
    expect(inclusiveTotal(onDemand, 'burnCpuHot')).toBeGreaterThan(100);

    const timePushes = (): Push[] => receiver.pushes
      .filter((p) => sampleTypeNames(p.profile).includes('wall'))
      .map((p) => ({ from: Number(p.query.get('from')), until: Number(p.query.get('until')), profile: p.profile }))
      .sort((a, b) => a.from - b.from);
    await expect.poll(() => timePushes().at(-1)?.until ?? 0, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(endS);
    const stream = timePushes();
    for (let i = 1; i < stream.length; i++) expect(stream[i]!.from, `push ${i} starts where push ${i - 1} ended`).toBe(stream[i - 1]!.until);
    const inWindow = stream.filter((p) => p.from >= startS && p.until <= endS);
    expect(inWindow.length).toBeGreaterThanOrEqual(3);
    for (const p of inWindow) expect(inclusiveTotal(p.profile, 'burnCpuHot'), `push ${p.from}..${p.until}`).toBeGreaterThan(0);
  });
});
