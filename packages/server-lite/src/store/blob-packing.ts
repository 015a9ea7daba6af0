import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { corrupt } from './sample-blob.js';

// A packed blob starts with 0x82 0x00, a non-minimal varint of 2: one-column blobs start with a
// minimal varint or 0x80 0x00 (sample-blob.ts), multi-column ones with 0x81 0x00 (column-blob.ts).
const PACKED_0 = 0x82;
const PACKED_1 = 0x00;

/**
 * Smallest blob worth deflating. Below it zlib's per-call set-up (~30 µs) costs more than the
 * bytes saved: measured on heavy profiles, a Node wall row (~800 bytes, 4 label sets per upload)
 * deflates only to 0.85×, a Go CPU row (~1.3 KB) to 0.50×, a rollup (~14 KB) to ~0.6×.
 */
export const MIN_PACKED_BYTES = 1024;

// Deflate must save at least this share, or the blob is kept as is (no inflate on read).
const MIN_SAVING = 0.1;

// Largest blob an inflate may produce: far above any row or rollup, so only damage reaches it.
const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/** `blob` deflated (level 1) behind the packed marker when that saves enough, else `blob` itself. */
export function packBlob(blob: Buffer): Buffer {
  if (blob.length < MIN_PACKED_BYTES) return blob;
  const deflated = deflateRawSync(blob, { level: 1 });
  if (deflated.length + 2 > blob.length * (1 - MIN_SAVING)) return blob;
  const out = Buffer.allocUnsafe(deflated.length + 2);
  out[0] = PACKED_0;
  out[1] = PACKED_1;
  deflated.copy(out, 2);
  return out;
}

/** The blob a {@link packBlob} packed (inflated), or `blob` itself when it is not packed. Throws `KPROF_STORE_CORRUPT_BLOB` for damaged data. */
export function unpackBlob(blob: Uint8Array): Uint8Array {
  if (!(blob.length >= 2 && blob[0] === PACKED_0 && blob[1] === PACKED_1)) return blob;
  try {
    return inflateRawSync(blob.subarray(2), { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    throw corrupt(`does not inflate (${(err as Error).message})`);
  }
}
