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

/**
 * Encodes the samples of several series of one upload and label set (one row group) sharing one
 * list of stack ids: `columns[c][i]` is column c's value for `stackIds[i]` (ascending, distinct);
 * 0 means the stack has no sample in that column and is skipped when decoding.
 *
 * One column is the plain one-column blob of {@link encodeSamples}. Otherwise:
 * `0x81 0x00`, column count, stack count, then per column its kind — `0` plain + byte length,
 * `1` scaled + common factor + byte length, `2` "column j × k" + j + k — then the ids section's
 * byte length, the stack id deltas, and the value sections of the plain and scaled columns in
 * column order (values divided by their column's factor). All varints (unsigned LEB128).
 * "Column j × k" holds when every value of the column is k times column j's (the Node SDK's wall
 * time = samples × sampling period; Go's cpu = samples × 10 ms): it costs a few bytes in all.
 */
export function encodeColumns(stackIds: readonly number[], columns: readonly ArrayLike<number>[]): Buffer {
  if (columns.length === 1) return encodeSamples(stackIds, Array.from(columns[0]!));
  const n = stackIds.length;
  const kinds: { kind: number; a: number; b: number; section?: Buffer }[] = [];
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
      kinds[c] = { kind: MULTIPLE, a: base, b: factor };
      continue;
    }
    plain.push(c);
    let scale = 0;
    for (let i = 0; i < n && scale !== 1; i++) scale = gcd(scale, col[i]!);
    const unscaled = encodeValues(col, n, 1);
    if (scale >= 2) {
      const scaled = encodeValues(col, n, scale);
      if (scaled.length + varintLength(scale) < unscaled.length) {
        kinds[c] = { kind: SCALED, a: scale, b: scaled.length, section: scaled };
        continue;
      }
    }
    kinds[c] = { kind: PLAIN, a: unscaled.length, b: 0, section: unscaled };
  }
  const ids = Buffer.allocUnsafe(n * 8);
  let idsLen = 0;
  for (let i = 0, prev = 0; i < n; i++) {
    idsLen = writeVarint(ids, idsLen, stackIds[i]! - prev);
    prev = stackIds[i]!;
  }
  const header = Buffer.allocUnsafe(2 + 8 * (2 + 3 * columns.length + 1));
  header[0] = MULTI_0;
  header[1] = MULTI_1;
  let pos = writeVarint(header, 2, columns.length);
  pos = writeVarint(header, pos, n);
  for (const k of kinds) {
    pos = writeVarint(header, pos, k.kind);
    pos = writeVarint(header, pos, k.a);
    if (k.kind !== PLAIN) pos = writeVarint(header, pos, k.b);
  }
  pos = writeVarint(header, pos, idsLen);
  return Buffer.concat([header.subarray(0, pos), ids.subarray(0, idsLen), ...kinds.flatMap((k) => (k.section ? [k.section] : []))]);
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

function encodeValues(col: ArrayLike<number>, n: number, scale: number): Buffer {
  const out = Buffer.allocUnsafe(n * 8);
  let pos = 0;
  for (let i = 0; i < n; i++) pos = writeVarint(out, pos, col[i]! / scale);
  return out.subarray(0, pos);
}

/**
 * Calls `each(stackId, value)` for every non-zero value of column `col` of a blob made by
 * {@link encodeColumns}, or of a one-column blob (column 0). Throws `KPROF_STORE_CORRUPT_BLOB` when
 * the blob is damaged or has no such column.
 */
export function decodeColumn(blob: Uint8Array, col: number, each: (stackId: number, value: number) => void): void {
  const end = blob.length;
  if (!(end >= 2 && blob[0] === MULTI_0 && blob[1] === MULTI_1)) {
    if (col !== 0) throw corrupt(`has one column, not ${col + 1}`);
    decodeSamples(blob, (id, v) => {
      if (v !== 0) each(id, v);
    });
    return;
  }
  let pos = 2;
  const read = (): number => {
    let v = 0;
    let mul = 1;
    let b = 0x80;
    while (b >= 0x80) {
      if (pos >= end) throw corrupt();
      b = blob[pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    }
    return v;
  };
  const columns = read();
  const n = read();
  if (col >= columns) throw corrupt(`has ${columns} columns, not ${col + 1}`);
  // The column's kind and, for plain/scaled ones, where its values section starts.
  let sectionOffset = 0;
  let base = -1;
  let factor = 1;
  const scales: number[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  for (let c = 0; c < columns; c++) {
    const kind = read();
    if (kind === MULTIPLE) {
      const j = read();
      const k = read();
      if (c === col) {
        base = j;
        factor = k;
      }
      scales.push(-1);
      offsets.push(-1);
      lengths.push(0);
    } else if (kind === PLAIN || kind === SCALED) {
      const scale = kind === SCALED ? read() : 1;
      if (kind === SCALED && scale < 2) throw corrupt('has a bad scale');
      const len = read();
      scales.push(scale);
      offsets.push(sectionOffset);
      lengths.push(len);
      sectionOffset += len;
    } else throw corrupt(`has an unknown column kind ${kind}`);
  }
  const idsLen = read();
  const idsStart = pos;
  const valuesStart = idsStart + idsLen;
  if (valuesStart + sectionOffset !== end) throw corrupt('has the wrong length');
  let c = col;
  if (base >= 0) {
    if (base >= columns || scales[base]! < 0) throw corrupt('refers to a missing column');
    c = base;
  }
  const mult = scales[c]! * factor;
  let p = idsStart;
  const idsEnd = valuesStart;
  let q = valuesStart + offsets[c]!;
  const valuesEnd = q + lengths[c]!;
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
    if (q >= valuesEnd) throw corrupt();
    b = blob[q++]!;
    let value = b & 0x7f;
    mul = 128;
    while (b >= 0x80) {
      if (q >= valuesEnd) throw corrupt();
      b = blob[q++]!;
      value += (b & 0x7f) * mul;
      mul *= 128;
    }
    id += delta;
    if (value !== 0 && mult !== 0) each(id, value * mult);
  }
  if (p !== idsEnd || q !== valuesEnd) throw corrupt('has the wrong length');
}

/** The `more_totals` of a row: columns 1.. totals as varints; null for a one-column row. */
export function encodeMoreTotals(totals: readonly number[]): Buffer | null {
  if (totals.length <= 1) return null;
  const out = Buffer.allocUnsafe(totals.length * 8);
  let pos = 0;
  for (let i = 1; i < totals.length; i++) pos = writeVarint(out, pos, totals[i]!);
  return Buffer.from(out.subarray(0, pos));
}

/** Column `col`'s total from a row's `total` and `more_totals`. */
export function columnTotal(total: number, more: Uint8Array | null, col: number): number {
  if (col === 0) return total;
  if (more === null) throw corrupt(`has one column, not ${col + 1}`);
  let pos = 0;
  for (let c = 1; ; c++) {
    let v = 0;
    let mul = 1;
    let b = 0x80;
    while (b >= 0x80) {
      if (pos >= more.length) throw corrupt(`has fewer than ${col + 1} column totals`);
      b = more[pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    }
    if (c === col) return v;
  }
}
