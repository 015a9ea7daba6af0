import { SDK_DEFAULTS } from './config/defaults.js';

/** The SDK's error classes (in `errors.ts`), by name. */
export type SdkErrorClass = 'KprofError' | 'ConfigError' | 'ValidationError' | 'ConflictError' | 'LimitError' | 'AbortError';

/** One code of the registry. */
export interface ErrorCodeEntry {
  /** The class every error with this code is an instance of. */
  readonly class: SdkErrorClass;
  /** What went wrong, in one line (the README's "Meaning" column). */
  readonly meaning: string;
  /** What to do about it (the README's "Fix" column). */
  readonly fix: string;
}

const { seriesName, timeWindows } = SDK_DEFAULTS;

/**
 * Every code the SDK throws, never reused, with its class, meaning and fix. Errors are built through their class,
 * whose constructor takes only the codes registered for it ({@link CodeOf}), so a code missing here does not
 * type-check. The README's error-code table is tested against this one (`test/readme-tables.test.ts`).
 */
export const ERROR_CODES = Object.freeze({
  KPROF_CONFIG_APP_NAME: {
    class: 'ConfigError',
    meaning: `\`appName\` is missing, empty, longer than ${seriesName.maxAppNameChars} characters or contains \`{ } , =\`.`,
    fix: 'Pass `appName` or set `KPROF_APP_NAME`.',
  },
  KPROF_CONFIG_SERVER_ADDRESS: {
    class: 'ConfigError',
    meaning: '`serverAddress` is not an absolute http(s) URL, or has credentials, a query or a fragment.',
    fix: 'Use e.g. `http://localhost:4040`; pass credentials as `authToken`/`basicAuth`.',
  },
  KPROF_CONFIG_TAGS: {
    class: 'ConfigError',
    meaning: `A tag name is not a label name, a value is not a string or contains \`{ } , =\`, or there are more than ${seriesName.maxTags} tags.`,
    fix: 'Fix the tag named in the message.',
  },
  KPROF_CONFIG_INVALID_OPTION: {
    class: 'ConfigError',
    meaning: 'An option has the wrong type or is out of range (message gives the range and the default).',
    fix: 'Use the range in the message, or leave the option unset.',
  },
  KPROF_CONFIG_UNKNOWN_OPTION: {
    class: 'ConfigError',
    meaning: '`start()` got an option it does not know (usually a typo).',
    fix: 'Use one of the options listed in the message.',
  },
  KPROF_ENGINE_UNAVAILABLE: {
    class: 'KprofError',
    meaning: "`@datadog/pprof`'s native addon could not be loaded on this platform or Node version (the message says why). Importing the SDK and `withLabels` still work; profiling is off.",
    fix: 'Run on a platform `@datadog/pprof` 5.20.0 ships binaries for (Linux/macOS x64 and arm64, Windows x64; glibc or musl).',
  },
  KPROF_ALREADY_STARTED: {
    class: 'ConflictError',
    meaning: '`start()` was called while profiling runs or while `stop()` is still running.',
    fix: 'Call `start()` once; `await stop()` before starting again.',
  },
  KPROF_TIME_PROFILER_IN_USE: {
    class: 'ConflictError',
    meaning: 'Other code in the process already runs the `@datadog/pprof` wall profiler (one per process).',
    fix: 'Remove the other profiler (e.g. `@pyroscope/nodejs`, `dd-trace` profiling) or use only kprof.',
  },
  KPROF_HEAP_PROFILER_IN_USE: {
    class: 'ConflictError',
    meaning: 'The `@datadog/pprof` heap profiler could not start, usually because other code started it.',
    fix: 'As above.',
  },
  KPROF_HEAP_SAMPLING_OFF: {
    class: 'ConflictError',
    meaning: '`collectHeapProfile()` was called while heap sampling is off.',
    fix: 'Call `ensureHeapSampling()` first, or `start()` without `heapSampling: false`.',
  },
  KPROF_INVALID_DURATION: {
    class: 'ValidationError',
    meaning: '`collectTimeProfile` got a `durationMs` that is not a positive integer.',
    fix: 'Pass whole milliseconds ≥ 1.',
  },
  KPROF_DURATION_TOO_LONG: {
    class: 'LimitError',
    meaning: `\`durationMs\` is over ${timeWindows.maxDurationMs} ms (1 hour).`,
    fix: 'Ask for a shorter window.',
  },
  KPROF_TOO_MANY_WINDOWS: {
    class: 'LimitError',
    meaning: `${timeWindows.maxOpen} time windows are already open.`,
    fix: 'Retry when one ends.',
  },
  KPROF_ABORTED: {
    class: 'AbortError',
    meaning: 'A time window was aborted through its `signal` (error `name` is `AbortError`).',
    fix: 'Nothing to fix; the caller cancelled.',
  },
  KPROF_LABELS_NOT_A_FUNCTION: {
    class: 'ValidationError',
    meaning: '`withLabels(labels, fn)` got a non-function `fn`.',
    fix: 'Pass the function to run.',
  },
  KPROF_MERGE_INCOMPATIBLE: {
    class: 'ValidationError',
    meaning: '`mergeProfiles` got no profiles, or profiles with different sample types.',
    fix: 'Merge profiles of one kind only.',
  },
  KPROF_EXPORT_INVALID_SERVER_ADDRESS: {
    class: 'ConfigError',
    meaning: 'The push exporter refused `serverAddress`: not http(s), or it has a query, fragment or credentials.',
    fix: 'Use e.g. `http://localhost:4040`; pass credentials as `authToken`/`basicAuth`.',
  },
  KPROF_EXPORT_INVALID_SERIES_NAME: {
    class: 'ConfigError',
    meaning: '`appName` is empty, or it or a tag contains `{ } , =`.',
    fix: 'Remove those characters.',
  },
  KPROF_EXPORT_INVALID_AUTH: {
    class: 'ConfigError',
    meaning: 'A credential contains control characters, or `basicAuth.user` contains `:`.',
    fix: 'Fix the credential.',
  },
  KPROF_EXPORT_INVALID_OPTION: {
    class: 'ConfigError',
    meaning: 'A numeric export option is out of range.',
    fix: 'Use the range in the message, or leave it unset.',
  },
} as const satisfies Record<string, ErrorCodeEntry>);

/**
 * The codes of `Registry` whose entries name error class `C`: the `Code` argument of the SDK's error classes. Public
 * for packages built on the SDK that keep a registry of their own (`{ CODE: { class: 'ConfigError', … } }`).
 */
export type CodesOfClass<Registry, C extends string> = {
  [K in keyof Registry & string]: Registry[K] extends { readonly class: C } ? K : never;
}[keyof Registry & string];

/** The SDK's codes registered for error class `C`, e.g. `CodeOf<'LimitError'>`. */
export type CodeOf<C extends SdkErrorClass> = CodesOfClass<typeof ERROR_CODES, C>;
