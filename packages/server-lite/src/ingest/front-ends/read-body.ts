import type { IncomingMessage } from 'node:http';
import { LimitError, ValidationError } from '../../errors.js';

/** A request body read into memory, as received. */
export interface RequestBody {
  readonly body: Buffer;
  /** `gzip` when the body is `Content-Encoding: gzip`; the intake pipeline undoes it on a worker. */
  readonly contentEncoding: 'gzip' | undefined;
  /** Bytes received on the wire. */
  readonly receivedBytes: number;
}

/**
 * Reads a request body, refusing more than `maxBytes` on the wire (checked against
 * Content-Length first, then while streaming) and any `Content-Encoding` but gzip and identity.
 * Throws `LimitError` `KPROF_INGEST_BODY_TOO_LARGE`, `ValidationError` `KPROF_INGEST_BAD_ENCODING`.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<RequestBody> {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
    throw new ValidationError('KPROF_INGEST_BAD_ENCODING', `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip or none`);
  }
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
  return { body: Buffer.concat(chunks, size), contentEncoding: encoding === 'gzip' ? 'gzip' : undefined, receivedBytes: size };
}
