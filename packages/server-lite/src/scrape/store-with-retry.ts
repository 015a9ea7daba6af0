import { setTimeout as delay } from 'node:timers/promises';
import { errorCode } from '../errors.js';

/** What a store write did after a failure: `retry` (transient: written once more) or `drop`. */
export type StoreFailureAction = 'retry' | 'drop';

/** A write that did not store: its last error and how many attempts were made. */
export interface StoreFailure {
  readonly err: unknown;
  readonly attempts: number;
}

/** Options of {@link storeWithRetry}. */
export interface StoreWithRetryOptions {
  /** Pause before the one retry. */
  readonly retryDelayMs: number;
  /** Aborts the pause (the caller is stopping); the write then counts as failed. */
  readonly signal: AbortSignal;
  /** Called per failed attempt with the error's code and what happens next. */
  readonly onFailure: (code: string, action: StoreFailureAction) => void;
}

/**
 * Runs `write`, and once more after a pause when the first error is transient
 * ({@link isTransientStoreError}); resolves undefined once stored, or with the last failure.
 */
export async function storeWithRetry(write: () => Promise<void>, opts: StoreWithRetryOptions): Promise<StoreFailure | undefined> {
  try {
    await write();
    return undefined;
  } catch (err) {
    if (!isTransientStoreError(err) || opts.signal.aborted) {
      opts.onFailure(storeErrorCode(err), 'drop');
      return { err, attempts: 1 };
    }
    opts.onFailure(storeErrorCode(err), 'retry');
  }
  try {
    await delay(opts.retryDelayMs, undefined, { signal: opts.signal, ref: false });
    await write();
    return undefined;
  } catch (err) {
    opts.onFailure(storeErrorCode(err), 'drop');
    return { err, attempts: 2 };
  }
}

/**
 * Store errors that pass on their own: the write queue is full (`KPROF_INGEST_BACKPRESSURE`), or
 * SQLite found the database locked (`SQLITE_BUSY*`, `SQLITE_LOCKED*`: another connection, e.g. a
 * backup, held the write lock past the busy timeout). Shutdown, a full disk or I/O errors are not.
 */
export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'KPROF_INGEST_BACKPRESSURE' || /^SQLITE_(BUSY|LOCKED)/.test(code));
}

/** The code of a store error for metrics and the target pages: kprof's, or SQLite's own. */
export function storeErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : errorCode(err);
}

