import type { IncomingMessage } from 'node:http';
import { LimitError, ValidationError } from '../../errors.js';
import { gunzipBounded } from '../gunzip-bounded.js';

/** A request body read into memory. */
export interface RequestBody {
  /** The body with any `Content-Encoding: gzip` undone. */
  readonly body: Buffer;
  /** Bytes received on the wire. */
  readonly receivedBytes: number;
}

/**
 * Reads a request body, refusing more than `maxBytes` on the wire (checked against
 * Content-Length first, then while streaming) and more than `maxDecompressedBytes` after a
 * `Content-Encoding: gzip`. Throws `LimitError` `KPROF_INGEST_BODY_TOO_LARGE`,
 * `KPROF_INGEST_DECOMPRESSED_TOO_LARGE`, `ValidationError` `KPROF_INGEST_BAD_ENCODING`.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, maxDecompressedBytes: number): Promise<RequestBody> {
  const tooLarge = (n: number | string): LimitError =>
    new LimitError('KPROF_INGEST_BODY_TOO_LARGE', `request body is ${n} bytes, over ingest.max-body-bytes (${maxBytes}); raise it or send smaller profiles`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    chunks.push(chunk);
  }
  let body: Buffer = Buffer.concat(chunks, size);
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === 'gzip') body = await gunzipBounded(body, maxDecompressedBytes, 'the gzip request body');
  else if (encoding !== '' && encoding !== 'identity') {
    throw new ValidationError('KPROF_INGEST_BAD_ENCODING', `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip or none`);
  }
  return { body, receivedBytes: size };
}
