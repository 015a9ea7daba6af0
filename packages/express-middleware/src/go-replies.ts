import type { Response } from 'express';
import { ERROR_CODES, type AnswerCode } from './error-codes.js';

/**
 * Responses with exactly Go's net/http/pprof headers. Bodies go out with `res.end`, not `res.send`, so Express adds no
 * ETag or charset and the header set stays comparable with Go's.
 */

/**
 * Every error answer of the routes: the registry's status for `code`, `message` + newline as text/plain, and Go's
 * serveError headers — `X-Go-Pprof: 1` (without it `go tool pprof` hides the message) except on the answers Go's
 * ServeMux gives itself. When the headers are already out (a profile was being streamed) the connection is cut instead.
 */
export function sendErrorAnswer(res: Response, code: AnswerCode, message: string, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer: { status: number; fromMux?: true } = ERROR_CODES[code];
  res.removeHeader('Content-Disposition');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  if (!answer.fromMux) res.setHeader('X-Go-Pprof', '1');
  for (const [k, v] of Object.entries(extraHeaders ?? {})) res.setHeader(k, v);
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.setHeader('Content-Length', String(body.length));
  res.statusCode = answer.status;
  res.end(body);
}

/** A binary profile: `application/octet-stream` and `Content-Disposition: attachment; filename="<name>"`. */
export function sendProfile(res: Response, filename: string, body: Uint8Array): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Content-Length', String(body.byteLength));
  res.statusCode = 200;
  res.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

/** A 200 text answer (`debug=1`, `cmdline`, `symbol`) or the HTML index. */
export function sendText(res: Response, text: string, contentType = 'text/plain; charset=utf-8'): void {
  const body = Buffer.from(text, 'utf8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(body.length));
  res.statusCode = 200;
  res.end(body);
}
