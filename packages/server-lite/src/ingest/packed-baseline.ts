import type { ValueTypeText } from './pprof-forms.js';
import type { CumulativeBaseline } from './pprof-delta.js';

// Bytes of one stack + labels key: the SHA-1 digest pprof-delta's keys are the base64 form of.
const KEY_BYTES = 20;

/**
 * A {@link CumulativeBaseline} as two flat typed arrays: what the push endpoint keeps per
 * `memory` series between pushes and sends to a decode worker with the next push. Flat, so its
 * size is known to the byte (the cache is bounded by bytes), structured clone copies it in two
 * memcpys, and the main thread never builds the per-key map (only the worker does).
 */
export interface PackedBaseline {
  readonly sampleTypes: readonly ValueTypeText[];
  readonly cumulative: readonly boolean[];
  /** One 20-byte SHA-1 per stack + labels key. */
  readonly keys: Uint8Array;
  /** Per key, one value per cumulative sample type (in sample type order); non-cumulative types are not kept. */
  readonly values: Float64Array;
}

/** Packs `b`; only its cumulative columns are kept. */
export function packBaseline(b: CumulativeBaseline): PackedBaseline {
  const columns = cumulativeColumns(b.cumulative);
  const keys = new Uint8Array(b.values.size * KEY_BYTES);
  const values = new Float64Array(b.values.size * columns.length);
  let i = 0;
  for (const [key, v] of b.values) {
    const written = Buffer.from(keys.buffer, i * KEY_BYTES, KEY_BYTES).write(key, 'base64');
    if (written !== KEY_BYTES) throw new Error(`packBaseline: key ${key} is not a base64 SHA-1 digest`);
    for (let c = 0; c < columns.length; c++) values[i * columns.length + c] = v[columns[c]!]!;
    i++;
  }
  return { sampleTypes: b.sampleTypes, cumulative: b.cumulative, keys, values };
}

/** The {@link CumulativeBaseline} `p` was packed from. */
export function unpackBaseline(p: PackedBaseline): CumulativeBaseline {
  const columns = cumulativeColumns(p.cumulative);
  const n = p.keys.byteLength / KEY_BYTES;
  const keyBuf = Buffer.from(p.keys.buffer, p.keys.byteOffset, p.keys.byteLength);
  const values = new Map<string, Float64Array>();
  for (let i = 0; i < n; i++) {
    const v = new Float64Array(p.cumulative.length);
    for (let c = 0; c < columns.length; c++) v[columns[c]!] = p.values[i * columns.length + c]!;
    values.set(keyBuf.toString('base64', i * KEY_BYTES, (i + 1) * KEY_BYTES), v);
  }
  return { sampleTypes: p.sampleTypes, cumulative: p.cumulative, values };
}

/**
 * Memory `p` holds, bytes: its two arrays plus a fixed allowance for the sample type names and
 * the object headers, so even an empty baseline counts against a byte budget.
 */
export function packedBaselineBytes(p: PackedBaseline): number {
  return p.keys.byteLength + p.values.byteLength + 256 + p.sampleTypes.reduce((n, t) => n + 2 * (t.type.length + t.unit.length) + 64, 0);
}

function cumulativeColumns(cumulative: readonly boolean[]): number[] {
  const out: number[] = [];
  cumulative.forEach((c, i) => {
    if (c) out.push(i);
  });
  return out;
}
