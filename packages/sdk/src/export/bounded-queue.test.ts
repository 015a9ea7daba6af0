import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

interface Item {
  id: number;
  bytes: number;
}

function makeQueue(maxItems: number, maxBytes: number): BoundedQueue<Item> {
  return new BoundedQueue<Item>(maxItems, maxBytes, (item) => item.bytes);
}

describe('BoundedQueue', () => {
  it('keeps FIFO order under the caps', () => {
    const queue = makeQueue(3, 100);
    for (const id of [1, 2, 3]) expect(queue.push({ id, bytes: 10 })).toEqual([]);
    expect(queue.length).toBe(3);
    expect(queue.bytes).toBe(30);
    expect(queue.peek()?.id).toBe(1);
    expect([queue.shift()?.id, queue.shift()?.id, queue.shift()?.id, queue.shift()]).toEqual([1, 2, 3, undefined]);
    expect(queue.bytes).toBe(0);
  });

  it.each([
    { name: 'count cap drops the oldest', maxItems: 2, maxBytes: 1_000, sizes: [10, 10, 10, 10], kept: [3, 4], dropped: [1, 2] },
    { name: 'byte cap drops as many old items as needed', maxItems: 10, maxBytes: 100, sizes: [40, 40, 90], kept: [3], dropped: [1, 2] },
    { name: 'byte cap exactly met is allowed', maxItems: 10, maxBytes: 100, sizes: [50, 50], kept: [1, 2], dropped: [] },
    { name: 'item over the byte cap is refused on its own', maxItems: 10, maxBytes: 100, sizes: [30, 101, 30], kept: [1, 3], dropped: [2] },
  ])('$name', ({ maxItems, maxBytes, sizes, kept, dropped }) => {
    const queue = makeQueue(maxItems, maxBytes);
    const droppedIds: number[] = [];
    sizes.forEach((bytes, index) => {
      droppedIds.push(...queue.push({ id: index + 1, bytes }).map((item) => item.id));
      expect(queue.length).toBeLessThanOrEqual(maxItems);
      expect(queue.bytes).toBeLessThanOrEqual(maxBytes);
    });
    expect(droppedIds).toEqual(dropped);
    expect(queue.drain().map((item) => item.id)).toEqual(kept);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });
});
