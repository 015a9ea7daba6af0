import { unpackBlob } from './blob-packing.js';
import { corrupt, decodeSamples, encodeSamples, gcd, varintLength, writeVarint } from './sample-blob.js';

// A multi-column blob starts with 0x81 0x00, a non-minimal varint of 1. One-column blobs (see
// sample-blob.ts) start with a minimal varint or with 0x80 0x00, so the two never collide and a
// row written before v4 decodes as column 0.
const MULTI_0 = 0x81;
const MULTI_1 = 0x00;

// Column kinds in the header.
const PLAIN = 0;
const SCALED = 1;
const MULTIPLE = 2;
const BITS = 3;

// Widest bit-packed value: encoder and decoder hold up to width + 7 bits in a double (53 exact);
// past 32 bits varints cost nearly the same anyway.
const MAX_BITS = 32;

/**
 * Encodes the samples of several series of one upload and label set (one row group) sharing one
 * list of stack ids: `columns[c][i]` is column c's value for `stackIds[i]` (ascending, distinct);
 * 0 means the stack has no sample in that column and is skipped when decoding.
 *
 * One column is the plain one-column blob of {@link encodeSamples}. Otherwise:
 * `0x81 0x00`, column count, stack count, then per column its kind — `0` plain + byte length,
 * `1` scaled + common factor + byte length, `2` "column j × k" + j + k, `3` bit-packed + common
 * factor (1: none) + bit width — then the ids section's byte length, the stack id deltas, and the
 * value sections of the plain, scaled and bit-packed columns in column order (values divided by
 * their column's factor). All varints (unsigned LEB128) but the bit-packed sections: every value
 * in `width` bits, least significant first, ⌈n × width / 8⌉ bytes. Bit-packing wins for values
 * of similar size (a Node `cpu` column in nanoseconds: ~25 bits each, 4 varint bytes).
 * "Column j × k" holds when every value of the column is k times column j's (the Node SDK's wall
 * time = samples × sampling period; Go's cpu = samples × 10 ms): it costs a few bytes in all.
 */
