import {
  ConfigError,
  ConflictError,
  KprofError,
  LimitError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
  ValidationError,
} from '../errors.js';

/** An error as it crosses a thread boundary (structured clone keeps no classes). */
export interface WorkerErrorData {
  /** Class name, e.g. `LimitError`; `Error` for anything that is not a kprof error. */
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly status: number | undefined;
  readonly stack: string | undefined;
}

/** Flattens a thrown value for `postMessage`. */
export function errorToData(err: unknown): WorkerErrorData {
  if (err instanceof KprofError) return { name: err.name, code: err.code, message: err.message, status: err.status, stack: err.stack };
  if (err instanceof Error) return { name: 'Error', code: undefined, message: err.message, status: undefined, stack: err.stack };
  return { name: 'Error', code: undefined, message: String(err), status: undefined, stack: undefined };
}

type KprofClass = new (code: string, message: string) => KprofError;
const CLASSES: Readonly<Record<string, KprofClass>> = {
  ConfigError,
  ConflictError,
  KprofError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
  ValidationError,
};

/**
 * Rebuilds the error a worker threw as the same kprof class (same code, message and HTTP
 * status), so callers cannot tell it crossed a thread; anything else becomes a plain `Error`
 * (an internal error, answered 500).
 */
export function errorFromData(data: WorkerErrorData): Error {
  let err: Error;
  if (data.code !== undefined && data.name === 'LimitError') {
    err = new LimitError(data.code, data.message, data.status === 429 ? { status: 429 } : {});
  } else if (data.code !== undefined && CLASSES[data.name] !== undefined) {
    err = new CLASSES[data.name]!(data.code, data.message);
  } else {
    err = new Error(data.message);
  }
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}
