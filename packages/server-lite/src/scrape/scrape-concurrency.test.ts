import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from './scrape-concurrency.js';

describe('ConcurrencyLimit', () => {
  it('grants up to max permits, queues the rest in order, and hands a released permit to the next waiter', async () => {
    const limit = new ConcurrencyLimit(2);
    const a = await limit.acquire(1000);
    const b = await limit.acquire(1000);
    expect(limit.inUse).toBe(2);
    const order: string[] = [];
    const c = limit.acquire(5_000).then((r) => (order.push('c'), r));
    const d = limit.acquire(5_000).then((r) => (order.push('d'), r));
    expect(limit.waiting).toBe(2);
    a!();
    a!(); // a second call is ignored, not a second permit
    const rc = await c;
    expect(order).toEqual(['c']);
    expect(limit.inUse).toBe(2);
    b!();
    const rd = await d;
    expect(order).toEqual(['c', 'd']);
    rc!();
    rd!();
    expect(limit).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('gives up after waitMs or on abort without leaking a permit', async () => {
    const limit = new ConcurrencyLimit(1);
    const held = await limit.acquire(0);
    expect(await limit.acquire(20)).toBeUndefined();
    const ac = new AbortController();
    const aborted = limit.acquire(60_000, ac.signal);
    ac.abort();
    expect(await aborted).toBeUndefined();
    expect(limit.waiting).toBe(0);
    held!();
    expect(limit.inUse).toBe(0);
    const again = await limit.acquire(0);
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(/≥ 1/);
  });
});
