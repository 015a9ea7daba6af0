/**
 * A counting semaphore for scrapes in flight across every target. Waiters are served in order;
 * a waiter can give up (its slot passed) without leaking a permit.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiters: { grant: () => void }[] = [];

  /** `max` ≥ 1 scrapes at once. */
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max concurrent scrapes must be a whole number ≥ 1, got ${max}`);
  }

  /** Scrapes holding a permit. */
  get inUse(): number {
    return this.active;
  }

  /** Scrapes waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once a permit is free, or with `undefined` when `waitMs`
   * passes first or `signal` aborts. Call the release function exactly once.
   */
  acquire(waitMs: number, signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const waiter = {
        grant: (): void => {
          cleanup();
          resolve(this.releaser());
        },
      };
      const giveUp = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        cleanup();
        resolve(undefined);
      };
      const timer = setTimeout(giveUp, waitMs);
      timer.unref();
      signal?.addEventListener('abort', giveUp, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
      };
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The permit passes straight to the next waiter; `active` stays the same.
      if (next !== undefined) next.grant();
      else this.active--;
    };
  }
}
