/**
 * Sums of values per stack id, in an open-addressing table of typed arrays (no per-entry objects,
 * unlike a `Map<number, number>`, which costs several times more per add). Used where the set of
 * ids is unknown in advance and far smaller than the trie (a rollup's merge).
 */
export class StackSums {
  #ids = new Int32Array(1024).fill(-1);
  #values = new Float64Array(1024);
  #size = 0;

  /** Number of distinct ids added. */
  get size(): number {
    return this.#size;
  }

  /** Adds `value` to `stackId`'s sum (ids ≥ 0). */
  add(stackId: number, value: number): void {
    const mask = this.#ids.length - 1;
    let i = Math.imul(stackId, 0x9e3779b1) & mask;
    for (;;) {
      const id = this.#ids[i]!;
      if (id === stackId) {
        this.#values[i]! += value;
        return;
      }
      if (id < 0) break;
      i = (i + 1) & mask;
    }
    this.#ids[i] = stackId;
    this.#values[i] = value;
    if (++this.#size * 2 > this.#ids.length) this.#grow();
  }

  /** The ids in ascending order and their sums. */
  sorted(): { ids: number[]; values: number[] } {
    const ids = new Int32Array(this.#size);
    let n = 0;
    for (const id of this.#ids) if (id >= 0) ids[n++] = id;
    ids.sort();
    const values = new Array<number>(n);
    for (let k = 0; k < n; k++) values[k] = this.#get(ids[k]!);
    return { ids: Array.from(ids), values };
  }

  #get(stackId: number): number {
    const mask = this.#ids.length - 1;
    for (let i = Math.imul(stackId, 0x9e3779b1) & mask; ; i = (i + 1) & mask) {
      if (this.#ids[i] === stackId) return this.#values[i]!;
    }
  }

  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    this.#ids = new Int32Array(ids.length * 2).fill(-1);
    this.#values = new Float64Array(ids.length * 2);
    this.#size = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) this.add(ids[i]!, values[i]!);
  }
}
