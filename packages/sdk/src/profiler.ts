import { resolveConfig } from './config/resolve-config.js';
import type { SdkConfig, SdkOptions } from './config/sdk-options.js';
import { ConflictError } from './errors.js';
import { PushExporter, type ExporterStats } from './export/push-exporter.js';
import { heapCollector, type HeapCollectorStats } from './heap-collector.js';
import { labelDropReporter } from './labels/label-context.js';
import type { Logger } from './logger.js';
import { PeriodicJob, type PeriodicJobStats } from './periodic-job.js';
import { encodeProfile } from './pprof/encode-profile.js';
import { SOURCE_MAPS_OFF, SourceMaps, type SourceMapStats } from './source-maps.js';
import { DEFAULT_TIME_SETTINGS, timeCollector, type TimeCollectorStats, type TimeSlice } from './time-collector.js';

/** Counters of the SDK, from `stats()`. */
export interface SdkStats {
  /** True between `start()` and the end of `stop()`. */
  running: boolean;
  startedAtMs?: number;
  /** The upload schedule: `runs` started, `skipped` because the previous one was still encoding, `failures`. */
  uploads: PeriodicJobStats & {
    /** Profiles handed to the exporter, by kind. */
    timeProfiles: number;
    heapProfiles: number;
    /** Profiles lost before reaching the exporter (collect or encode failed; logged). */
    collectErrors: number;
    lastUploadAtMs?: number;
  };
  time: TimeCollectorStats;
  heap: HeapCollectorStats;
  /** Labels dropped by `withLabels` since the process started (each bad label name is warned about once). */
  labels: { dropped: number };
  sourceMaps: SourceMapStats;
  /** The push exporter of the current (or last) `start()`; undefined before the first `start()`. */
  exporter?: ExporterStats;
}

interface Session {
  readonly config: SdkConfig;
  readonly log: Logger;
  readonly exporter: PushExporter;
  readonly sourceMaps: SourceMaps | undefined;
  readonly startedAtMs: number;
  job: PeriodicJob | undefined;
  readonly counters: { timeProfiles: number; heapProfiles: number; collectErrors: number; lastUploadAtMs?: number };
}

let session: Session | undefined;
let stopping: Promise<void> | undefined;
// Kept after stop() so stats() still reports what the last run delivered.
let lastSession: Session | undefined;

function childLogger(logger: Logger): Logger {
  try {
    return logger.child ? logger.child({ component: 'kprof-sdk' }) : logger;
  } catch {
    return logger;
  }
}

/**
 * Starts continuous profiling: wall time with CPU time (100 Hz by default), heap sampling (512 KiB), and a push of
 * both profiles every `uploadIntervalMs` (15 s) to `serverAddress`. Synchronous; the first push happens one interval
 * later. Options not given are read from `KPROF_*` environment variables, then defaults (see the README).
 * @throws ConfigError when an option passed in code is invalid (codes `KPROF_CONFIG_*`, `KPROF_EXPORT_*`).
 * @throws ConflictError `KPROF_ALREADY_STARTED` when called again before `stop()` finished;
 *   `KPROF_TIME_PROFILER_IN_USE` / `KPROF_HEAP_PROFILER_IN_USE` when other code already runs `@datadog/pprof`.
 */
export function start(options: SdkOptions): void {
  if (session || stopping) {
    throw new ConflictError(
      'KPROF_ALREADY_STARTED',
      stopping ? 'start() called while stop() is still running; await stop() first' : 'start() called twice; the profiler is already running (call stop() first to restart it)',
    );
  }
  const config = resolveConfig(options, process.env);
  const log = childLogger(config.logger);
  const exporter = new PushExporter({
    serverAddress: config.serverAddress,
    appName: config.appName,
    tags: config.tags,
    ...(config.authToken !== undefined ? { authToken: config.authToken } : {}),
    ...(config.basicAuth !== undefined ? { basicAuth: config.basicAuth } : {}),
    ...(config.tenantId !== undefined ? { tenantId: config.tenantId } : {}),
    requestTimeoutMs: config.requestTimeoutMs,
    maxQueueSize: config.maxQueueSize,
    maxRetries: config.maxRetries,
    logger: config.logger,
  });
  labelDropReporter.setLogger(log);
  timeCollector.setLogger(log);
  const sourceMaps = config.sourceMapDirs.length > 0 ? new SourceMaps(config.sourceMapDirs, log) : undefined;
  try {
    heapCollector.attachSdk(
      config.heapSampling ? { intervalBytes: config.heapIntervalBytes, stackDepth: config.heapStackDepth } : undefined,
      sourceMaps?.mapper,
    );
    timeCollector.configure({
      intervalMicros: config.samplingIntervalMicros,
      collectCpuTime: config.collectCpuTime,
      ...(sourceMaps ? { sourceMapper: sourceMaps.mapper } : {}),
    });
    timeCollector.startContinuous();
  } catch (err) {
    heapCollector.detachSdk();
    timeCollector.configureNextRun(DEFAULT_TIME_SETTINGS);
    void exporter.close({ timeoutMs: 0 });
    throw err;
  }
  const s: Session = {
    config, log, exporter, sourceMaps, startedAtMs: Date.now(), job: undefined,
    counters: { timeProfiles: 0, heapProfiles: 0, collectErrors: 0 },
  };
  s.job = new PeriodicJob(config.uploadIntervalMs, () => uploadOnce(s, false), (err) => log.error({ err }, 'profile upload failed'));
  session = s;
  lastSession = s;
  log.info(
    {
      appName: config.appName,
      serverAddress: config.serverAddress,
      samplingIntervalMicros: config.samplingIntervalMicros,
      collectCpuTime: config.collectCpuTime,
      heapSampling: config.heapSampling,
      uploadIntervalMs: config.uploadIntervalMs,
      contextMode: timeCollector.stats().contextMode,
      sourceMaps: config.sourceMapDirs,
    },
    'profiling started',
  );
}

