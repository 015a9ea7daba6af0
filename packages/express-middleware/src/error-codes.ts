import { ConfigError, type CodesOfClass } from '@kprof/sdk';

/** A code the package throws: an error of the SDK class `class`. */
interface ThrownEntry {
  readonly class: 'ConfigError';
  /** What went wrong, in one line (the README's "Meaning" column). */
  readonly meaning: string;
  /** What to do about it (the README's "Fix" column). */
  readonly fix: string;
}

/** A code the routes answer with: `status` and Go's `text/plain` error body (the code itself is not sent). */
interface AnswerEntry {
  readonly status: 400 | 401 | 403 | 404 | 405 | 429 | 500 | 501;
  /** Answered by Go's ServeMux rather than net/http/pprof, so without `X-Go-Pprof`. */
  readonly fromMux?: true;
  readonly meaning: string;
  readonly fix: string;
}

/**
 * Every code of the package, never reused: the one it throws, with its class, and every error answer of the routes,
 * with its status. Each has a meaning and a fix; the README's code table is tested against this one
 * (`readme-tables.test.ts`). One code, one status.
 */
export const ERROR_CODES = Object.freeze({
  KPROF_EXPRESS_INVALID_OPTION: {
    class: 'ConfigError',
    meaning: 'An option of `pprofRouter` or `profileRoutes` has the wrong type or is out of range; the message names it, its value and the allowed range.',
    fix: 'Pass a value in the range the message gives, or leave the option unset.',
  },
  KPROF_EXPRESS_INVALID_SECONDS: {
    status: 400,
    meaning: '`heap` or `allocs` got a `seconds` that is not a positive integer. Body: Go\'s `invalid value for "seconds" - must be a positive integer`.',
    fix: 'Pass whole seconds ≥ 1, or no `seconds` for a snapshot.',
  },
  KPROF_EXPRESS_SECONDS_WITH_DEBUG: {
    status: 400,
    meaning: '`heap` or `allocs` got `seconds` together with a `debug` other than 0. Body: Go\'s `seconds and debug params are incompatible`.',
    fix: 'Ask for a delta (`seconds`) or for text (`debug=1`), not both.',
  },
  KPROF_EXPRESS_DURATION_OVER_LIMIT: {
    status: 400,
    meaning: '`seconds` is over `maxProfileSeconds`. Body: `profile duration Ns exceeds the limit of Ms; ask for less or raise option maxProfileSeconds`.',
    fix: 'Ask for fewer seconds, or raise `maxProfileSeconds`.',
  },
  KPROF_EXPRESS_UNAUTHORIZED: {
    status: 401,
    meaning: '`authorize` answered `{ status: 401 }`. Body: its `message`, or a default; `WWW-Authenticate` when it gave one.',
    fix: 'Send the credentials the challenge asks for.',
  },
  KPROF_EXPRESS_FORBIDDEN: {
    status: 403,
    meaning: '`authorize` answered `false`, `{ status: 403 }` or anything else (it fails closed; other values are logged at `warn`). Body: its `message`, or a default.',
    fix: 'Use a client that `authorize` admits.',
  },
  KPROF_EXPRESS_UNKNOWN_PROFILE: {
    status: 404,
    meaning: 'No profile has that name. Body: Go\'s `Unknown profile`.',
    fix: 'Use a name from the index page.',
  },
  KPROF_EXPRESS_METHOD_NOT_ALLOWED: {
    status: 405,
    fromMux: true,
    meaning: 'A method other than GET or HEAD. Body: `Method Not Allowed`, with `Allow: GET, HEAD` and no `X-Go-Pprof`, as Go 1.23+\'s ServeMux answers.',
    fix: 'Use GET.',
  },
  KPROF_EXPRESS_TOO_MANY_HEAP_REQUESTS: {
    status: 429,
    meaning: 'More heap or allocs requests at once than `maxConcurrentHeapRequests`; the body names the limit and the option.',
    fix: 'Retry later, or raise `maxConcurrentHeapRequests`.',
  },
  KPROF_EXPRESS_CPU_PROFILE_IN_USE: {
    status: 500,
    meaning: 'A CPU profile is already being taken (one at a time per process). Body: Go\'s `Could not enable CPU profiling: cpu profiling already in use`.',
    fix: 'Retry when the other profile has ended.',
  },
  KPROF_EXPRESS_CPU_PROFILE_FAILED: {
    status: 500,
    meaning: 'The SDK could not profile, e.g. because other code started `@datadog/pprof` (logged at `error`). Body: `Could not enable CPU profiling: <SDK message>`.',
    fix: 'Act on the SDK error code in the log (see the SDK README).',
  },
  KPROF_EXPRESS_AUTHORIZE_FAILED: {
    status: 500,
    meaning: 'The `authorize` hook threw or rejected (logged at `error`); the request is denied. Body: `authorization check failed …`.',
    fix: 'Fix the hook: it must return or resolve to a decision.',
  },
  KPROF_EXPRESS_INTERNAL: {
    status: 500,
    meaning: 'Anything else failed (logged at `error`). Body: `internal error: <message>`.',
    fix: 'See the logged error.',
  },
  KPROF_EXPRESS_GO_ONLY_PROFILE: {
    status: 501,
    meaning: 'A Go-only profile (`goroutine`, `block`, `mutex`, `threadcreate`, `trace`): Node.js has no such data, and a faked profile would read as real. Body: the reason.',
    fix: 'Use `profile` or `heap`.',
  },
} as const satisfies Record<string, ThrownEntry | AnswerEntry>);

/** The codes the routes answer with. */
export type AnswerCode = {
  [K in keyof typeof ERROR_CODES]: (typeof ERROR_CODES)[K] extends AnswerEntry ? K : never;
}[keyof typeof ERROR_CODES];

type ConfigCode = CodesOfClass<typeof ERROR_CODES, 'ConfigError'>;

/** The error every bad option of `pprofRouter` and `profileRoutes` throws. */
export function invalidOption(message: string): ConfigError<ConfigCode> {
  return new ConfigError<ConfigCode>('KPROF_EXPRESS_INVALID_OPTION', message);
}
