import { describe, expect, it } from 'vitest';
import { decodeColumn, encodeColumns, encodeMoreTotals, INLINE_TOTALS, moreTotal } from './column-blob.js';
import { encodeSamples } from './sample-blob.js';

function column(blob: Uint8Array, col: number): [number, number][] {
  const out: [number, number][] = [];
  decodeColumn(blob, col, (id, v) => out.push([id, v]));
  return out;
}

// The column kinds a blob's header lists, read by hand: plain, scaled, ×k (a multiple of another),
// bits (bit-packed).
function kindsOf(blob: Uint8Array): string {
  let pos = 2;
  const read = (): number => {
    let v = 0;
    for (let mul = 1; ; mul *= 128) {
      const b = blob[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
    }
  };
  const columns = read();
  read();
  const kinds: string[] = [];
  for (let c = 0; c < columns; c++) {
    const kind = read();
    kinds.push(['plain', 'scaled', '×k', 'bits'][kind]!);
    read();
    if (kind !== 0) read();
  }
  return kinds.join(', ');
}

// What decoding column c must give: its non-zero values by stack id.
function expected(ids: number[], values: number[]): [number, number][] {
  return ids.flatMap((id, i) => (values[i] !== 0 ? [[id, values[i]!] as [number, number]] : []));
}

const period = 10_971_000;
const ids = [0, 3, 7, 8, 200, 70_000];
const samples = [1, 3, 2, 120, 1, 4];
const wall = samples.map((n) => n * period);
// Real CPU nanoseconds: no common factor, not a multiple of another column; 0 = no CPU sample.
const cpu = [3_602_770, 0, 4_680_845, 3_562_443, 912_004_117, 1];

describe('column blob', () => {
  const cases: { name: string; columns: number[][]; kinds: string }[] = [
    { name: 'Node: samples, wall = samples × period, cpu', columns: [samples, wall, cpu], kinds: 'plain, ×k, plain' },
    { name: 'wall listed first: the smaller column is the base', columns: [wall, cpu, samples], kinds: '×k, plain, plain' },
    { name: 'Go: samples and cpu = samples × 10 ms', columns: [samples, samples.map((n) => n * 10_000_000)], kinds: 'plain, ×k' },
    { name: 'equal columns (× 1)', columns: [samples, samples, samples], kinds: 'plain, ×k, ×k' },
    { name: 'a scaled column alone', columns: [samples, cpu, wall.map((v, i) => (i === 1 ? 0 : v + period))], kinds: 'plain, plain, scaled' },
    {
      name: 'columns with their own stacks (0 = absent) and huge values',
      columns: [
        [0, 5, 0, 9, 0, 2 ** 53 - 1],
        [7, 0, 0, 0, 1, 0],
      ],
      kinds: 'plain, bits',
    },
    { name: 'one column: the one-column blob', columns: [cpu], kinds: 'one' },
  ];
  // Bit-packing pays off past a handful of values of similar size: the same shapes over 64 stacks.
  const many = Array.from({ length: 64 }, (_v, i) => i * 5 + 2);
  const manySamples = many.map((_v, i) => 1 + (i % 4));
  const manyCpu = many.map((_v, i) => 9_000_000 + ((i * 7_919_993) % 4_000_000));
  const bitCases: { name: string; columns: number[][]; kinds: string }[] = [
    { name: 'Node cpu nanoseconds (24 bits, not 4 varint bytes)', columns: [manySamples, manySamples.map((n) => n * period), manyCpu], kinds: 'bits, ×k, bits' },
    { name: 'bit-packed after a common factor', columns: [manySamples, manyCpu.map((v) => v * 1000)], kinds: 'bits, bits' },
    { name: 'all zeros: width 0', columns: [manySamples, many.map(() => 0)], kinds: 'bits, bits' },
    { name: '32-bit values', columns: [manySamples, many.map((_v, i) => 2 ** 32 - 1 - i)], kinds: 'bits, bits' },
    { name: 'too wide for bits: plain', columns: [manySamples, many.map((_v, i) => 2 ** 40 + i * 999_331)], kinds: 'bits, plain' },
  ];
  for (const c of [...cases.map((x) => ({ ...x, ids })), ...bitCases.map((x) => ({ ...x, ids: many }))]) {
    it(`round-trips every column exactly: ${c.name}`, () => {
      const blob = encodeColumns(c.ids, c.columns);
      c.columns.forEach((values, col) => expect(column(blob, col)).toEqual(expected(c.ids, values)));
      if (c.kinds === 'one') expect(blob).toEqual(encodeSamples(c.ids, c.columns[0]!));
      else {
        expect([blob[0], blob[1], blob[2], blob[3]]).toEqual([0x81, 0x00, c.columns.length, c.ids.length]);
        expect(kindsOf(blob)).toBe(c.kinds);
      }
    });
  }

  it('stores a multiple of another column in a few bytes, and a common factor once', () => {
    const both = encodeColumns(ids, [samples, wall, cpu]);
    const noWall = encodeColumns(ids, [samples, cpu]);
    // "column 0 × period": kind, base, factor (4-byte varint).
    expect(both.length - noWall.length).toBeLessThanOrEqual(1 + 1 + 4);
    // One column scaled by 1000: its values are stored divided.
    const milli = encodeColumns(ids, [samples, cpu.map((v) => v * 1000)]);
    const plainMilli = encodeColumns(ids, [samples, cpu]);
    expect(kindsOf(milli)).toBe('plain, scaled');
    expect(milli.length).toBeLessThanOrEqual(plainMilli.length + 2);
    expect(column(milli, 1)).toEqual(expected(ids, cpu.map((v) => v * 1000)));
  });

  it('shares the stack ids: three columns cost far less than three one-column blobs', () => {
    const many = Array.from({ length: 200 }, (_v, i) => i * 3 + 1);
    const s = many.map((_v, i) => 1 + (i % 5));
    const c = many.map((_v, i) => 1_000_003 + i * 7919);
    const w = s.map((v) => v * period);
    const separate = encodeSamples(many, s).length + encodeSamples(many, w).length + encodeSamples(many, c).length;
    expect(encodeColumns(many, [s, w, c]).length).toBeLessThan(separate * 0.75);
  });

  it('decodes a one-column blob (v1–v3 rows) as column 0 and nothing else', () => {
    const legacy = encodeSamples([1, 4], [5, 6]);
    expect(column(legacy, 0)).toEqual([
      [1, 5],
      [4, 6],
    ]);
    expect(() => column(legacy, 1)).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }));
  });

  it('rejects damaged blobs with KPROF_STORE_CORRUPT_BLOB', () => {
    const good = encodeColumns(ids, [samples, wall, cpu]);
    const header = (bytes: number[]): Buffer => Buffer.from([0x81, 0x00, ...bytes]);
    const bad: [string, Buffer, number][] = [
      ['truncated', good.subarray(0, good.length - 1), 2],
      ['one byte too many', Buffer.concat([good, Buffer.from([0])]), 0],
      ['header only', header([]), 0],
      ['no such column', good, 3],
      ['unknown column kind', header([1, 1, 7, 0, 1, 0]), 0],
      ['scale below 2', header([1, 1, 1, 1, 1, 1, 0, 1]), 0],
      ['multiple of itself', header([2, 1, 0, 1, 2, 1, 1, 1, 1, 5]), 1],
      ['multiple of a multiple', header([3, 1, 0, 1, 2, 0, 2, 2, 1, 2, 1, 1, 4]), 2],
      ['ids section shorter than the stack count', header([1, 2, 0, 2, 1, 1, 1, 1]), 0],
      ['values section shorter than the stack count', header([1, 2, 0, 1, 2, 1, 1, 1]), 0],
      ['ids section ends inside a varint', header([1, 1, 0, 1, 1, 0x81, 1]), 0],
      // 9 values × 8 bits need 9 bytes, 8 are there.
      ['bit-packed section short', header([1, 9, 3, 1, 8, 9, ...Array(9).fill(1), ...Array(8).fill(1)]), 0],
      ['bit width over 32', header([1, 1, 3, 1, 33, 1, 0, 1, 1, 1, 1, 1]), 0],
      ['bit-packed scale 0', header([1, 1, 3, 0, 8, 1, 0, 1]), 0],
    ];
    for (const [name, blob, col] of bad) {
      expect(() => column(blob, col), name).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }));
    }
  });

  it('keeps the totals of columns past the inline ones as varints', () => {
    expect(INLINE_TOTALS).toBe(4);
    expect(encodeMoreTotals([5])).toBeNull();
    expect(encodeMoreTotals([1, 2, 3, 4])).toBeNull();
    const more = encodeMoreTotals([1, 2, 3, 4, 12 * period, 2 ** 40])!;
    expect([4, 5].map((c) => moreTotal(more, c))).toEqual([12 * period, 2 ** 40]);
    expect(() => moreTotal(more, 6)).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }));
    expect(() => moreTotal(null, 4)).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }));
  });
});
