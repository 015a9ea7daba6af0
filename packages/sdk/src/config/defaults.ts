import type { IntegerOptionRule } from './option-check.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** setTimeout's longest wait (2³¹ − 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Every default and bound of `@kprof/sdk` in one place. Units are in the names: sizes in bytes, times in ms (µs for
 * the sampling interval). Integer options are `{ default, min, max }`, inclusive. The option checks, the push
 * exporter, the collectors, `DEFAULTS`, `LABEL_LIMITS` and the README's options table derive from it
 * (`test/readme-tables.test.ts` compares the README with it).
 */
export const SDK_DEFAULTS = deepFreeze({
  /** `start()` options (environment variables fall back to the same defaults). */
  options: {
    /** `serverAddress`: a Pyroscope-compatible server on this machine, on Pyroscope's port. */
    serverAddress: 'http://localhost:4040',
    /** `samplingIntervalMicros`: 100 Hz, the rate Go's CPU profiler and `@pyroscope/nodejs` use; enough resolution at ~1 % overhead. */
    samplingIntervalMicros: { default: 10_000, min: 1_000, max: 1_000_000 },
    /** `collectCpuTime`: CPU time per sample alongside wall time. */
    collectCpuTime: true,
    /** `heapSampling`: in-use heap sampling on. */
    heapSampling: true,
    /** `heapIntervalBytes`: 512 KiB, V8's and `@pyroscope/nodejs`'s default: a few samples per MiB keeps the cost negligible. */
    heapIntervalBytes: { default: 512 * KiB, min: KiB, max: 64 * MiB },
    /** `heapStackDepth`: frames kept per heap sample. */
    heapStackDepth: { default: 64, min: 1, max: 1_024 },
    /** `uploadIntervalMs`: how often a time chunk and a heap snapshot are pushed. */
    uploadIntervalMs: { default: 15_000, min: 1_000, max: 3_600_000 },
    /** `flushTimeoutMs`: how long `stop()` may take to deliver the last profiles. */
    flushTimeoutMs: { default: 5_000, min: 0, max: 600_000 },
    /** `requestTimeoutMs`: deadline of one upload request (connect, upload, response). */
    requestTimeoutMs: { default: 10_000, min: 1, max: 600_000 },
    /** `maxQueueSize`: profiles waiting to be pushed; the oldest is dropped beyond it. */
    maxQueueSize: { default: 32, min: 1, max: 100_000 },
    /** `maxRetries`: retries per profile on network errors, timeouts, 5xx and 429. */
    maxRetries: { default: 5, min: 0, max: 1_000 },
  },
  /** Bounds of the series name `appName{tags}` that `start()` builds. */
  seriesName: {
    /** Characters of `appName`. */
    maxAppNameChars: 200,
    /** Entries of `tags`. */
    maxTags: 32,
    /** Characters of one tag value. */
    maxTagValueChars: 256,
  },
  /** Directories `sourceMaps` may list. */
  maxSourceMapDirs: 32,
  /** Settings of the push exporter that `start()` does not expose. */
  push: {
    /** `spyName` query parameter: what `@pyroscope/nodejs` sends. */
    spyName: 'nodespy',
    /** Bytes of waiting profile bodies; the oldest are dropped beyond it. */
    maxQueueBytes: { default: 16 * MiB, min: 1, max: Number.MAX_SAFE_INTEGER },
    /** Backoff base: retry n waits a uniform random time in [0, min(retryMaxMs, retryBaseMs·2ⁿ)). */
    retryBaseMs: { default: 1_000, min: 1, max: MAX_TIMER_MS },
    /** Longest wait between attempts, a server's `Retry-After` included. Its minimum at run time is `retryBaseMs`. */
    retryMaxMs: { default: 30_000, min: 1, max: MAX_TIMER_MS },
    /** Bytes of an error reply quoted in logs and `stats().lastError`. */
    maxErrorDetailBytes: 512,
    /** Bytes of a reply drained to keep its keep-alive socket; past it the socket is not worth saving. */
    maxDrainBytes: 64 * KiB,
  },
  /** On-demand time profile windows (`collectTimeProfile`). */
  timeWindows: {
    /** Longest window: 1 hour. */
    maxDurationMs: 3_600_000,
    /** Windows open at once. */
    maxOpen: 8,
    /** Chunks a window holds before it folds them into one profile (bounds the memory of long windows). */
    maxBufferedChunks: 8,
  },
  /** Per-request labels (public as `LABEL_LIMITS`). A label outside them is dropped with one warning per name, never thrown. */
  labels: {
    /** Labels in one context, after merging nested `withLabels` calls. */
    maxLabels: 16,
    /** Characters of a label name. */
    maxNameChars: 64,
    /** Characters of a label value. */
    maxValueChars: 256,
    /** Keys of one `withLabels` input that are looked at; the rest are dropped with one warning. */
    maxInputKeys: 64,
    /** Distinct label names remembered for "warn once"; past it, further drops are only counted. */
    maxWarnedNames: 1_000,
  },
  /** setTimeout's longest wait (2³¹ − 1 ms); a longer one fires at once. */
  maxTimerMs: MAX_TIMER_MS,
});

type DefaultsOf<T> = { readonly [K in keyof T]: T[K] extends IntegerOptionRule ? number : T[K] };

/**
 * The default of every `start()` option that has one, e.g. `DEFAULTS.uploadIntervalMs` (15 000 ms): the `default` of
 * each entry of the SDK's defaults table. Frozen.
 */
export const DEFAULTS: DefaultsOf<typeof SDK_DEFAULTS.options> = Object.freeze(
  Object.fromEntries(
    Object.entries(SDK_DEFAULTS.options).map(([name, value]) => [name, typeof value === 'object' ? value.default : value]),
  ) as DefaultsOf<typeof SDK_DEFAULTS.options>,
);

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

function deepFreeze<T extends object>(value: T): DeepReadonly<T> {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  return Object.freeze(value) as DeepReadonly<T>;
}
