import type { SourceMapper } from '@datadog/pprof';
import { Profile, StringTable, ValueType } from 'pprof-format';
import { SDK_DEFAULTS } from './config/defaults.js';
import { isIntegerInRange } from './config/option-check.js';
import { loadEngine } from './engine.js';
import { AbortError, ConflictError, LimitError, ValidationError } from './errors.js';
import { sampleLabels, profilerContextSync } from './labels/label-context.js';
import { detectContextMode, type ContextMode } from './labels/profiler-context-sync.js';
import { silentLogger, type Logger } from './logger.js';
import { keepSampleTypes, sampleTypeNames } from './pprof/keep-sample-types.js';
import { mergeProfiles } from './pprof/merge-profiles.js';
import { applyPyroscopeSampleTypeNames } from './pprof/sample-type-names.js';

/** Settings of one run of the wall-time profiler. */
interface TimeProfilerSettings {
  /** Mean time between samples, µs. */
  intervalMicros: number;
  /** Record CPU time per sample (needs contexts, which are always on). */
  collectCpuTime: boolean;
  sourceMapper?: SourceMapper;
}

/** Used when the profiler runs for on-demand windows without `start()`: the SDK's defaults, no source maps. */
export const DEFAULT_TIME_SETTINGS: Readonly<TimeProfilerSettings> = Object.freeze({
  intervalMicros: SDK_DEFAULTS.options.samplingIntervalMicros.default,
  collectCpuTime: SDK_DEFAULTS.options.collectCpuTime,
});

const WINDOW_LIMITS = SDK_DEFAULTS.timeWindows;

/** A merged time profile and the wall-clock span it covers (unix ms). */
export interface TimeSlice {
  profile: Profile;
  startMs: number;
  endMs: number;
}

/** Counters of the time collector, reported in `stats().time`. */
export interface TimeCollectorStats {
  running: boolean;
  contextMode: ContextMode | 'off';
  intervalMicros: number;
  /** Profiler starts and full stops. */
  starts: number;
  stops: number;
  /** Chunks cut (`time.stop(restart)` calls that returned a profile). */
  chunks: number;
  /** Failed stops or starts of the engine (logged). */
  errors: number;
  windowsOpened: number;
  windowsCompleted: number;
  windowsAborted: number;
  windowsActive: number;
  /** Profiler context updates pushed on async continuations / withLabels, and ones the engine refused. */
  contextPushes: number;
  contextErrors: number;
}

class ChunkBuffer {
  private chunks: Profile[] = [];
  private types: string[] | undefined;
  private startMs: number | undefined;
  private endMs = 0;

  add(chunk: TimeSlice): void {
    this.startMs ??= chunk.startMs;
    this.endMs = chunk.endMs;
    let profile = chunk.profile;
    const types = sampleTypeNames(profile);
    if (this.types === undefined) {
      this.types = types;
    } else if (types.join() !== this.types.join()) {
      // CPU time was switched on or off mid-span (start() reconfigured the engine): keep the types both have.
      const common = this.types.filter((t) => types.includes(t));
      this.chunks = this.chunks.map((c) => keepSampleTypes(c, common));
      profile = keepSampleTypes(profile, common);
      this.types = common;
    }
    this.chunks.push(profile);
    if (this.chunks.length > WINDOW_LIMITS.maxBufferedChunks) this.chunks = [mergeProfiles(this.chunks)];
  }

  /** Merges what was buffered into a new profile (never one shared with other consumers) and empties the buffer. */
  take(fallbackStartMs: number, fallbackEndMs: number, empty: () => Profile): TimeSlice {
    const slice = {
      profile: this.chunks.length > 0 ? mergeProfiles(this.chunks) : empty(),
      startMs: this.startMs ?? fallbackStartMs,
      endMs: this.startMs === undefined ? fallbackEndMs : this.endMs,
    };
    this.chunks = [];
    this.types = undefined;
    this.startMs = undefined;
    return slice;
  }
}

interface Consumer {
  readonly buffer: ChunkBuffer;
  readonly openedAtMs: number;
}

/**
 * Owns the process's single wall-time profiler. The profiler runs while at least one consumer (the continuous upload
 * of `start()`, or an on-demand window) needs it, and is cut into chunks with `time.stop(restart=true)` at every
 * consumer boundary, so each chunk lies wholly inside or outside each consumer's span; every consumer gets the chunks
 * of its span and merges them.
 */
