/**
 * server-lite's error classes. Every error carries a registered `code` (error-codes.ts: never
 * reused) and takes its HTTP status from the registry, so a code answers with one status
 * wherever it is thrown. Each class accepts only its own codes: a code that is not in the
 * registry, or is registered for another class, does not compile. Callers match on `code`,
 * never on the class: two copies of this module may be loaded at once.
 */
import { type CodeOfKind, ERROR_CODES, type ErrorCode, type ErrorKind } from './error-codes.js';

/** Options every kprof error accepts. */
export interface KprofErrorOptions {
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/** Base of every kprof error. */
export class KprofError extends Error {
  /** Stable machine-readable code, e.g. `KPROF_INGEST_BODY_TOO_LARGE`. */
  readonly code: ErrorCode;
  /** HTTP status the API answers with (500 for errors that are never an HTTP answer, should one be sent). */
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: KprofErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code].status ?? 500;
  }
}

// A class per kind whose constructor takes only that kind's codes.
function errorClass<K extends ErrorKind>() {
  return class extends KprofError {
    constructor(code: CodeOfKind<K>, message: string, options?: KprofErrorOptions) {
      super(code, message, options);
    }
  };
}

/** Bad configuration (file, flag or environment); the server refuses to start. */
export class ConfigError extends errorClass<'ConfigError'>() {}

/** The request is malformed (HTTP 400). */
export class ValidationError extends errorClass<'ValidationError'>() {}

/** The request body could not be parsed (HTTP 422, like Pyroscope's ingest parse errors). */
export class UnprocessableError extends errorClass<'UnprocessableError'>() {}

/** Authentication is missing or wrong (HTTP 401). */
export class UnauthorizedError extends errorClass<'UnauthorizedError'>() {}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends errorClass<'NotFoundError'>() {}

/** Over a configured limit: 413 for a request that is too large, 429 for a rate or queue limit. */
export class LimitError extends errorClass<'LimitError'>() {}

/**
 * A scrape of one target failed: the target did not answer, answered badly, or what it sent
 * could not be stored. Shown as `lastError` on the target health pages and counted by code in
 * `kprof_scrape_total{result}`; never an HTTP answer.
 */
export class ScrapeError extends errorClass<'ScrapeError'>() {}

/** The server is shutting down or not ready (HTTP 503). */
export class UnavailableError extends errorClass<'UnavailableError'>() {}

/** The server failed in a known way (HTTP 500): a damaged blob, a dead worker. */
export class InternalError extends errorClass<'InternalError'>() {}

const CLASSES: Readonly<Record<ErrorKind, new (code: never, message: string, options?: KprofErrorOptions) => KprofError>> = {
  ConfigError,
  ValidationError,
  UnprocessableError,
  UnauthorizedError,
  NotFoundError,
  LimitError,
  ScrapeError,
  UnavailableError,
  InternalError,
};

/**
 * An error of the class registered for `code`: for code that holds a code it did not choose (an
 * error rebuilt after crossing a thread, or rewrapped with more context).
 */
export function createError(code: ErrorCode, message: string, options?: KprofErrorOptions): KprofError {
  const Class = CLASSES[ERROR_CODES[code].kind] as new (code: ErrorCode, message: string, options?: KprofErrorOptions) => KprofError;
  return new Class(code, message, options);
}

/** The code of any error, for metrics and health pages (`KPROF_INTERNAL` when it has none). */
export function errorCode(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : INTERNAL_ERROR_CODE;
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
    body: { code: INTERNAL_ERROR_CODE, message: ERROR_CODES[INTERNAL_ERROR_CODE].meaning + '; ' + ERROR_CODES[INTERNAL_ERROR_CODE].fix },
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
