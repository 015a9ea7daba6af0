import type { Logger } from '../logger.js';
import type { IntegerOptionRule } from './option-check.js';
import type { SDK_DEFAULTS } from './defaults.js';

/**
 * Options of {@link start}. Every option except `appName` has a default; most can also come from a `KPROF_*`
 * environment variable. An option passed in code wins over its environment variable.
 */
export interface SdkOptions {
  /** Application name: the series name servers show (`service_name`). Required here or in `KPROF_APP_NAME`. */
  appName?: string;
  /** Base URL of a Pyroscope-compatible server. Default `http://localhost:4040` (`KPROF_SERVER_ADDRESS`). */
  serverAddress?: string;
  /** Static tags on every profile, e.g. `{ env: 'prod' }`. Keys are label names; no `{ } , =`. Default `{}` (`KPROF_TAGS=k=v;k2=v2`). */
  tags?: Readonly<Record<string, string>>;
  /** Bearer token for the server. Default none (`KPROF_AUTH_TOKEN`). */
  authToken?: string;
  /** Basic auth, used when there is no `authToken`. Default none (`KPROF_BASIC_AUTH_USER` + `KPROF_BASIC_AUTH_PASSWORD`). */
  basicAuth?: { user: string; password: string };
  /** Tenant sent as `X-Scope-OrgID`. Default none (`KPROF_TENANT_ID`). */
  tenantId?: string;
  /** Wall-time sampling interval, µs. Default 10_000 (100 Hz) (`KPROF_SAMPLING_INTERVAL_MICROS`). */
  samplingIntervalMicros?: number;
  /** Collect CPU time per sample alongside wall time. Default true (`KPROF_COLLECT_CPU_TIME`). */
  collectCpuTime?: boolean;
  /** Sample the heap (in-use objects and bytes). Default true (`KPROF_HEAP_SAMPLING`). */
  heapSampling?: boolean;
  /** Average bytes allocated between heap samples. Default 524_288 (512 KiB) (`KPROF_HEAP_INTERVAL_BYTES`). */
  heapIntervalBytes?: number;
  /** Maximum frames kept per heap sample. Default 64 (`KPROF_HEAP_STACK_DEPTH`). */
  heapStackDepth?: number;
  /** How often a time chunk and a heap snapshot are pushed, ms. Default 15_000 (`KPROF_UPLOAD_INTERVAL_MS`). */
  uploadIntervalMs?: number;
  /** How long `stop()` waits to deliver the last profiles, ms. Default 5_000 (`KPROF_FLUSH_TIMEOUT_MS`). */
  flushTimeoutMs?: number;
  /**
   * Map frames of compiled code (TypeScript) back to source files: `true` searches the current working directory
   * (or the main script's directory when the working directory is `/`), or pass the directories holding the `.js`
   * and `.js.map` files. `node_modules` is never searched. Default false (`KPROF_SOURCE_MAPS=true` or `dir1:dir2`).
   */
  sourceMaps?: boolean | readonly string[];
  /** Deadline of one upload request, ms. Default 10_000 (`KPROF_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /** Profiles waiting to be sent; the oldest is dropped beyond it. Default 32 (`KPROF_MAX_QUEUE_SIZE`). */
  maxQueueSize?: number;
  /** Retries per profile on network errors, timeouts, 5xx and 429. Default 5 (`KPROF_MAX_RETRIES`). */
  maxRetries?: number;
  /** pino-compatible logger. Default: silent. */
  logger?: Logger;
}

/** The resolved, validated, frozen configuration; inner code never re-checks it. */
export interface SdkConfig {
  readonly appName: string;
  readonly serverAddress: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly authToken: string | undefined;
  readonly basicAuth: Readonly<{ user: string; password: string }> | undefined;
  readonly tenantId: string | undefined;
  readonly samplingIntervalMicros: number;
  readonly collectCpuTime: boolean;
  readonly heapSampling: boolean;
  readonly heapIntervalBytes: number;
  readonly heapStackDepth: number;
  readonly uploadIntervalMs: number;
  readonly flushTimeoutMs: number;
  /** Directories to load source maps from; empty = source maps off. */
  readonly sourceMapDirs: readonly string[];
  readonly requestTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxRetries: number;
  readonly logger: Logger;
}

type DefaultedOptions = typeof SDK_DEFAULTS.options;
/** The integer options, e.g. `uploadIntervalMs`: their rules are in the defaults table. */
export type IntegerOption = { [K in keyof DefaultedOptions]: DefaultedOptions[K] extends IntegerOptionRule ? K : never }[keyof DefaultedOptions];
/** The boolean options, e.g. `collectCpuTime`. */
export type BooleanOption = { [K in keyof DefaultedOptions]: DefaultedOptions[K] extends boolean ? K : never }[keyof DefaultedOptions];

/** Every option `start()` accepts, in the order messages list them; the type makes sure none is missing. */
export const SDK_OPTION_NAMES: readonly (keyof SdkOptions)[] = Object.freeze(Object.keys({
  appName: true, serverAddress: true, tags: true, authToken: true, basicAuth: true, tenantId: true,
  samplingIntervalMicros: true, collectCpuTime: true, heapSampling: true, heapIntervalBytes: true, heapStackDepth: true,
  uploadIntervalMs: true, flushTimeoutMs: true, sourceMaps: true, requestTimeoutMs: true, maxQueueSize: true,
  maxRetries: true, logger: true,
} satisfies Record<keyof SdkOptions, true>) as (keyof SdkOptions)[]);
