import { KprofError } from '../errors.js';

// A blob that starts with these two bytes carries a value scale: 0x80 0x00 is a non-minimal
// varint of 0, which the pair encoding below never writes (its varints are minimal), so blobs
// written before scaling existed still decode unchanged.
const SCALED_0 = 0x80;
const SCALED_1 = 0x00;

/**
 * The compact per-profile sample encoding: `(stack_id, value)` pairs sorted by stack id, as
 * unsigned LEB128 varints — the stack id as a delta from the previous one, then the value.
 * Values are non-negative integers up to 2^53-1.
 *
 * When every value is a multiple of a common factor (wall time = samples × sampling period, in
 * nanoseconds), the blob is `0x80 0x00`, the factor as a varint, then the pairs with each value
 * divided by it: `wall` values shrink from 4-byte to 1-byte varints. Exact: only whole divisors.
 * The scaled form is used only when it is shorter.
 */
export function encodeSamples(stackIds: readonly number[], values: readonly number[]): Buffer {
  let scale = 0;
  for (let i = 0; i < values.length && scale !== 1; i++) scale = gcd(scale, values[i]!);
  const plain = encodePairs(stackIds, values, 1, 0);
  if (scale < 2) return plain;
  const scaled = encodePairs(stackIds, values, scale, 2 + varintLength(scale));
  if (scaled.length >= plain.length) return plain;
  scaled[0] = SCALED_0;
  scaled[1] = SCALED_1;
  writeVarint(scaled, 2, scale);
  return scaled;
}

/** Calls `each(stackId, value)` for every pair in a blob made by {@link encodeSamples}. */
export function decodeSamples(blob: Uint8Array, each: (stackId: number, value: number) => void): void {
  let pos = 0;
  let id = 0;
  let scale = 1;
  const end = blob.length;
  if (end >= 2 && blob[0] === SCALED_0 && blob[1] === SCALED_1) {
    pos = 2;
    let b = 0x80;
    let mul = 1;
    scale = 0;
    while (b >= 0x80) {
      if (pos >= end) throw corrupt();
      b = blob[pos++]!;
      scale += (b & 0x7f) * mul;
      mul *= 128;
    }
    if (scale < 2) throw corrupt();
  }
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
    each(id, value * scale);
  }
}

function encodePairs(stackIds: readonly number[], values: readonly number[], scale: number, headerBytes: number): Buffer {
  const out = Buffer.allocUnsafe(headerBytes + stackIds.length * 16);
  let pos = headerBytes;
  let prev = 0;
  for (let i = 0; i < stackIds.length; i++) {
    const id = stackIds[i]!;
    pos = writeVarint(out, pos, id - prev);
    pos = writeVarint(out, pos, values[i]! / scale);
    prev = id;
  }
  return Buffer.from(out.subarray(0, pos));
}

/** Greatest common divisor of non-negative integers below 2^53 (exact in doubles); gcd(0, v) = v. */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Bytes of `v` as an unsigned LEB128 varint. */
export function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` as an unsigned LEB128 varint at `pos`; returns the position after it. */
export function writeVarint(out: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/** The error for a blob that does not decode. */
export function corrupt(what = 'is truncated'): KprofError {
  return new KprofError('KPROF_STORE_CORRUPT_BLOB', `a stored sample blob ${what}; the database may be damaged (run PRAGMA integrity_check)`);
}
