import { describe, expect, it } from 'vitest';
import { BaselineCache, type BaselineEviction } from './baseline-cache.js';

// Values are their own size in bytes, so each case reads as a byte budget.
function cache(maxBytes: number) {
  const evicted: Array<BaselineEviction & { key?: string }> = [];
  let now = 1_000;
  const c = new BaselineCache<number>({ maxBytes, sizeOf: (v) => v, now: () => now++, onEvict: (e) => evicted.push(e) });
  return { c, evicted };
}

type Op = readonly [tenant: string, key: string, bytes: number];

describe('BaselineCache', () => {
  it.each<{ name: string; maxBytes: number; ops: readonly Op[]; kept: readonly (readonly [string, string])[]; gone: readonly (readonly [string, string])[]; evictions: number }>([
    {
      name: 'many small entries fit a byte budget whatever their count (2,000 series of 100 bytes in 200 kB)',
      maxBytes: 200_000,
      ops: Array.from({ length: 2000 }, (_, i): Op => ['t', `s${i}`, 100]),
      kept: [['t', 's0'], ['t', 's999'], ['t', 's1999']],
      gone: [],
      evictions: 0,
    },
    {
      name: 'past the budget the least recently set entry goes',
      maxBytes: 1000,
      ops: [['t', 'a', 400], ['t', 'b', 400], ['t', 'a', 400], ['t', 'c', 400]],
      kept: [['t', 'a'], ['t', 'c']],
      gone: [['t', 'b']],
      evictions: 1,
    },
    {
      name: 'the same series key in two tenants is two entries',
      maxBytes: 1000,
      ops: [['t1', 'pod-1', 100], ['t2', 'pod-1', 200]],
      kept: [['t1', 'pod-1'], ['t2', 'pod-1']],
      gone: [],
      evictions: 0,
    },
    {
      name: "a tenant flooding the cache evicts its own entries, not a smaller tenant's",
      maxBytes: 1000,
      ops: [['quiet', 'q1', 100], ['quiet', 'q2', 100], ...Array.from({ length: 30 }, (_, i): Op => ['noisy', `n${i}`, 100])],
      kept: [['quiet', 'q1'], ['quiet', 'q2'], ['noisy', 'n29'], ['noisy', 'n22']],
      gone: [['noisy', 'n0'], ['noisy', 'n21']],
      evictions: 22,
    },
    {
      name: 'an entry over the whole budget is not kept',
      maxBytes: 1000,
      ops: [['t', 'small', 10], ['t', 'huge', 1001]],
      kept: [['t', 'small']],
      gone: [['t', 'huge']],
      evictions: 1,
    },
  ])('$name', ({ maxBytes, ops, kept, gone, evictions }) => {
    const { c, evicted } = cache(maxBytes);
    for (const [tenant, key, bytes] of ops) c.set(tenant, key, bytes);
    for (const [tenant, key] of kept) expect(c.get(tenant, key), `${tenant}/${key}`).toBeDefined();
    for (const [tenant, key] of gone) expect(c.get(tenant, key), `${tenant}/${key}`).toBeUndefined();
    expect(evicted).toHaveLength(evictions);
    expect(c.bytes).toBeLessThanOrEqual(maxBytes);
    // The byte count is the sum of what is kept.
    const perTenant = new Set(ops.map(([t]) => t));
    expect([...perTenant].reduce((n, t) => n + c.tenantBytes(t), 0)).toBe(c.bytes);
  });

  it('take removes the entry and frees its bytes; set puts it back as the most recent', () => {
    const { c } = cache(1000);
    c.set('t', 'a', 300);
    c.set('t', 'b', 300);
    expect(c.take('t', 'a')).toBe(300);
    expect(c.get('t', 'a')).toBeUndefined();
    expect(c.bytes).toBe(300);
    expect(c.size).toBe(1);
    c.set('t', 'a', 300);
    c.set('t', 'c', 500);
    // b is now the least recent.
    expect(c.get('t', 'b')).toBeUndefined();
    expect(c.get('t', 'a')).toBe(300);
  });

  it('reports when the evicted entry was last set and whether it was too large', () => {
    const { c, evicted } = cache(100);
    c.set('t', 'a', 60); // set at 1000
    c.set('t', 'b', 60); // set at 1001, evicts a
    c.set('t', 'x', 101);
    expect(evicted).toEqual([
      { tenant: 't', bytes: 60, lastUsedMs: 1000, tooLarge: false },
      { tenant: 't', bytes: 101, lastUsedMs: 1002, tooLarge: true },
    ]);
  });

  it('refuses a budget below 1 byte', () => {
    expect(() => new BaselineCache<number>({ maxBytes: 0, sizeOf: (v) => v, now: () => 0 })).toThrow(/maxBytes/);
  });
});
