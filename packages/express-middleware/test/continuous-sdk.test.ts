// With the SDK pushing continuously, an on-demand profile?seconds=10 is cut from the same profiler: both it and the
// pushed profiles of that window contain the hot function, and the pushed stream stays contiguous (no lost window).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, request } from './support/http.js';
import { startNodeApp, type Running } from './support/processes.js';

interface Push { from: number; until: number; profile: Profile }

const pushes: Push[] = [];
const receiver = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ingest') {
      pushes.push({ from: Number(url.searchParams.get('from')), until: Number(url.searchParams.get('until')), profile: Profile.decode(gunzipSync(Buffer.concat(chunks))) });
    }
    res.end();
  });
});
let app: Running;

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  app = await startNodeApp({
    KPROF_FIXTURE_PUSH_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    KPROF_FIXTURE_UPLOAD_MS: '2000',
  });
});
afterAll(async () => {
  await app?.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

function typeNames(p: Profile): string[] {
  return p.sampleType.map((t) => p.stringTable.strings[Number(t.type)] ?? '');
}

/** Samples (first value) of stacks containing `fn`. */
function samplesIn(p: Profile, fn: string): number {
  const s = p.stringTable.strings;
  const fnIds = new Set(p.function.filter((f) => s[Number(f.name)] === fn).map((f) => String(f.id)));
  const locIds = new Set(p.location.filter((l) => l.line.some((ln) => fnIds.has(String(ln.functionId)))).map((l) => String(l.id)));
  return p.sample.filter((smp) => smp.locationId.some((id) => locIds.has(String(id)))).reduce((a, smp) => a + Number(smp.value[0] ?? 0), 0);
}

describe('pprofRouter with the SDK running continuously', () => {
  it('profile?seconds=10 and the pushed profiles of that window both contain the hot function; no pushed window lost', async () => {
    const load = new AbortController();
    const driving = drive(`${app.origin}/work/cpu`, 2, load.signal);
    const startS = Math.floor(Date.now() / 1000);
    let answer;
    try {
      answer = await request(`${app.origin}/debug/pprof/profile?seconds=10`);
    } finally {
      load.abort();
    }
    const endS = Math.ceil(Date.now() / 1000);
    await driving;
    expect(answer.status).toBe(200);
    const onDemand = Profile.decode(gunzipSync(answer.body));
    expect(samplesIn(onDemand, 'burnCpuHot')).toBeGreaterThan(100);

    const timePushes = (): Push[] => pushes.filter((p) => typeNames(p.profile).includes('wall')).sort((a, b) => a.from - b.from);
    await expect.poll(() => timePushes().at(-1)?.until ?? 0, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(endS);
    const stream = timePushes();
    for (let i = 1; i < stream.length; i++) expect(stream[i]!.from, `push ${i} starts where push ${i - 1} ended`).toBe(stream[i - 1]!.until);
    const inWindow = stream.filter((p) => p.from >= startS && p.until <= endS);
    expect(inWindow.length).toBeGreaterThanOrEqual(3);
    for (const p of inWindow) expect(samplesIn(p.profile, 'burnCpuHot'), `push ${p.from}..${p.until}`).toBeGreaterThan(0);
  });
});
