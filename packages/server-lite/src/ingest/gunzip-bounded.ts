import { gunzip } from 'node:zlib';
import { LimitError, UnprocessableError } from '../errors.js';

/** True when `buf` starts with the gzip magic bytes. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Gunzips `buf` on the libuv pool, stopping at `maxBytes` of output, so a gzip bomb costs at
 * most `maxBytes` of memory. Throws `LimitError` `KPROF_INGEST_DECOMPRESSED_TOO_LARGE` past the
 * limit and `UnprocessableError` `KPROF_INGEST_BAD_GZIP` for corrupt data. `what` names the input.
 */
export function gunzipBounded(buf: Buffer, maxBytes: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(buf, { maxOutputLength: maxBytes }, (err, out) => {
      if (err === null) {
        resolve(out);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        reject(
          new LimitError(
            'KPROF_INGEST_DECOMPRESSED_TOO_LARGE',
            `${what} is over ingest.max-decompressed-bytes (${maxBytes} bytes) after gunzip; raise it or send smaller profiles`,
          ),
        );
      } else {
        reject(new UnprocessableError('KPROF_INGEST_BAD_GZIP', `${what} is not valid gzip: ${err.message}`, { cause: err }));
      }
    });
  });
}
