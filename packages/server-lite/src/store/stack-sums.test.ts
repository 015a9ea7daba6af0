import { describe, expect, it } from 'vitest';
import { StackSums } from './stack-sums.js';

describe('StackSums', () => {
  // Sizes around the table's growth points (it starts with 1,024 slots, grows past half full).
  const cases = [1, 511, 512, 513, 3000, 70_000].flatMap((ids) => [1, 3].map((columns) => ({ ids, columns })));
  for (const { ids, columns } of cases) {
    it(`keeps every value of ${ids} ids × ${columns} columns, across table growth`, () => {
      const sums = new StackSums(columns);
      // Ids in a scattered order, each added twice per column: once when new, once when known.
      const order = Array.from({ length: ids }, (_v, k) => (k * 7919) % ids);
      for (const id of order) for (let c = 0; c < columns; c++) sums.add(id * 3, c, id + c + 1);
      for (const id of order) for (let c = 0; c < columns; c++) sums.add(id * 3, c, 1);
      const got = sums.sorted();
      expect(got.ids).toEqual(Array.from({ length: ids }, (_v, id) => id * 3));
      for (let c = 0; c < columns; c++) {
        expect(Array.from(got.columns[c]!)).toEqual(Array.from({ length: ids }, (_v, id) => id + c + 2));
      }
    });
  }
});
