import { describe, expect, it } from 'vitest';
import type { DecodedPprof } from './pprof-forms.js';
import { cumulativeMask, deltaPprof, isCumulativeSampleType, withoutCumulative } from './pprof-delta.js';

const HEAP_TYPES = [
  { type: 'alloc_objects', unit: 'count' },
  { type: 'alloc_space', unit: 'bytes' },
  { type: 'inuse_objects', unit: 'count' },
  { type: 'inuse_space', unit: 'bytes' },
];

// A heap-shaped profile; `frames` lists location frames, samples refer to them leaf first.
function heap(frames: string[][], samples: { locs: number[]; v: number[]; labels?: [string, string][] }[]): DecodedPprof {
  return {
    sampleTypes: HEAP_TYPES,
    periodType: { type: 'space', unit: 'bytes' },
    period: 524288,
    timeNanos: 0,
    durationNanos: 0,
    locationFrames: frames,
    samples: samples.map((s) => ({ locations: s.locs, values: s.v, labels: s.labels })),
  };
}

// Totals per stack (root-first names) and sample type, to compare regardless of sample layout.
function totals(p: DecodedPprof): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of p.samples) {
    const key = s.locations.map((l) => p.locationFrames[l]!.join('+')).reverse().join(';') + (s.labels ? JSON.stringify(s.labels) : '');
    const acc = (out[key] ??= s.values.map(() => 0));
    s.values.forEach((v, i) => (acc[i] = acc[i]! + v));
  }
  return out;
}

const MASK = cumulativeMask(HEAP_TYPES);

describe('cumulative sample types', () => {
  it.each([
    ['alloc_objects', undefined, true],
    ['alloc_space', undefined, true],
    ['contentions', undefined, true],
    ['delay', undefined, true],
    ['inuse_space', undefined, false],
    ['samples', undefined, false],
    ['alloc_space', { alloc_space: { units: 'bytes' } }, false],
    ['custom', { custom: { cumulative: true } }, true],
    ['alloc_space', { other: { cumulative: true } }, true],
  ] as const)('%s with config %j → %s', (type, config, want) => {
    expect(isCumulativeSampleType(type, config)).toBe(want);
  });
});

describe('deltaPprof', () => {
  it('subtracts per stack, matching stacks by frame names even when location ids differ', () => {
    const prev = heap([['main'], ['alloc']], [{ locs: [1, 0], v: [10, 1000, 5, 500] }]);
    // Same stack, locations listed in another order, plus a new stack.
    const cur = heap([['alloc'], ['main'], ['other']], [
      { locs: [0, 1], v: [15, 1600, 7, 700] },
      { locs: [2, 1], v: [3, 300, 1, 100] },
    ]);
    expect(totals(deltaPprof(cur, prev, MASK))).toEqual({
      'main;alloc': [5, 600, 7, 700],
      'main;other': [3, 300, 1, 100],
    });
  });

  it('sums duplicate stacks before subtracting and puts the difference on the first', () => {
    const prev = heap([['main'], ['a']], [{ locs: [1, 0], v: [10, 100, 0, 0] }]);
    const cur = heap([['main'], ['a']], [
      { locs: [1, 0], v: [6, 60, 1, 10] },
      { locs: [1, 0], v: [7, 70, 2, 20] },
    ]);
    const d = deltaPprof(cur, prev, MASK);
    expect(d.samples.map((s) => s.values)).toEqual([
      [3, 30, 1, 10],
      [0, 0, 2, 20],
    ]);
  });

  it('drops negative differences (counter reset) and samples left all zero', () => {
    const prev = heap([['main'], ['a'], ['b']], [
      { locs: [1, 0], v: [50, 5000, 0, 0] },
      { locs: [2, 0], v: [4, 40, 0, 0] },
    ]);
    const cur = heap([['main'], ['a'], ['b']], [
      { locs: [1, 0], v: [20, 2000, 0, 0] },
      { locs: [2, 0], v: [4, 40, 0, 0] },
    ]);
    expect(deltaPprof(cur, prev, MASK).samples).toEqual([]);
  });

  it('keys on string labels in any order', () => {
    const prev = heap([['main']], [{ locs: [0], v: [1, 10, 0, 0], labels: [['a', '1'], ['b', '2']] }]);
    const cur = heap([['main']], [
      { locs: [0], v: [3, 30, 0, 0], labels: [['b', '2'], ['a', '1']] },
      { locs: [0], v: [5, 50, 0, 0], labels: [['a', '9']] },
    ]);
    expect(deltaPprof(cur, prev, MASK).samples.map((s) => s.values)).toEqual([
      [2, 20, 0, 0],
      [5, 50, 0, 0],
    ]);
  });

  it('refuses a previous profile of other sample types, naming prev_profile', () => {
    const cpu: DecodedPprof = { ...heap([], []), sampleTypes: [{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }] };
    expect(() => deltaPprof(heap([], []), cpu, MASK)).toThrow(
      expect.objectContaining({ code: 'KPROF_INGEST_BAD_PREV_PROFILE', message: expect.stringContaining('prev_profile has sample types [samples/count, cpu/nanoseconds]') }),
    );
  });

  it('does not mutate its inputs', () => {
    const prev = heap([['main']], [{ locs: [0], v: [1, 10, 1, 10] }]);
    const cur = heap([['main']], [{ locs: [0], v: [4, 40, 2, 20] }]);
    deltaPprof(cur, prev, MASK);
    expect(cur.samples[0]!.values).toEqual([4, 40, 2, 20]);
    expect(prev.samples[0]!.values).toEqual([1, 10, 1, 10]);
  });
});

describe('withoutCumulative', () => {
  it('zeroes cumulative values and drops samples left empty', () => {
    const p = heap([['main'], ['a']], [
      { locs: [0], v: [1, 10, 0, 0] },
      { locs: [1, 0], v: [1, 10, 2, 20] },
    ]);
    expect(withoutCumulative(p, MASK).samples.map((s) => s.values)).toEqual([[0, 0, 2, 20]]);
    expect(() => withoutCumulative(p, [true])).toThrow(expect.objectContaining({ code: 'KPROF_DELTA_BAD_MASK' }));
  });
});
