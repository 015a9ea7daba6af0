/**
 * Typed errors for the query modules. server-lite has no shared `errors.ts` yet, so this small
 * hierarchy lives here; callers (the HTTP layer) match on `code`, never on the class, so a later
 * package-wide module can replace it without changing behaviour.
 */

/** Base of every kprof error: a stable, never-reused `code` plus a message that says what to change. */
export class KprofError extends Error {
  /** Stable machine-readable code, e.g. `KPROF_QUERY_BAD_TIME`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The request is malformed (HTTP 400). */
export class ValidationError extends KprofError {
  /** HTTP status the API layer should answer with. */
  readonly status = 400;
}

/** The request is well-formed but over a configured limit (HTTP 413/422 family). */
export class LimitError extends KprofError {
  /** HTTP status the API layer should answer with. */
  readonly status = 413;
}
