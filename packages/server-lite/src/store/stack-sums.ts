/**
 * Sums of values per stack id and column, in an open-addressing table of typed arrays (no
 * per-entry objects, unlike a `Map<number, number>`, which costs several times more per add).
 * Used where the set of ids is unknown in advance and far smaller than the trie (a rollup's merge).
 */
export class StackSums {
  readonly #columns: number;
  #ids = new Int32Array(1024).fill(-1);
  #values: Float64Array;
  #size = 0;

  constructor(columns = 1) {
    this.#columns = columns;
    this.#values = new Float64Array(1024 * columns);
  }

  /** Adds `value` to `stackId`'s sum in column `col` (ids ≥ 0). */
  add(stackId: number, col: number, value: number): void {
    // The slot first: taking it may grow the table, which replaces #values.
    const i = this.#slot(stackId) * this.#columns + col;
    this.#values[i] = this.#values[i]! + value;
  }

  /** The ids in ascending order and each column's sums, aligned with them. */
  sorted(): { ids: number[]; columns: Float64Array[] } {
    const order = new Int32Array(this.#size);
    let n = 0;
    for (const id of this.#ids) if (id >= 0) order[n++] = id;
    order.sort();
    const columns = Array.from({ length: this.#columns }, () => new Float64Array(n));
    for (let k = 0; k < n; k++) {
      const base = this.#slot(order[k]!) * this.#columns;
      for (let c = 0; c < this.#columns; c++) columns[c]![k] = this.#values[base + c]!;
    }
    return { ids: Array.from(order), columns };
  }

  // The slot of `stackId`, taken if new.
  #slot(stackId: number): number {
    const mask = this.#ids.length - 1;
    let i = Math.imul(stackId, 0x9e3779b1) & mask;
    for (;;) {
      const id = this.#ids[i]!;
      if (id === stackId) return i;
      if (id < 0) break;
      i = (i + 1) & mask;
    }
    if ((this.#size + 1) * 2 > this.#ids.length) {
      this.#grow();
      return this.#slot(stackId);
    }
    this.#ids[i] = stackId;
    this.#size++;
    return i;
  }

  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    const cols = this.#columns;
    this.#ids = new Int32Array(ids.length * 2).fill(-1);
    this.#values = new Float64Array(ids.length * 2 * cols);
    this.#size = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0) continue;
      const base = this.#slot(ids[i]!) * cols;
      for (let c = 0; c < cols; c++) this.#values[base + c] = values[i * cols + c]!;
    }
  }
}
