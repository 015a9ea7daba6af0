import { describe, expect, it } from 'vitest';
import { countOldestPerSeries } from './oldest-profiles.js';

// Series start times held in arrays, read the way the store reads its index (pages, offsets).
function reader(series: Map<number, number[]>, reads: { n: number }) {
  return (id: number, limit: number, offset: number): number[] => {
    reads.n++;
    return series.get(id)!.slice(offset, offset + limit);
  };
}

describe('countOldestPerSeries', () => {
  it('matches a full sort of every start time, across page boundaries and ties', () => {
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const series = new Map<number, number[]>();
    for (let id = 1; id <= 40; id++) series.set(id, Array.from({ length: rnd(300) }, () => rnd(5_000)).sort((a, b) => a - b));
    const all = [...series].flatMap(([id, ts]) => ts.map((t) => [t, id] as const)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const count of [1, 63, 64, 65, 1_000, all.length, all.length + 10]) {
      const reads = { n: 0 };
      const got = countOldestPerSeries(series.keys(), count, reader(series, reads), 16);
      const want = new Map<number, number>();
      for (const [, id] of all.slice(0, count)) want.set(id, (want.get(id) ?? 0) + 1);
      expect(new Map([...got].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...want].sort((a, b) => a[0] - b[0])));
      // One seek per series plus about count / page more.
      expect(reads.n).toBeLessThanOrEqual(40 + Math.ceil(Math.min(count, all.length) / 16) + 40);
    }
  });

  it('returns nothing for count 0 or no profiles', () => {
    const reads = { n: 0 };
    expect(countOldestPerSeries([1, 2], 0, reader(new Map([[1, [5]], [2, []]]), reads)).size).toBe(0);
    expect(countOldestPerSeries([2], 5, reader(new Map([[2, []]]), reads)).size).toBe(0);
  });
});
