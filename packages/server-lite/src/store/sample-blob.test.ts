import { describe, expect, it } from 'vitest';
import { decodeSamples, encodeSamples } from './sample-blob.js';

function roundTrip(ids: number[], values: number[]): [number, number][] {
  const out: [number, number][] = [];
  decodeSamples(encodeSamples(ids, values), (id, v) => out.push([id, v]));
  return out;
}

// The pre-scale encoding, written out by hand: blobs stored by earlier versions must still decode.
function legacyVarints(nums: number[]): Buffer {
  const bytes: number[] = [];
  for (let v of nums) {
    while (v >= 0x80) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  }
  return Buffer.from(bytes);
}

describe('sample blob', () => {
  it('stores wall-time values (multiples of the sampling period) divided by their common factor, exactly', () => {
    const period = 10_971_000;
    const ids = [3, 7, 8, 200, 70_000];
    const values = [1, 3, 2, 120, 1].map((n) => n * period);
    const blob = encodeSamples(ids, values);
    const plainBytes = legacyVarints(ids.flatMap((id, i) => [id - (ids[i - 1] ?? 0), values[i]!])).length;
    expect(blob.length).toBeLessThan(plainBytes - 8);
    expect([blob[0], blob[1]]).toEqual([0x80, 0x00]);
    expect(roundTrip(ids, values)).toEqual(ids.map((id, i) => [id, values[i]]));
  });

  it('keeps the plain form when values share no factor or scaling would not save bytes', () => {
    const ids = [1, 2, 3];
    expect(encodeSamples(ids, [3_602_770, 4_680_845, 3_562_443])).toEqual(legacyVarints([1, 3_602_770, 1, 4_680_845, 1, 3_562_443]));
    // Factor 2 on small values: the 3-byte header costs more than it saves.
    expect(encodeSamples(ids, [2, 4, 6])).toEqual(legacyVarints([1, 2, 1, 4, 1, 6]));
    expect(encodeSamples([], [])).toHaveLength(0);
  });

  it('round-trips zeros, huge values and stack id 0 exactly', () => {
    const big = 2 ** 53 - 1;
    expect(roundTrip([0, 1, 5], [0, big, 1])).toEqual([[0, 0], [1, big], [5, 1]]);
    const m = 2 ** 40;
    expect(roundTrip([0, 9], [0, 3 * m])).toEqual([[0, 0], [9, 3 * m]]);
    expect(roundTrip([4], [0])).toEqual([[4, 0]]);
  });

  it('decodes blobs written before scaling existed, including ones starting with stack id 0', () => {
    const got: [number, number][] = [];
    decodeSamples(legacyVarints([0, 0, 5, 300, 1, 20_000_000]), (id, v) => got.push([id, v]));
    expect(got).toEqual([[0, 0], [5, 300], [6, 20_000_000]]);
  });

  it('rejects a truncated or damaged blob with KPROF_STORE_CORRUPT_BLOB', () => {
    const blob = encodeSamples([1, 2], [5_000_000, 10_000_000]);
    for (const bad of [blob.subarray(0, blob.length - 1), Buffer.from([0x80, 0x00]), Buffer.from([0x80, 0x00, 0x01, 0x01, 0x01])]) {
      expect(() => decodeSamples(bad, () => {})).toThrow(expect.objectContaining({ code: 'KPROF_STORE_CORRUPT_BLOB' }));
    }
  });
});
