/** What {@link BaselineCache} reports per eviction. */
export interface BaselineEviction {
  readonly tenant: string;
  readonly bytes: number;
  /** Unix ms of the entry's last set: a recent one means a series that is likely still pushing. */
  readonly lastUsedMs: number;
  /** True when the entry alone is over the budget (it was never kept). */
  readonly tooLarge: boolean;
}

/** Options for {@link BaselineCache}. */
export interface BaselineCacheOptions<V> {
  /** Bytes of values kept at most, over all tenants. */
  readonly maxBytes: number;
  /** Size of a value, bytes. */
  readonly sizeOf: (value: V) => number;
  /** Clock, unix ms. */
  readonly now: () => number;
  /** Called for every value dropped to stay within `maxBytes`. */
  readonly onEvict?: (eviction: BaselineEviction) => void;
}

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  readonly setMs: number;
}

/**
 * Delta baselines per tenant and series key, bounded by bytes. Tenants have separate key spaces
 * (the same series key in two tenants is two entries). Past `maxBytes`, the least recently set
 * entry of the tenant holding the most bytes goes first, so a tenant pushing many or large
 * series evicts its own before it can push out a smaller tenant's: each tenant keeps at least
 * its share (`maxBytes` / tenants) while it stays within it. An entry larger than `maxBytes` on
 * its own is not kept.
 */
export class BaselineCache<V> {
  readonly #opts: BaselineCacheOptions<V>;
  // Per tenant, entries in insertion order: re-inserting on set makes the first the least recent.
  readonly #tenants = new Map<string, Map<string, Entry<V>>>();
  readonly #tenantBytes = new Map<string, number>();
  #bytes = 0;
  #size = 0;

  constructor(options: BaselineCacheOptions<V>) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) {
      throw new RangeError(`BaselineCache maxBytes must be a whole number ≥ 1, got ${options.maxBytes}`);
    }
    this.#opts = options;
  }

  /** Bytes of values kept. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries kept. */
  get size(): number {
    return this.#size;
  }

  /** Bytes kept for `tenant`. */
  tenantBytes(tenant: string): number {
    return this.#tenantBytes.get(tenant) ?? 0;
  }

  get(tenant: string, key: string): V | undefined {
    return this.#tenants.get(tenant)?.get(key)?.value;
  }

  /** Removes and returns the entry (the caller puts a successor, or it back, with {@link set}). */
  take(tenant: string, key: string): V | undefined {
    const entry = this.#tenants.get(tenant)?.get(key);
    if (entry === undefined) return undefined;
    this.#remove(tenant, key, entry);
    return entry.value;
  }

  /** Keeps `value` as the most recent entry of `tenant`, evicting others past `maxBytes`. */
  set(tenant: string, key: string, value: V): void {
    const old = this.#tenants.get(tenant)?.get(key);
    if (old !== undefined) this.#remove(tenant, key, old);
    const bytes = this.#opts.sizeOf(value);
    const setMs = this.#opts.now();
    if (bytes > this.#opts.maxBytes) {
      this.#opts.onEvict?.({ tenant, bytes, lastUsedMs: setMs, tooLarge: true });
      return;
    }
    let entries = this.#tenants.get(tenant);
    if (entries === undefined) {
      entries = new Map();
      this.#tenants.set(tenant, entries);
    }
    entries.set(key, { value, bytes, setMs });
    this.#tenantBytes.set(tenant, this.tenantBytes(tenant) + bytes);
    this.#bytes += bytes;
    this.#size++;
    while (this.#bytes > this.#opts.maxBytes) this.#evictOne();
  }

  delete(tenant: string, key: string): void {
    const entry = this.#tenants.get(tenant)?.get(key);
    if (entry !== undefined) this.#remove(tenant, key, entry);
  }

  #evictOne(): void {
    let victim: string | undefined;
    let most = -1;
    for (const [tenant, bytes] of this.#tenantBytes) {
      if (bytes > most) {
        most = bytes;
        victim = tenant;
      }
    }
    const entries = this.#tenants.get(victim!)!;
    const [key, entry] = entries.entries().next().value as [string, Entry<V>];
    this.#remove(victim!, key, entry);
    this.#opts.onEvict?.({ tenant: victim!, bytes: entry.bytes, lastUsedMs: entry.setMs, tooLarge: false });
  }

  #remove(tenant: string, key: string, entry: Entry<V>): void {
    const entries = this.#tenants.get(tenant)!;
    entries.delete(key);
    this.#bytes -= entry.bytes;
    this.#size--;
    const left = this.tenantBytes(tenant) - entry.bytes;
    if (entries.size === 0) {
      this.#tenants.delete(tenant);
      this.#tenantBytes.delete(tenant);
    } else this.#tenantBytes.set(tenant, left);
  }
}