export function encodeColumns(stackIds: readonly number[], columns: readonly ArrayLike<number>[]): Buffer {
  if (columns.length === 1) {
    const only = columns[0]!;
    return encodeSamples(stackIds, Array.isArray(only) ? (only as number[]) : Array.from(only));
  }
  const n = stackIds.length;
  // Header fields per column: kind, then (scale, byte length) / (byte length) / (base, factor).
  const kinds: number[] = [];
  const fieldA: number[] = [];
  const fieldB: number[] = [];
  const scales: number[] = [];
  // Smaller columns first, so a column that is a multiple of another finds it already plain.
  const totals = columns.map((col) => {
    let t = 0;
    for (let i = 0; i < n; i++) t += col[i]!;
    return t;
  });
  const order = columns.map((_c, i) => i).sort((x, y) => totals[x]! - totals[y]! || x - y);
  const plain: number[] = [];
  for (const c of order) {
    const col = columns[c]!;
    let base = -1;
    let factor = 0;
    for (const j of plain) {
      const k = multipleOf(col, columns[j]!, n);
      if (k !== undefined) {
        base = j;
        factor = k;
        break;
      }
    }
    if (base >= 0) {
      kinds[c] = MULTIPLE;
      fieldA[c] = base;
      fieldB[c] = factor;
      continue;
    }
    plain.push(c);
    let scale = 0;
    for (let i = 0; i < n && scale !== 1; i++) scale = gcd(scale, col[i]!);
    const unscaled = valuesLength(col, n, 1);
    const scaled = scale >= 2 ? valuesLength(col, n, scale) : Infinity;
    const divisor = scale >= 2 ? scale : 1;
    const width = bitWidth(col, n, divisor);
    // Each kind's cost: its section plus the header fields it adds.
    const plainCost = unscaled + varintLength(unscaled);
    const scaledCost = scale >= 2 ? scaled + varintLength(scale) + varintLength(scaled) : Infinity;
    const packedCost = width <= MAX_BITS ? Math.ceil((n * width) / 8) + varintLength(divisor) + varintLength(width) : Infinity;
    if (packedCost < Math.min(plainCost, scaledCost)) {
      kinds[c] = BITS;
      fieldA[c] = divisor;
      fieldB[c] = width;
      scales[c] = divisor;
    } else if (scaledCost < plainCost) {
      kinds[c] = SCALED;
      fieldA[c] = scale;
      fieldB[c] = scaled;
      scales[c] = scale;
    } else {
      kinds[c] = PLAIN;
      fieldA[c] = unscaled;
      scales[c] = 1;
    }
  }
  let idsLen = 0;
  for (let i = 0, prev = 0; i < n; i++) {
    idsLen += varintLength(stackIds[i]! - prev);
    prev = stackIds[i]!;
  }
  let headerLen = 2 + varintLength(columns.length) + varintLength(n) + varintLength(idsLen);
  let bodyLen = idsLen;
  for (let c = 0; c < columns.length; c++) {
    headerLen += 1 + varintLength(fieldA[c]!) + (kinds[c] === PLAIN ? 0 : varintLength(fieldB[c]!));
    if (kinds[c] === PLAIN) bodyLen += fieldA[c]!;
    else if (kinds[c] === SCALED) bodyLen += fieldB[c]!;
    else if (kinds[c] === BITS) bodyLen += Math.ceil((n * fieldB[c]!) / 8);
  }
  // Sizes are known up front: one exact allocation, written once.
  const out = Buffer.allocUnsafe(headerLen + bodyLen);
  out[0] = MULTI_0;
  out[1] = MULTI_1;
  let pos = writeVarint(out, 2, columns.length);
  pos = writeVarint(out, pos, n);
  for (let c = 0; c < columns.length; c++) {
    pos = writeVarint(out, pos, kinds[c]!);
    pos = writeVarint(out, pos, fieldA[c]!);
    if (kinds[c] !== PLAIN) pos = writeVarint(out, pos, fieldB[c]!);
  }
  pos = writeVarint(out, pos, idsLen);
  for (let i = 0, prev = 0; i < n; i++) {
    pos = writeVarint(out, pos, stackIds[i]! - prev);
    prev = stackIds[i]!;
  }
  for (let c = 0; c < columns.length; c++) {
    if (kinds[c] === MULTIPLE) continue;
    const col = columns[c]!;
    const scale = scales[c]!;
    if (kinds[c] === BITS) pos = writeBits(out, pos, col, n, scale, fieldB[c]!);
    else for (let i = 0; i < n; i++) pos = writeVarint(out, pos, col[i]! / scale);
  }
  if (pos !== out.length) throw new Error(`encodeColumns wrote ${pos} of ${out.length} bytes`);
  return out;
}

// k when col[i] = base[i] × k for every i (a whole k ≥ 0), else undefined.
function multipleOf(col: ArrayLike<number>, base: ArrayLike<number>, n: number): number | undefined {
  let k: number | undefined;
  for (let i = 0; i < n; i++) {
    const b = base[i]!;
    const v = col[i]!;
    if (b === 0) {
      if (v !== 0) return undefined;
      continue;
    }
    if (k === undefined) {
      if (v % b !== 0) return undefined;
      k = v / b;
    } else if (v !== b * k) return undefined;
  }
  return k ?? 1;
}

// Bits the largest of `col[i] / scale` needs (0 for all zeros); over MAX_BITS means too wide.
function bitWidth(col: ArrayLike<number>, n: number, scale: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) if (col[i]! > max) max = col[i]!;
  max /= scale;
  return max >= 2 ** MAX_BITS ? MAX_BITS + 1 : max === 0 ? 0 : 32 - Math.clz32(max);
}

