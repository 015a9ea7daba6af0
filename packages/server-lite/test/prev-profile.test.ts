import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config/defaults.js';
import { decodePprof } from '../src/ingest/pprof-decoder.js';
import { applyPrevProfile } from '../src/ingest/prev-profile.js';
import type { KprofServer } from '../src/server.js';
import { type GoService, startGoService } from './helpers/go-service.js';
import { goPprofRaw, rawStackTotals } from './helpers/pprof-raw.js';
import { collapsedTotals, makeTempDir, pprofRawTotals, rawProfile } from './helpers/profiles.js';
import { get, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-prev-profile-');
// go tool pprof writes ~/pprof; keep it inside the temp dir.
const PPROF_HOME = join(tmp.dir, 'home');
const NOW_S = Math.floor(Date.now() / 1000);
const RANGE = { from: String(NOW_S - 60), until: String(NOW_S) };

let service: GoService | undefined;
let prevFile: string;
let curFile: string;
let goroutineFile: string;

// Allocates through examples/go-service's /alloc and takes two heap profiles (forcing a GC
// first so the allocation counters are current).
beforeAll(async () => {
  mkdirSync(PPROF_HOME);
  service = await startGoService(tmp.dir);
  // Large enough that heap sampling (one sample per ~512 KiB) surely records both rounds.
  await service.alloc(3, 4096);
  prevFile = await service.save('/debug/pprof/heap?gc=1', 'prev.pb.gz');
  await service.alloc(5, 4096);
  curFile = await service.save('/debug/pprof/heap?gc=1', 'cur.pb.gz');
  goroutineFile = await service.save('/debug/pprof/goroutine', 'goroutine.pb.gz');
});

afterAll(async () => {
  await service?.stop();
  tmp.cleanup();
});

/**
 * The oracle: `go tool pprof -raw -base prev cur`, summed per stack of function names (root
 * first, `;`-joined) for sample type `valueIndex`, keeping stacks whose sum is positive.
 */
async function pprofBaseTotals(prev: string, cur: string, valueIndex: number): Promise<Map<string, number>> {
  return rawStackTotals(await goPprofRaw(['-base', prev, cur], PPROF_HOME), valueIndex);
}

async function ingestMultipart(server: KprofServer, name: string, parts: Record<string, Buffer | string>): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const form = new FormData();
  for (const [field, data] of Object.entries(parts)) form.append(field, new Blob([data]), `${field}.bin`);
  const res = await fetch(`${server.url}/ingest?${new URLSearchParams({ name, ...RANGE, spyName: 'gospy' }).toString()}`, { method: 'POST', body: form });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as { code?: string; message?: string }) };
}

async function renderTotals(server: KprofServer, query: string): Promise<Map<string, number>> {
  const res = await get(server, '/render', { query, ...RANGE, format: 'collapsed' });
  expect(res.status).toBe(200);
  return collapsedTotals(res.text);
}

function sum(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

describe('multipart /ingest with prev_profile (real Go heap profiles)', () => {
  it('stores alloc_* as profile − prev_profile, as go tool pprof -base computes, and inuse_* as sent', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-delta'));
    const res = await ingestMultipart(server, 'goheap', { profile: readFileSync(curFile), prev_profile: readFileSync(prevFile) });
    expect(res.status).toBe(200);

    for (const [type, index] of [['alloc_objects', 0], ['alloc_space', 1]] as const) {
      const want = await pprofBaseTotals(prevFile, curFile, index);
      expect(want.size).toBeGreaterThan(0);
      expect(await renderTotals(server, `goheap.${type}`)).toEqual(want);
    }
    // /alloc allocated in both rounds: the stored delta is more than 0 and less than the total.
    const viaAlloc = (m: Map<string, number>): number => [...m].filter(([stack]) => stack.endsWith('main.allocateBuffers')).reduce((a, [, v]) => a + v, 0);
    const delta = viaAlloc(await renderTotals(server, 'goheap.alloc_space'));
    expect(delta).toBeGreaterThan(0);
    expect(delta).toBeLessThan(viaAlloc(await pprofRawTotals([curFile], 1)));

    // In-use memory is a gauge: stored exactly as in the current profile.
    expect(await renderTotals(server, 'goheap.inuse_space')).toEqual(await pprofRawTotals([curFile], 3));
  });

  it('without prev_profile, or with cumulative: false in sample_type_config, stores alloc_* as sent', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-plain'));
    expect((await ingestMultipart(server, 'plain', { profile: readFileSync(curFile) })).status).toBe(200);
    const config = JSON.stringify({ alloc_space: { units: 'bytes', cumulative: false }, alloc_objects: { units: 'objects', cumulative: true } });
    const res = await ingestMultipart(server, 'notcumulative', { profile: readFileSync(curFile), prev_profile: readFileSync(prevFile), sample_type_config: config });
    expect(res.status).toBe(200);

    const asSent = await pprofRawTotals([curFile], 1);
    expect(await renderTotals(server, 'plain.alloc_space')).toEqual(asSent);
    expect(await renderTotals(server, 'notcumulative.alloc_space')).toEqual(asSent);
    expect(await renderTotals(server, 'notcumulative.alloc_objects')).toEqual(await pprofBaseTotals(prevFile, curFile, 0));
    expect(sum(await pprofBaseTotals(prevFile, curFile, 1))).toBeLessThan(sum(asSent));
  });

  it.each([
    { what: 'empty', prev: () => Buffer.alloc(0), status: 400, code: 'KPROF_INGEST_BAD_PREV_PROFILE' },
    { what: 'not pprof', prev: () => Buffer.from('\u0012\u00ffnot a profile at all'), status: 422, code: 'KPROF_INGEST_PREV_PROFILE_NOT_PPROF' },
    { what: 'corrupt gzip', prev: () => Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), status: 422, code: 'KPROF_INGEST_PREV_PROFILE_NOT_PPROF' },
    { what: 'other sample types (goroutine profile)', prev: () => readFileSync(goroutineFile), status: 400, code: 'KPROF_INGEST_BAD_PREV_PROFILE' },
  ])('refuses a bad prev_profile ($what) with $status $code naming it, storing nothing', async ({ prev, status, code }) => {
    const server = await startTestServer(join(tmp.dir, `db-bad-${Math.random().toString(36).slice(2)}`));
    const res = await ingestMultipart(server, 'bad', { profile: readFileSync(curFile), prev_profile: prev() });
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(res.body.message).toMatch(/^prev_profile /);
    expect(server.store.profileCount()).toBe(0);
  });
});

describe('applyPrevProfile limits', () => {
  it('bounds prev_profile like the profile and names it in the limit error', async () => {
    const current = decodePprof(rawProfile(curFile), DEFAULTS.ingest);
    const prev = readFileSync(prevFile);
    const tooFewSamples = { ...DEFAULTS.ingest, maxSamples: 1 };
    await expect(applyPrevProfile(current, prev, undefined, tooFewSamples)).rejects.toMatchObject({
      code: 'KPROF_INGEST_TOO_MANY_SAMPLES',
      status: 413,
      message: expect.stringMatching(/^prev_profile: .*ingest\.max-samples/),
    });
    const tooSmall = { ...DEFAULTS.ingest, maxDecompressedBytes: 64 };
    await expect(applyPrevProfile(current, prev, undefined, tooSmall)).rejects.toMatchObject({
      code: 'KPROF_INGEST_DECOMPRESSED_TOO_LARGE',
      status: 413,
      message: expect.stringMatching(/^prev_profile is over ingest\.max-decompressed-bytes/),
    });
  });
});
