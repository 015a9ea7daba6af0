import { isErrorCode } from '../error-codes.js';
import { KprofError, createError } from '../errors.js';

/** An error as it crosses a thread boundary (structured clone keeps no classes). */
export interface WorkerErrorData {
  /** The kprof code; undefined for anything that is not a kprof error. */
  readonly code: string | undefined;
  readonly message: string;
  readonly stack: string | undefined;
}

/** Flattens a thrown value for `postMessage`. */
export function errorToData(err: unknown): WorkerErrorData {
  if (err instanceof KprofError) return { code: err.code, message: err.message, stack: err.stack };
  if (err instanceof Error) return { code: undefined, message: err.message, stack: err.stack };
  return { code: undefined, message: String(err), stack: undefined };
}

/**
 * Rebuilds the error a worker threw as the class its code is registered for (same code, message
 * and HTTP status), so callers cannot tell it crossed a thread; anything else becomes a plain
 * `Error` (an internal error, answered 500).
 */
export function errorFromData(data: WorkerErrorData): Error {
  const err = isErrorCode(data.code) ? createError(data.code, data.message) : new Error(data.message);
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}