class TimeCollector {
  private settings: Readonly<TimeProfilerSettings> = DEFAULT_TIME_SETTINGS;
  private runSettings: Readonly<TimeProfilerSettings> = DEFAULT_TIME_SETTINGS;
  private mode: ContextMode | undefined;
  private running = false;
  private chunkStartMs = 0;
  private readonly consumers = new Set<Consumer>();
  private continuous: Consumer | undefined;
  private logger: Logger = silentLogger;
  private readonly counters = { starts: 0, stops: 0, chunks: 0, errors: 0, windowsOpened: 0, windowsCompleted: 0, windowsAborted: 0 };

  setLogger(logger: Logger): void {
    this.logger = logger;
  }

  isRunning(): boolean {
    return this.running;
  }

  /**
   * Settings for the profiler. Applied at once when it runs (a stop and start: the chunk so far goes to the current
   * consumers), else at the next start.
   */
  configure(settings: Readonly<TimeProfilerSettings>): void {
    this.settings = settings;
    if (this.running) {
      this.rotate(true);
      this.startEngine();
    }
  }

  /** Settings for the next start only (the current run, if any, keeps its own). */
  configureNextRun(settings: Readonly<TimeProfilerSettings>): void {
    this.settings = settings;
  }

  /** Begins the continuous consumer used by the upload schedule. */
  startContinuous(): void {
    if (this.continuous) throw new ConflictError('KPROF_ALREADY_STARTED', 'continuous time profiling is already running');
    this.continuous = this.addConsumer();
  }

  /** Cuts a chunk now and returns everything the continuous consumer has received since the last call. */
  takeContinuous(): TimeSlice | undefined {
    const c = this.continuous;
    if (!c) return undefined;
    this.rotate(false);
    return c.buffer.take(c.openedAtMs, Date.now(), () => this.emptyProfile());
  }

  /** Ends the continuous consumer: returns its last slice, and stops the profiler unless windows still need it. */
  stopContinuous(): TimeSlice | undefined {
    const c = this.continuous;
    if (!c) return undefined;
    this.rotate(this.consumers.size === 1);
    this.consumers.delete(c);
    this.continuous = undefined;
    return c.buffer.take(c.openedAtMs, Date.now(), () => this.emptyProfile());
  }

