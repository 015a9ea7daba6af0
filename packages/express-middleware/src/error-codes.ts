import { ConfigError, type CodesOfClass } from '@kprof/sdk';

/** One code of the registry. */
export interface ErrorCodeEntry {
  /** The SDK error class every error with this code is an instance of. */
  readonly class: 'ConfigError';
  /** What went wrong, in one line (the README's "Meaning" column). */
  readonly meaning: string;
  /** What to do about it (the README's "Fix" column). */
  readonly fix: string;
}

/**
 * Every code the middleware throws, never reused, with its class, meaning and fix. The README's code table is tested
 * against it (`readme-tables.test.ts`).
 */
export const ERROR_CODES = Object.freeze({
  KPROF_EXPRESS_INVALID_OPTION: {
    class: 'ConfigError',
    meaning: 'An option of `pprofRouter` or `profileRoutes` has the wrong type or is out of range; the message names it, its value and the allowed range.',
    fix: 'Pass a value in the range the message gives, or leave the option unset.',
  },
} as const satisfies Record<string, ErrorCodeEntry>);

type ConfigCode = CodesOfClass<typeof ERROR_CODES, 'ConfigError'>;

/** The error every bad option of `pprofRouter` and `profileRoutes` throws. */
export function invalidOption(message: string): ConfigError<ConfigCode> {
  return new ConfigError<ConfigCode>('KPROF_EXPRESS_INVALID_OPTION', message);
}
