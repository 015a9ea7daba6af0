/**
 * Typed errors of `@kprof/sdk`. Every error carries a stable `code` from the registry in `error-codes.ts` (documented
 * in the README's error-code table) so callers can branch on it without parsing messages. Match on `code`, not on the
 * class: two copies of the SDK may be loaded at once.
 *
 * Each class's constructor takes only the codes registered for it: `Code` defaults to the SDK's registry and cannot be
 * inferred from the argument, so `new LimitError('KPROF_TYPO', …)` does not type-check. Packages built on the SDK
 * name their own registry's codes instead, e.g. `new ConfigError<ExpressConfigCode>('KPROF_EXPRESS_INVALID_OPTION', …)`.
 */
import type { CodeOf } from './error-codes.js';

/** Options every kprof error accepts. */
export interface KprofErrorOptions {
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/** Base class of every error the SDK throws or rejects with. */
export class KprofError<Code extends string = CodeOf<'KprofError'>> extends Error {
  /** Stable, documented code, e.g. `KPROF_CONFIG_APP_NAME`. */
  readonly code: string;

  constructor(code: NoInfer<Code>, message: string, options?: KprofErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad options passed in code (fix the option named in the message). */
export class ConfigError<Code extends string = CodeOf<'ConfigError'>> extends KprofError<Code> {}

/** Bad input to an SDK call. */
export class ValidationError<Code extends string = CodeOf<'ValidationError'>> extends KprofError<Code> {}

/** A conflicting state, e.g. the profiler is already running. */
export class ConflictError<Code extends string = CodeOf<'ConflictError'>> extends KprofError<Code> {}

/** Over a bound. */
export class LimitError<Code extends string = CodeOf<'LimitError'>> extends KprofError<Code> {}

/** An operation was cancelled through its `AbortSignal` (`name` is `'AbortError'`, like DOM aborts). */
export class AbortError<Code extends string = CodeOf<'AbortError'>> extends KprofError<Code> {
  constructor(code: NoInfer<Code>, message: string, options?: KprofErrorOptions) {
    super(code, message, options);
    this.name = 'AbortError';
  }
}