// Writes n values of `col` / `scale` at `width` bits each from byte `pos`; returns the end.
function writeBits(out: Buffer, pos: number, col: ArrayLike<number>, n: number, scale: number, width: number): number {
  const pow = 2 ** width;
  // Bits not yet written (at most 7 + width ≤ 39: exact in a double) and 2^their count.
  let acc = 0;
  let accBits = 0;
  let accMul = 1;
  for (let i = 0; i < n; i++) {
    acc += (col[i]! / scale) * accMul;
    accBits += width;
    accMul *= pow;
    while (accBits >= 8) {
      const byte = acc % 256;
      out[pos++] = byte;
      acc = (acc - byte) / 256;
      accBits -= 8;
      accMul /= 256;
    }
  }
  if (accBits > 0) out[pos++] = acc;
  return pos;
}

function valuesLength(col: ArrayLike<number>, n: number, scale: number): number {
  let len = 0;
  for (let i = 0; i < n; i++) len += varintLength(col[i]! / scale);
  return len;
}

/**
 * Calls `each(stackId, value)` for every non-zero value of column `col` of a blob made by
 * {@link encodeColumns} (packed by blob-packing.ts or not), or of a one-column blob (column 0). Throws `KPROF_STORE_CORRUPT_BLOB` when
 * the blob is damaged or has no such column.
 */
export function decodeColumn(packed: Uint8Array, col: number, each: (stackId: number, value: number) => void): void {
  const blob = unpackBlob(packed);
  const end = blob.length;
  if (!(end >= 2 && blob[0] === MULTI_0 && blob[1] === MULTI_1)) {
    if (col !== 0) throw corrupt(`has one column, not ${col + 1}`);
    decodeSamples(blob, (id, v) => {
      if (v !== 0) each(id, v);
    });
    return;
  }
  // Header fields go to reused scratch arrays: this runs once per row a query reads.
  headerPos = 2;
  const columns = readHeaderVarint(blob, end);
  const n = readHeaderVarint(blob, end);
  if (col >= columns) throw corrupt(`has ${columns} columns, not ${col + 1}`);
  if (scratchScale.length < columns) {
    scratchScale = new Float64Array(columns);
    scratchOffset = new Float64Array(columns);
    scratchLength = new Float64Array(columns);
    scratchWidth = new Float64Array(columns);
  }
  const scales = scratchScale;
  const offsets = scratchOffset;
  const lengths = scratchLength;
  const widths = scratchWidth;
  let sectionOffset = 0;
  let base = -1;
  let factor = 1;
  for (let c = 0; c < columns; c++) {
    const kind = readHeaderVarint(blob, end);
    if (kind === MULTIPLE) {
      const j = readHeaderVarint(blob, end);
      const k = readHeaderVarint(blob, end);
      if (c === col) {
        base = j;
        factor = k;
      }
      scales[c] = -1;
    } else if (kind === PLAIN || kind === SCALED) {
      const scale = kind === SCALED ? readHeaderVarint(blob, end) : 1;
      if (kind === SCALED && scale < 2) throw corrupt('has a bad scale');
      const len = readHeaderVarint(blob, end);
      scales[c] = scale;
      offsets[c] = sectionOffset;
      lengths[c] = len;
      widths[c] = -1;
      sectionOffset += len;
    } else if (kind === BITS) {
      const scale = readHeaderVarint(blob, end);
      const width = readHeaderVarint(blob, end);
      if (scale < 1 || width > MAX_BITS) throw corrupt('has a bad bit-packed column');
      const len = Math.ceil((n * width) / 8);
      scales[c] = scale;
      offsets[c] = sectionOffset;
      lengths[c] = len;
      widths[c] = width;
      sectionOffset += len;
    } else throw corrupt(`has an unknown column kind ${kind}`);
  }
  const idsLen = readHeaderVarint(blob, end);
  const idsStart = headerPos;
  const valuesStart = idsStart + idsLen;
  if (valuesStart + sectionOffset !== end) throw corrupt('has the wrong length');
  let c = col;
  if (base >= 0) {
    if (base >= columns || scales[base]! < 0) throw corrupt('refers to a missing column');
    c = base;
  }
  const mult = scales[c]! * factor;
  const width = widths[c]!;
  let p = idsStart;
  const idsEnd = valuesStart;
  let q = valuesStart + offsets[c]!;
  const valuesEnd = q + lengths[c]!;
  // Bit-packed values: bits read but not yet used (at most width + 7 ≤ 39: exact in a double).
  const pow = 2 ** width;
  let acc = 0;
  let accBits = 0;
  let accMul = 1;
  let id = 0;
  for (let i = 0; i < n; i++) {
    // Inline varint reads: the hot path of every query.
    if (p >= idsEnd) throw corrupt();
    let b = blob[p++]!;
    let delta = b & 0x7f;
    let mul = 128;
    while (b >= 0x80) {
      if (p >= idsEnd) throw corrupt();
      b = blob[p++]!;
      delta += (b & 0x7f) * mul;
      mul *= 128;
    }
    let value = 0;
    if (width >= 0) {
      // The section's length is ⌈n × width / 8⌉, checked against the blob's: reads stay inside.
      while (accBits < width) {
        acc += blob[q++]! * accMul;
        accMul *= 256;
        accBits += 8;
      }
      value = acc % pow;
      acc = (acc - value) / pow;
      accMul /= pow;
      accBits -= width;
    } else {
      if (q >= valuesEnd) throw corrupt();
      b = blob[q++]!;
      value = b & 0x7f;
      mul = 128;
      while (b >= 0x80) {
        if (q >= valuesEnd) throw corrupt();
        b = blob[q++]!;
        value += (b & 0x7f) * mul;
        mul *= 128;
      }
    }
    id += delta;
    if (value !== 0 && mult !== 0) each(id, value * mult);
  }
  if (p !== idsEnd || q !== valuesEnd) throw corrupt('has the wrong length');
}

