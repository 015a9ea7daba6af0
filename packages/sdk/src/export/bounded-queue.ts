/**
 * FIFO capped both in items and in bytes. When a push goes over either cap the oldest items are dropped and returned,
 * because for continuous profiling the newest window is worth more than an old one that could not be delivered.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private heldBytes = 0;

  /**
   * @param maxItems at most this many items are held (≥ 1).
   * @param maxBytes at most this many bytes, as measured by `sizeOf`, are held (≥ 1).
   */
  constructor(
    private readonly maxItems: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Appends `item` and returns what had to be dropped to stay within both caps, oldest first. An item larger than
   * `maxBytes` on its own is not stored: it is returned as dropped and the queue is left as it was.
   */
  push(item: T): T[] {
    const size = this.sizeOf(item);
    if (size > this.maxBytes) return [item];
    const dropped: T[] = [];
    while (this.items.length > 0 && (this.items.length + 1 > this.maxItems || this.heldBytes + size > this.maxBytes)) {
      dropped.push(this.removeOldest());
    }
    this.items.push(item);
    this.heldBytes += size;
    return dropped;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    return this.items.length === 0 ? undefined : this.removeOldest();
  }

  /** Removes everything and returns it, oldest first. */
  drain(): T[] {
    const all = this.items.splice(0, this.items.length);
    this.heldBytes = 0;
    return all;
  }

  private removeOldest(): T {
    // Callers check the length first; the cast keeps noUncheckedIndexedAccess honest without a dead branch.
    const item = this.items.shift() as T;
    this.heldBytes -= this.sizeOf(item);
    return item;
  }
}