  /** Time profile of the next `durationMs`; see `collectTimeProfile` in the public API. */
  async collectWindow(durationMs: number, signal?: AbortSignal): Promise<Profile> {
    if (!isIntegerInRange(durationMs, { min: 1, max: Number.POSITIVE_INFINITY })) {
      throw new ValidationError('KPROF_INVALID_DURATION', `durationMs must be a positive integer (ms), got ${String(durationMs)}`);
    }
    if (durationMs > WINDOW_LIMITS.maxDurationMs) {
      throw new LimitError(
        'KPROF_DURATION_TOO_LONG',
        `durationMs is ${durationMs}, over the limit of ${WINDOW_LIMITS.maxDurationMs} ms (1 hour); ask for a shorter window`,
      );
    }
    if (signal?.aborted) throw abortError(signal);
    const windows = this.consumers.size - (this.continuous ? 1 : 0);
    if (windows >= WINDOW_LIMITS.maxOpen) {
      throw new LimitError(
        'KPROF_TOO_MANY_WINDOWS',
        `${windows} time profile windows are already open, the limit is ${WINDOW_LIMITS.maxOpen}; retry when one ends`,
      );
    }
    const consumer = this.addConsumer();
    this.counters.windowsOpened++;
    return new Promise<Profile>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        this.counters.windowsAborted++;
        this.removeConsumer(consumer);
        reject(abortError(signal));
      };
      // Ref'd on purpose: a caller awaiting the window expects the process to live until it ends.
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        this.rotate(this.consumers.size === 1);
        this.consumers.delete(consumer);
        this.counters.windowsCompleted++;
        try {
          resolve(consumer.buffer.take(consumer.openedAtMs, Date.now(), () => this.emptyProfile()).profile);
        } catch (err) {
          reject(err);
        }
      }, durationMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  stats(): TimeCollectorStats {
    return {
      running: this.running,
      contextMode: this.running ? (this.mode ?? 'off') : 'off',
      intervalMicros: (this.running ? this.runSettings : this.settings).intervalMicros,
      ...this.counters,
      windowsActive: this.consumers.size - (this.continuous ? 1 : 0),
      contextPushes: profilerContextSync.pushes,
      contextErrors: profilerContextSync.errors,
    };
  }

  private addConsumer(): Consumer {
    if (this.running) this.rotate(false);
    else this.startEngine();
    const consumer: Consumer = { buffer: new ChunkBuffer(), openedAtMs: Date.now() };
    this.consumers.add(consumer);
    return consumer;
  }

  private removeConsumer(consumer: Consumer): void {
    if (!this.consumers.delete(consumer)) return;
    if (this.consumers.size === 0) this.rotate(true);
  }

  private startEngine(): void {
    const { time } = loadEngine();
    if (time.isStarted()) {
      throw new ConflictError(
        'KPROF_TIME_PROFILER_IN_USE',
        'the @datadog/pprof wall profiler was started by other code in this process (one per process); stop it or use only @kprof/sdk',
      );
    }
    const mode = detectContextMode();
    const settings = this.settings;
    time.start({
      intervalMicros: settings.intervalMicros,
      withContexts: true,
      collectCpuTime: settings.collectCpuTime,
      // Line-level aggregation cannot be combined with contexts in the engine; frames carry their function's line.
      lineNumbers: false,
      workaroundV8Bug: true,
      useCPED: mode === 'cped',
      ...(settings.sourceMapper ? { sourceMapper: settings.sourceMapper } : {}),
    });
    this.runSettings = settings;
    this.mode = mode;
    this.running = true;
    this.chunkStartMs = Date.now();
    this.counters.starts++;
    profilerContextSync.attach(mode);
  }

  /** Cuts the current chunk and hands it to every consumer. `final` stops the profiler instead of restarting it. */
  private rotate(final: boolean): void {
    if (!this.running) return;
    const { time } = loadEngine();
    const startMs = this.chunkStartMs;
    let profile: Profile;
    try {
      if (final) {
        // The engine throws on setContext once stopped: the hook goes first.
        profilerContextSync.detach();
        this.running = false;
        this.counters.stops++;
        profile = time.stop(false, sampleLabels);
      } else {
        profile = time.stop(true, sampleLabels);
      }
    } catch (err) {
      this.counters.errors++;
      this.running = time.isStarted();
      if (this.running && this.mode) profilerContextSync.attach(this.mode);
      this.logger.error({ err }, 'time profiler chunk lost: the engine failed to stop');
      return;
    }
    const endMs = Date.now();
    this.chunkStartMs = endMs;
    this.counters.chunks++;
    applyPyroscopeSampleTypeNames(profile);
    // The engine stamps the serialization time; pprof's time_nanos is when collection started.
    profile.timeNanos = BigInt(startMs) * 1_000_000n;
    const chunk: TimeSlice = { profile, startMs, endMs };
    for (const c of this.consumers) {
      try {
        c.buffer.add(chunk);
      } catch (err) {
        // Never let one consumer's merge failure escape into start(), a window timer or the upload job.
        this.counters.errors++;
        this.logger.error({ err }, 'time profile chunk could not be merged for one consumer');
      }
    }
  }

  private emptyProfile(): Profile {
    const table = new StringTable();
    const vt = (type: string, unit: string): ValueType => new ValueType({ type: table.dedup(type), unit: table.dedup(unit) });
    const sampleType = [vt('samples', 'count'), vt('wall', 'nanoseconds')];
    if (this.runSettings.collectCpuTime) sampleType.push(vt('cpu', 'nanoseconds'));
    return new Profile({
      sampleType,
      stringTable: table,
      periodType: vt('wall', 'nanoseconds'),
      period: this.runSettings.intervalMicros * 1000,
      timeNanos: BigInt(Date.now()) * 1_000_000n,
    });
  }
}

function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError('KPROF_ABORTED', 'time profile window aborted before it ended', { cause: signal?.reason });
}

/** The process's time collector, shared by `start()` and `collectTimeProfile`. */
export const timeCollector = new TimeCollector();