/**
 * Columns whose totals a profile row keeps in integer columns (`total`, `total_1` … `total_3`):
 * a timeline reads them from the covering index as plain numbers. Wider rows keep the totals of
 * columns from this one on in `more_totals`.
 */
export const INLINE_TOTALS = 4;

let scratchScale = new Float64Array(8);
let scratchOffset = new Float64Array(8);
let scratchLength = new Float64Array(8);
let scratchWidth = new Float64Array(8);
let headerPos = 0;

// Reads the varint at `headerPos` and moves past it.
function readHeaderVarint(blob: Uint8Array, end: number): number {
  let v = 0;
  let mul = 1;
  let b = 0x80;
  while (b >= 0x80) {
    if (headerPos >= end) throw corrupt();
    b = blob[headerPos++]!;
    v += (b & 0x7f) * mul;
    mul *= 128;
  }
  return v;
}

/** The `more_totals` of a row: the totals of columns {@link INLINE_TOTALS}.. as varints; null when there are none. */
export function encodeMoreTotals(totals: readonly number[]): Buffer | null {
  if (totals.length <= INLINE_TOTALS) return null;
  const out = Buffer.allocUnsafe(totals.length * 8);
  let pos = 0;
  for (let i = INLINE_TOTALS; i < totals.length; i++) pos = writeVarint(out, pos, totals[i]!);
  return Buffer.from(out.subarray(0, pos));
}

/** Column `col`'s total (col ≥ {@link INLINE_TOTALS}) from a row's `more_totals`. */
export function moreTotal(more: Uint8Array | null, col: number): number {
  if (more === null) throw corrupt(`has no total for column ${col + 1}`);
  let pos = 0;
  for (let c = INLINE_TOTALS; ; c++) {
    let v = 0;
    let mul = 1;
    let b = 0x80;
    while (b >= 0x80) {
      if (pos >= more.length) throw corrupt(`has no total for column ${col + 1}`);
      b = more[pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    }
    if (c === col) return v;
  }
}
