import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { toHttpError } from '../errors.js';

/** Sends `value` as JSON with status 200 (or `status`). */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Sends a body with an explicit content type. */
export function sendBody(res: ServerResponse, body: string | Uint8Array, contentType: string, status = 200): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Answers with `err` mapped to HTTP `{code, message}`. 5xx are logged at error with the stack,
 * 4xx at debug. `closeConnection` is set when the request body was not fully read.
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger, fields: Record<string, unknown>, closeConnection = false): string {
  const mapped = toHttpError(err);
  if (mapped.internal) log.error({ ...fields, err, status: mapped.status }, 'request failed');
  else log.debug({ ...fields, code: mapped.body.code, status: mapped.status }, 'request refused');
  if (res.headersSent) {
    res.destroy();
    return mapped.body.code;
  }
  const body = JSON.stringify(mapped.body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (closeConnection) headers.connection = 'close';
  res.writeHead(mapped.status, headers);
  res.end(body);
  return mapped.body.code;
}
