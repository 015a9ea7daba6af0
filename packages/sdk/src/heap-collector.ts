import type { SourceMapper } from '@datadog/pprof';
import type { Profile } from 'pprof-format';
import { SDK_DEFAULTS } from './config/defaults.js';
import { checkIntegerOption, type IntegerOptionRule } from './config/option-check.js';
import { loadEngine } from './engine.js';
import { ConfigError, ConflictError } from './errors.js';
import { applyPyroscopeSampleTypeNames } from './pprof/sample-type-names.js';

/** Counters of the heap collector, reported in `stats().heap`. */
export interface HeapCollectorStats {
  sampling: boolean;
  intervalBytes?: number;
  stackDepth?: number;
  snapshots: number;
  errors: number;
}

/**
 * Owns the process's heap sampler. It is started by `start()` (unless `heapSampling: false`) or by
 * `ensureHeapSampling` (the middleware), whichever comes first, and keeps the settings it was started with: the engine
 * cannot change them without a stop, which would throw away every sample of live objects.
 */
class HeapCollector {
  private running: { intervalBytes: number; stackDepth: number } | undefined;
  private startedBySdk = false;
  private requestedOutsideSdk = false;
  private sdkSettings: { intervalBytes: number; stackDepth: number } | undefined;
  private sourceMapper: SourceMapper | undefined;
  private snapshots = 0;
  private errors = 0;

  /** Called by `start()`: heap settings for `ensureHeapSampling()` calls without arguments, and the source mapper. */
  attachSdk(settings: { intervalBytes: number; stackDepth: number } | undefined, sourceMapper: SourceMapper | undefined): void {
    this.sdkSettings = settings;
    this.sourceMapper = sourceMapper;
    if (settings && !this.running) {
      this.startEngine(settings);
      this.startedBySdk = true;
    }
  }

  /** Called by `stop()`: stops sampling if `start()` started it and nobody else asked for it. */
  detachSdk(): void {
    if (this.running && this.startedBySdk && !this.requestedOutsideSdk) {
      loadEngine().heap.stop();
      this.running = undefined;
    }
    this.startedBySdk = false;
    this.sdkSettings = undefined;
    this.sourceMapper = undefined;
  }

  ensure(opts: { intervalBytes?: number; stackDepth?: number } = {}): void {
    if (opts === null || typeof opts !== 'object') {
      throw new ConfigError('KPROF_CONFIG_INVALID_OPTION', 'ensureHeapSampling options must be an object');
    }
    const { heapIntervalBytes, heapStackDepth } = SDK_DEFAULTS.options;
    const intervalBytes = checkHeapOption('intervalBytes', opts.intervalBytes, heapIntervalBytes, this.sdkSettings?.intervalBytes);
    const stackDepth = checkHeapOption('stackDepth', opts.stackDepth, heapStackDepth, this.sdkSettings?.stackDepth);
    this.requestedOutsideSdk = true;
    if (this.running) return;
    this.startEngine({ intervalBytes, stackDepth });
  }

  collect(): Profile {
    if (!this.running) {
      throw new ConflictError(
        'KPROF_HEAP_SAMPLING_OFF',
        'heap sampling is not running; call ensureHeapSampling() first or start() without heapSampling: false',
      );
    }
    try {
      const profile = loadEngine().heap.profile(undefined, this.sourceMapper);
      this.snapshots++;
      return applyPyroscopeSampleTypeNames(profile);
    } catch (err) {
      this.errors++;
      throw err;
    }
  }

  isRunning(): boolean {
    return this.running !== undefined;
  }

  stats(): HeapCollectorStats {
    return { sampling: this.running !== undefined, ...this.running, snapshots: this.snapshots, errors: this.errors };
  }

  private startEngine(settings: { intervalBytes: number; stackDepth: number }): void {
    const { heap } = loadEngine();
    try {
      heap.start(settings.intervalBytes, settings.stackDepth);
    } catch (err) {
      this.errors++;
      throw new ConflictError(
        'KPROF_HEAP_PROFILER_IN_USE',
        'the @datadog/pprof heap profiler could not start; other code in this process probably started it (one per process)',
        { cause: err },
      );
    }
    this.running = { ...settings };
  }
}

/** An `ensureHeapSampling` option, checked against the same bounds as `start()`'s; unset means the SDK's setting. */
function checkHeapOption(name: string, value: unknown, rule: IntegerOptionRule, sdkSetting: number | undefined): number {
  return checkIntegerOption(value, { ...rule, default: sdkSetting ?? rule.default }, {
    name,
    caller: 'ensureHeapSampling',
    invalid: (message) => new ConfigError('KPROF_CONFIG_INVALID_OPTION', message),
  });
}

/** The process's heap collector, shared by `start()` and the middleware. */
export const heapCollector = new HeapCollector();

/**
 * Starts heap (in-use) sampling if it is not running; idempotent. Without arguments it uses the SDK's settings when
 * `start()` runs, else 512 KiB / 64 frames. When sampling already runs, its settings are kept.
 * @throws ConfigError `KPROF_CONFIG_INVALID_OPTION` for bad arguments; ConflictError `KPROF_HEAP_PROFILER_IN_USE`.
 */
export function ensureHeapSampling(opts?: { intervalBytes?: number; stackDepth?: number }): void {
  heapCollector.ensure(opts);
}

/**
 * In-use heap snapshot (`inuse_objects`/count, `inuse_space`/bytes), source-mapped when `start({ sourceMaps })` runs.
 * @throws ConflictError `KPROF_HEAP_SAMPLING_OFF` when heap sampling is off.
 */
export function collectHeapProfile(): Profile {
  return heapCollector.collect();
}
