// The hostile growth requests of the storage issue against a real server with low limits: what
// could grow the store for good is refused with its code or stored within the application's
// limits, other applications keep being stored, and the server stays healthy.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { afterAll, describe, expect, it } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { makeTempDir } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-limits-');
afterAll(() => tmp.cleanup());
const nowS = Math.floor(Date.now() / 1000);
const range = { from: String(nowS - 10), until: String(nowS) };

/** A CPU pprof of `sets` samples on main.main, each with its own label set of `labels` labels of `valueBytes`. */
function labelledPprof(sets: number, labels: number, valueBytes: number, tag: string): Uint8Array {
  const st = new StringTable();
  const fn = new PprofFunction({ id: 1, name: st.dedup('main.main'), systemName: st.dedup('main.main'), filename: st.dedup('main.go') });
  return new Profile({
    sampleType: [new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    period: 10_000_000,
    function: [fn],
    location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 1 })] })],
    sample: Array.from(
      { length: sets },
      (_, i) =>
        new Sample({
          locationId: [1],
          value: [10_000_000],
          label: Array.from({ length: labels }, (_v, k) => new Label({ key: st.dedup(`l${k}`), str: st.dedup(`${tag}${i}-${k}-`.padEnd(valueBytes, 'x')) })),
        }),
    ),
    stringTable: st,
  }).encode();
}

/** A pprof whose 16 functions have 65,000-character names and that has no samples. */
function namesOnlyPprof(): Uint8Array {
  const st = new StringTable();
  const fns = Array.from({ length: 16 }, (_, i) => new PprofFunction({ id: i + 1, name: st.dedup(`f${i}`.padEnd(65_000, 'y')), filename: st.dedup('x.go') }));
  return new Profile({
    sampleType: [new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    function: fns,
    location: fns.map((f) => new Location({ id: f.id, line: [new Line({ functionId: f.id, line: 1 })] })),
    stringTable: st,
  }).encode();
}

/** Folded text of `stacks` stacks `depth` frames deep, every stack a path of its own from the root. */
function distinctStacks(stacks: number, depth: number, tag: string): string {
  const lines: string[] = [];
  for (let s = 0; s < stacks; s++) lines.push(`${Array.from({ length: depth }, (_, d) => `${tag}${s}_${d}`).join(';')} 1`);
  return `${lines.join('\n')}\n`;
}

async function code(res: Promise<{ status: number; text: string }>): Promise<[number, string | undefined]> {
  const r = await res;
  return [r.status, r.status === 200 ? undefined : (JSON.parse(r.text) as { code: string }).code];
}

async function healthy(server: KprofServer): Promise<void> {
  expect((await get(server, '/healthz')).status).toBe(200);
}

describe('write limits against hostile growth', () => {
  it('series: 256 label sets of 28 × 2 KiB labels per request are stored until limits.app-max-series, then refused with 429; another app is still stored', async () => {
    const server = await startTestServer(join(tmp.dir, 'series'), 'limits:\n  app-max-series: 600\n');
    const push = (tag: string, app = 'wide'): Promise<[number, string | undefined]> =>
      code(ingest(server, { format: 'pprof', name: app, ...range }, gzipSync(labelledPprof(256, 28, 2048, tag))));
    expect(await push('a')).toEqual([200, undefined]);
    expect(await push('b')).toEqual([200, undefined]);
    expect(await push('c')).toEqual([429, 'KPROF_LIMIT_APP_SERIES']);
    expect(server.store.series().filter((s) => s.name === 'wide.cpu')).toHaveLength(512);
    expect(await push('d', 'narrow')).toEqual([200, undefined]);
    await healthy(server);
  });

  it('names: a pprof of 16 names of 65,000 characters and no samples stores nothing at all', async () => {
    const server = await startTestServer(join(tmp.dir, 'names'));
    expect(await code(ingest(server, { format: 'pprof', name: 'empty', ...range }, namesOnlyPprof()))).toEqual([200, undefined]);
    expect(server.store.blocks).toHaveLength(0);
    await healthy(server);
  });

  it('stacks: a profile of more new call paths than a minute allows is 413, the budget of the minute is 429 past it, other apps are stored', async () => {
    const server = await startTestServer(join(tmp.dir, 'stacks'), 'limits:\n  app-max-new-stacks-per-minute: 50000\n');
    const folded = (text: string, app: string): Promise<[number, string | undefined]> => code(ingest(server, { name: `${app}.cpu`, ...range }, text, { 'content-type': 'text/plain' }));
    expect(await folded(distinctStacks(1000, 100, 'big'), 'deep')).toEqual([413, 'KPROF_LIMIT_PROFILE_NEW_STACKS']);
    expect(await folded(distinctStacks(300, 100, 'one'), 'deep')).toEqual([200, undefined]);
    expect(await folded(distinctStacks(300, 100, 'two'), 'deep')).toEqual([429, 'KPROF_LIMIT_APP_NEW_STACKS']);
    expect(await folded(distinctStacks(300, 100, 'other'), 'elsewhere')).toEqual([200, undefined]);
    // What is stored is what was accepted: 300 stacks of each accepted profile.
    const totals = await Promise.all(['deep', 'elsewhere'].map(async (app) => (JSON.parse((await get(server, '/render', { query: `${app}.cpu`, ...range, until: String(nowS + 1) })).text) as { flamebearer: { numTicks: number } }).flamebearer.numTicks));
    expect(totals).toEqual([300, 300]);
    await healthy(server);
  });

  it('bytes: requests of an app past limits.app-max-bytes-per-minute are 429 before any decoding', async () => {
    const server = await startTestServer(join(tmp.dir, 'bytes'), 'limits:\n  app-max-bytes-per-minute: 10000\n');
    const body = 'main;work 1\n'.repeat(330);
    const send = (app: string): Promise<[number, string | undefined]> => code(ingest(server, { name: `${app}.cpu`, ...range }, body, { 'content-type': 'text/plain' }));
    expect(await send('chatty')).toEqual([200, undefined]);
    expect(await send('chatty')).toEqual([200, undefined]);
    expect(await send('chatty')).toEqual([429, 'KPROF_LIMIT_APP_BYTES']);
    expect(await send('quiet')).toEqual([200, undefined]);
  });
});