/** Collects the time slice since the last upload and a heap snapshot, encodes them and hands them to the exporter. */
async function uploadOnce(s: Session, final: boolean): Promise<void> {
  let slice: TimeSlice | undefined;
  try {
    slice = final ? timeCollector.stopContinuous() : timeCollector.takeContinuous();
  } catch (err) {
    s.counters.collectErrors++;
    s.log.error({ err }, 'time profile lost: collecting it failed');
  }
  const endMs = slice?.endMs ?? Date.now();
  const startMs = slice?.startMs ?? s.counters.lastUploadAtMs ?? s.startedAtMs;
  let heapProfile;
  if (heapCollector.isRunning() && s.config.heapSampling) {
    try {
      heapProfile = heapCollector.collect();
    } catch (err) {
      s.counters.collectErrors++;
      s.log.error({ err }, 'heap profile lost: collecting it failed');
    }
  }
  s.counters.lastUploadAtMs = endMs;
  if (slice) {
    try {
      const body = await encodeProfile(slice.profile);
      s.exporter.enqueue({
        kind: 'time', body, startMs: slice.startMs, endMs: slice.endMs,
        sampleRateHz: Math.round(1_000_000 / s.config.samplingIntervalMicros),
      });
      s.counters.timeProfiles++;
    } catch (err) {
      s.counters.collectErrors++;
      s.log.error({ err }, 'time profile lost: encoding failed');
    }
  }
  if (heapProfile) {
    try {
      const body = await encodeProfile(heapProfile);
      s.exporter.enqueue({ kind: 'heap', body, startMs, endMs });
      s.counters.heapProfiles++;
    } catch (err) {
      s.counters.collectErrors++;
      s.log.error({ err }, 'heap profile lost: encoding failed');
    }
  }
}

/**
 * Stops profiling: stops the upload schedule, pushes the last partial interval, flushes the exporter within
 * `timeoutMs` (default: the `flushTimeoutMs` option, 5 000 ms), then stops the profilers (the time profiler keeps
 * running while `collectTimeProfile` windows are open). Idempotent; never rejects.
 */
export function stop(opts: { timeoutMs?: number } = {}): Promise<void> {
  if (stopping) return stopping;
  const s = session;
  if (!s) return Promise.resolve();
  const requested = opts?.timeoutMs;
  const timeoutMs = typeof requested === 'number' && Number.isFinite(requested) && requested >= 0 ? requested : s.config.flushTimeoutMs;
  stopping = stopSession(s, timeoutMs).finally(() => {
    session = undefined;
    stopping = undefined;
  });
  return stopping;
}

async function stopSession(s: Session, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = (): number => Math.max(0, deadline - Date.now());
  try {
    await s.job?.close(remaining());
    await uploadOnce(s, true);
  } catch (err) {
    s.log.error({ err }, 'last profile lost while stopping');
  }
  try {
    heapCollector.detachSdk();
    timeCollector.configureNextRun(DEFAULT_TIME_SETTINGS);
  } catch (err) {
    s.log.error({ err }, 'stopping the profilers failed');
  }
  try {
    await s.exporter.close({ timeoutMs: remaining() });
  } catch (err) {
    s.log.error({ err }, 'closing the exporter failed');
  }
  s.log.info({ exporter: s.exporter.stats() }, 'profiling stopped');
}

/** True while `start()` is in effect (until `stop()` finishes). */
export function isProfilerRunning(): boolean {
  return session !== undefined;
}

/** Counters of the SDK: the upload schedule, collectors, labels, source maps and the push exporter. Cheap; never throws. */
export function stats(): SdkStats {
  const s = session ?? lastSession;
  const running = session !== undefined;
  return {
    running,
    ...(running && s ? { startedAtMs: s.startedAtMs } : {}),
    uploads: {
      ...(s?.job?.stats() ?? { runs: 0, skipped: 0, failures: 0 }),
      timeProfiles: s?.counters.timeProfiles ?? 0,
      heapProfiles: s?.counters.heapProfiles ?? 0,
      collectErrors: s?.counters.collectErrors ?? 0,
      ...(s?.counters.lastUploadAtMs !== undefined ? { lastUploadAtMs: s.counters.lastUploadAtMs } : {}),
    },
    time: timeCollector.stats(),
    heap: heapCollector.stats(),
    labels: { dropped: labelDropReporter.dropped },
    sourceMaps: running && s?.sourceMaps ? s.sourceMaps.stats() : SOURCE_MAPS_OFF,
    ...(s ? { exporter: s.exporter.stats() } : {}),
  };
}
