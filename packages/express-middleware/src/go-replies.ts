import type { Response } from 'express';

/**
 * Responses with exactly Go's net/http/pprof headers. Bodies go out with `res.end`, not `res.send`, so Express adds no
 * ETag or charset and the header set stays comparable with Go's.
 */

/** Go's serveError: text/plain, `X-Go-Pprof: 1` (without it `go tool pprof` hides the message), body + newline. */
export function sendGoError(res: Response, status: number, message: string, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.removeHeader('Content-Disposition');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Go-Pprof', '1');
  for (const [k, v] of Object.entries(extraHeaders ?? {})) res.setHeader(k, v);
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.setHeader('Content-Length', String(body.length));
  res.statusCode = status;
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

/**
 * The ServeMux's answer to a method a `GET /…` pattern does not allow (net/http/pprof registers such patterns from
 * Go 1.23). It comes from the mux, not pprof: no X-Go-Pprof.
 */
export function sendMethodNotAllowed(res: Response): void {
  const body = Buffer.from('Method Not Allowed\n', 'utf8');
  res.setHeader('Allow', 'GET, HEAD');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  res.statusCode = 405;
  res.end(body);
}
