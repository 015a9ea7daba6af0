import { KprofError } from '../errors.js';

/**
 * The compact per-profile sample encoding: `(stack_id, value)` pairs sorted by stack id, as
 * unsigned LEB128 varints — the stack id as a delta from the previous one, then the value.
 * Values are positive integers up to 2^53-1.
 */
export function encodeSamples(stackIds: readonly number[], values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(stackIds.length * 16);
  let pos = 0;
  let prev = 0;
  for (let i = 0; i < stackIds.length; i++) {
    const id = stackIds[i]!;
    pos = writeVarint(out, pos, id - prev);
    pos = writeVarint(out, pos, values[i]!);
    prev = id;
  }
  return Buffer.from(out.subarray(0, pos));
}

/** Calls `each(stackId, value)` for every pair in a blob made by {@link encodeSamples}. */
export function decodeSamples(blob: Uint8Array, each: (stackId: number, value: number) => void): void {
  let pos = 0;
  let id = 0;
  const end = blob.length;
  while (pos < end) {
    // Inline varint reads: this loop is the hot path of every query.
    let b = blob[pos++]!;
    let delta = b & 0x7f;
    let mul = 128;
    while (b >= 0x80) {
      if (pos >= end) throw corrupt();
      b = blob[pos++]!;
      delta += (b & 0x7f) * mul;
      mul *= 128;
    }
    if (pos >= end) throw corrupt();
    b = blob[pos++]!;
    let value = b & 0x7f;
    mul = 128;
    while (b >= 0x80) {
      if (pos >= end) throw corrupt();
      b = blob[pos++]!;
      value += (b & 0x7f) * mul;
      mul *= 128;
    }
    id += delta;
    each(id, value);
  }
}

function writeVarint(out: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

function corrupt(): KprofError {
  return new KprofError('KPROF_STORE_CORRUPT_BLOB', 'a stored sample blob is truncated; the database may be damaged (run PRAGMA integrity_check)');
}
