import { describe, expect, it } from 'vitest';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type PackedBaseline, packedBaselineBytes } from './packed-baseline.js';
import type { ConvertedIntake } from './convert-intake.js';
import { ACTIVE_SERIES_WINDOW_MS, DeltaBaselines, EVICTION_WARN_INTERVAL_MS } from './delta-baselines.js';

// A baseline of `stacks` keys for alloc_objects + alloc_space; `tag` tells them apart.
function baseline(stacks: number, tag = 0): PackedBaseline {
  const values = new Float64Array(stacks * 2).fill(tag);
  return { sampleTypes: [{ type: 'alloc_objects', unit: 'count' }, { type: 'alloc_space', unit: 'bytes' }], cumulative: [true, true], keys: new Uint8Array(stacks * 20), values };
}
const tagOf = (b: PackedBaseline | undefined): number | undefined => (b === undefined ? undefined : b.values[0]);
// The profile is not looked at by DeltaBaselines; each step's tag stands for it.
const step = (tag: number, stacks = 1): ConvertedIntake => ({ profile: { tag } as unknown as IngestProfile, baseline: baseline(stacks, tag) });

function setup(maxBytes = 1 << 20) {
  let now = 10_000_000;
  const warnings: object[] = [];
  const evictions: boolean[] = [];
  const b = new DeltaBaselines({
    maxBytes,
    now: () => now,
    logger: { warn: (obj) => void warnings.push(obj) },
    onEvict: (active) => void evictions.push(active),
  });
  return { b, warnings, evictions, advance: (ms: number) => (now += ms) };
}

describe('DeltaBaselines', () => {
  it('hands each push of a series the baseline its previous push left, even when pushed at once', async () => {
    const { b } = setup();
    const seen: Array<number | undefined> = [];
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((r) => (releaseFirst = r));
    const first = b.next('t', 's', async (prev) => {
      seen.push(tagOf(prev));
      await firstGate;
      return step(1);
    });
    const second = b.next('t', 's', async (prev) => {
      seen.push(tagOf(prev));
      return step(2);
    });
    // Another series does not wait for the first one.
    await b.next('t', 'other', async (prev) => {
      seen.push(tagOf(prev));
      return step(9);
    });
    expect(seen).toEqual([undefined, undefined]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(seen).toEqual([undefined, undefined, 1]);
    await b.next('t', 's', async (prev) => {
      seen.push(tagOf(prev));
      return step(3);
    });
    expect(seen.at(-1)).toBe(2);
  });

  it('keeps the previous baseline when the conversion fails, and undo puts it back until a later push replaced it', async () => {
    const { b } = setup();
    await b.next('t', 's', async () => step(1));
    await expect(b.next('t', 's', async () => Promise.reject(new Error('bad pprof')))).rejects.toThrow('bad pprof');
    let prev: number | undefined;
    const r2 = await b.next('t', 's', async (p) => ((prev = tagOf(p)), step(2)));
    expect(prev).toBe(1);
    r2.undo();
    await b.next('t', 's', async (p) => ((prev = tagOf(p)), step(3)));
    expect(prev).toBe(1);
    const r4 = await b.next('t', 's', async () => step(4));
    await b.next('t', 's', async () => step(5));
    r4.undo(); // too late: push 5 replaced it
    await b.next('t', 's', async (p) => ((prev = tagOf(p)), step(6)));
    expect(prev).toBe(5);
  });

  it('keeps tenants apart: the same series key in two tenants has two baselines', async () => {
    const { b } = setup();
    await b.next('a', 's', async () => step(1));
    await b.next('b', 's', async () => step(2));
    let prevA: number | undefined;
    await b.next('a', 's', async (p) => ((prevA = tagOf(p)), step(3)));
    expect(prevA).toBe(1);
    expect(b.size).toBe(2);
  });

  it('an evicted series starts over (no baseline on its next push); evictions of active series are counted and warned about once a minute', async () => {
    const one = packedBaselineBytes(baseline(10));
    const { b, warnings, evictions, advance } = setup(3 * one);
    for (let i = 0; i < 4; i++) await b.next('t', `s${i}`, async () => step(i, 10));
    expect(evictions).toEqual([true]);
    let prev: number | undefined = -1;
    await b.next('t', 's0', async (p) => ((prev = tagOf(p)), step(10, 10)));
    expect(prev).toBeUndefined();
    expect(evictions).toEqual([true, true]);
    // Two evictions within the interval: one warning, naming the key to raise.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ evictedActiveSeries: 1, maxBytes: 3 * one });
    advance(EVICTION_WARN_INTERVAL_MS);
    await b.next('t', 's9', async () => step(9, 10));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ evictedActiveSeries: 2 });
    // Series idle past the window (pods gone) are evicted without a warning.
    advance(ACTIVE_SERIES_WINDOW_MS + EVICTION_WARN_INTERVAL_MS);
    for (let i = 20; i < 23; i++) await b.next('t', `s${i}`, async () => step(i, 10));
    expect(evictions.slice(3)).toEqual([false, false, false]);
    expect(warnings).toHaveLength(2);
    expect(b.bytes).toBeLessThanOrEqual(3 * one);
  });
});
