/**
 * Typed errors of `@kprof/sdk`. Every error carries a stable `code` (documented in the README's error-code
 * table) so callers and the HTTP layer can branch on it without parsing messages.
 */

/** Base class of every error the SDK throws or rejects with. */
export class KprofError extends Error {
  /** Stable, documented code, e.g. `KPROF_CONFIG_APP_NAME`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad options passed in code (fix the option named in the message). */
export class ConfigError extends KprofError {}

/** Bad input (maps to HTTP 400). */
export class ValidationError extends KprofError {}

/** A conflicting state, e.g. the profiler is already running (maps to HTTP 409). */
export class ConflictError extends KprofError {}

/** Over a bound (maps to HTTP 413/429). */
export class LimitError extends KprofError {}

/** An operation was cancelled through its `AbortSignal` (`name` is `'AbortError'`, like DOM aborts). */
export class AbortError extends KprofError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AbortError';
  }
}
