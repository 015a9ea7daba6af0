import { describe, expect, it } from 'vitest';
import { MIN_PACKED_BYTES, packBlob, unpackBlob } from './blob-packing.js';
import { decodeColumn, encodeColumns } from './column-blob.js';

// A two-column blob of `n` stacks whose ids and values repeat (compresses well) or are random.
function blob(n: number, repetitive: boolean): Buffer {
  let seed = 12345;
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  let id = 0;
  const ids = Array.from({ length: n }, () => (id += repetitive ? 3 : 1 + Math.floor(random() * 5000)));
  const a = ids.map((_, i) => (repetitive ? 1 + (i % 3) : 1 + Math.floor(random() * 2 ** 28)));
  const b = ids.map(() => (repetitive ? 7 : 1 + Math.floor(random() * 2 ** 20)));
  return encodeColumns(ids, [a, b]);
}

function columns(packed: Uint8Array): [number, number][][] {
  return [0, 1].map((c) => {
    const out: [number, number][] = [];
    decodeColumn(packed, c, (id, v) => out.push([id, v]));
    return out;
  });
}

describe('blob packing', () => {
  it.each([
    { name: 'a small blob stays as is', blob: blob(20, true), large: false, packed: false },
    { name: 'a large repetitive blob is deflated', blob: blob(2000, true), large: true, packed: true },
    { name: 'a large blob that deflate cannot shrink enough stays as is', blob: blob(2000, false), large: true, packed: false },
  ])('$name, and decodes to the same columns', ({ blob: raw, large, packed }) => {
    expect(raw.length >= MIN_PACKED_BYTES).toBe(large);
    const out = packBlob(raw);
    expect(out !== raw).toBe(packed);
    if (packed) expect(out.length).toBeLessThan(raw.length * 0.9);
    expect(Buffer.from(unpackBlob(out))).toEqual(raw);
    expect(columns(out)).toEqual(columns(raw));
  });

  it('a damaged packed blob is a corrupt-blob error, not a crash', () => {
    const out = packBlob(blob(2000, true));
    const damaged = Buffer.concat([out.subarray(0, 2), Buffer.from([0xff, 0xff, 0xff]), out.subarray(5)]);
    expect(() => unpackBlob(damaged)).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }) as Error);
  });
});
