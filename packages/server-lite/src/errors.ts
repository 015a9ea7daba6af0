/**
 * server-lite's error hierarchy. Every error carries a stable `code` (never reused) and the HTTP
 * status the API answers with. Callers match on `code`, never on the class: two copies of this
 * module may be loaded at once, and the query modules keep a compatible hierarchy of their own.
 */

/** Options every kprof error accepts. */
export interface KprofErrorOptions {
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/** Base of every kprof error. */
export class KprofError extends Error {
  /** Stable machine-readable code, e.g. `KPROF_INGEST_BODY_TOO_LARGE`. */
  readonly code: string;
  /** HTTP status the API answers with. 500 for the base class. */
  readonly status: number = 500;

  constructor(code: string, message: string, options?: KprofErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad configuration (file, flag or environment); the server refuses to start. */
export class ConfigError extends KprofError {
  override readonly status = 500;
}

/** The request is malformed (HTTP 400). */
export class ValidationError extends KprofError {
  override readonly status: number = 400;
}

/** The request body could not be parsed (HTTP 422, like Pyroscope's ingest parse errors). */
export class UnprocessableError extends ValidationError {
  override readonly status = 422;
}

/** Authentication is missing or wrong (HTTP 401). */
export class UnauthorizedError extends KprofError {
  override readonly status = 401;
}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends KprofError {
  override readonly status = 404;
}

/** The request conflicts with the current state (HTTP 409). */
export class ConflictError extends KprofError {
  override readonly status = 409;
}

/** Over a configured limit (HTTP 413 by default; 429 for rate-like limits). */
export class LimitError extends KprofError {
  override readonly status: number;

  constructor(code: string, message: string, options?: KprofErrorOptions & { readonly status?: 413 | 429 }) {
    super(code, message, options);
    this.status = options?.status ?? 413;
  }
}

/** A remote party (a scrape target, a forward destination) failed (HTTP 502). */
export class UpstreamError extends KprofError {
  override readonly status = 502;
}

/** The server is shutting down or not ready (HTTP 503). */
export class UnavailableError extends KprofError {
  override readonly status = 503;
}

/** The JSON body every error response carries. */
export interface HttpErrorBody {
  readonly code: string;
  readonly message: string;
}

/** An error mapped to HTTP: status, body, and whether it is the server's fault (log it at error). */
export interface HttpError {
  readonly status: number;
  readonly body: HttpErrorBody;
  readonly internal: boolean;
}

/** Code used for errors that are not kprof errors. */
export const INTERNAL_ERROR_CODE = 'KPROF_INTERNAL';

/**
 * Maps any thrown value to HTTP. Kprof errors (any object with a string `code` starting with
 * `KPROF_` and a 4xx/5xx numeric `status`, from this module or a compatible copy) keep their
 * code, message and status; anything else becomes 500 `KPROF_INTERNAL` with a fixed message —
 * its details and stack belong in the log only.
 */
export function toHttpError(err: unknown): HttpError {
  if (isKprofLike(err)) {
    return {
      status: err.status,
      body: { code: err.code, message: err.message },
      internal: err.status >= 500,
    };
  }
  return {
    status: 500,
    body: { code: INTERNAL_ERROR_CODE, message: 'internal server error; see the server log' },
    internal: true,
  };
}

function isKprofLike(err: unknown): err is { code: string; message: string; status: number } {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; status?: unknown };
  return (
    typeof e.code === 'string' &&
    e.code.startsWith('KPROF_') &&
    typeof e.message === 'string' &&
    typeof e.status === 'number' &&
    Number.isInteger(e.status) &&
    e.status >= 400 &&
    e.status <= 599
  );
}
