import { ValidationError } from '../../errors.js';

/** One part of a `multipart/form-data` body. */
export interface FormPart {
  readonly name: string;
  readonly data: Buffer;
}

/** Most parts read from one form; Pyroscope clients send at most three. */
export const MAX_FORM_PARTS = 16;

/**
 * Splits an in-memory `multipart/form-data` body (already size-bounded) into named parts.
 * Throws `ValidationError` `KPROF_INGEST_BAD_MULTIPART` when the boundary is missing, a part
 * has no `name`, or there are more than {@link MAX_FORM_PARTS} parts.
 */
export function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined || boundary.length > 200) {
    throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', 'multipart/form-data without a usable boundary parameter');
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, Buffer>();
  let at = body.indexOf(delimiter);
  if (at < 0) throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', 'multipart body does not contain its boundary');
  let count = 0;
  for (;;) {
    at += delimiter.length;
    // `--` after a delimiter ends the form.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', 'multipart part without a header/body separator');
    const headers = body.toString('latin1', at, headerEnd);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', 'multipart body is truncated (no closing boundary)');
    if (++count > MAX_FORM_PARTS) {
      throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', `multipart body has more than ${MAX_FORM_PARTS} parts`);
    }
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) throw new ValidationError('KPROF_INGEST_BAD_MULTIPART', 'multipart part without a Content-Disposition name');
    if (!parts.has(name)) parts.set(name, body.subarray(headerEnd + 4, next));
    at = next + 2;
  }
  return parts;
}
