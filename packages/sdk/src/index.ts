/**
 * `@kprof/sdk`: continuous profiling for Node.js services (wall and CPU time, in-use heap, per-request labels, source
 * maps), pushed to Pyroscope-compatible servers. Also the collectors that `@kprof/express-middleware` serves as Go-style
 * `/debug/pprof` routes, so one process never runs two profilers.
 */
import type { Profile } from 'pprof-format';
import { timeCollector } from './time-collector.js';

export { start, stop, stats, isProfilerRunning } from './profiler.js';
export type { SdkStats } from './profiler.js';
export { withLabels, getLabels } from './labels/label-context.js';
export { LABEL_LIMITS } from './labels/label-limits.js';
export { DEFAULTS } from './config/defaults.js';
export { checkIntegerOption } from './config/option-check.js';
export type { IntegerOptionRule, OptionSubject } from './config/option-check.js';
export type { SdkOptions } from './config/sdk-options.js';
export { ensureHeapSampling, collectHeapProfile } from './heap-collector.js';
export type { HeapCollectorStats } from './heap-collector.js';
export type { TimeCollectorStats } from './time-collector.js';
export type { SourceMapStats } from './source-maps.js';
export type { PeriodicJobStats } from './periodic-job.js';
export { encodeProfile } from './pprof/encode-profile.js';
export { mergeProfiles } from './pprof/merge-profiles.js';
export { KprofError, ConfigError, ValidationError, ConflictError, LimitError, AbortError } from './errors.js';
export type { CodesOfClass } from './error-codes.js';
export type { Logger } from './logger.js';
export type { ExporterStats } from './export/push-exporter.js';

/**
 * Time profile (`samples`/count, `wall`/nanoseconds, `cpu`/nanoseconds) of the next `durationMs`. While `start()` runs
 * it is cut from the continuous profiler's chunks (pushed profiles lose nothing); otherwise the time profiler (100 Hz,
 * CPU time on) runs just for this window and stops after the last open window ends. Windows may overlap.
 * Limits: `durationMs` 1..3 600 000; at most 8 windows open at once.
 * @throws (rejects) ValidationError `KPROF_INVALID_DURATION`, LimitError `KPROF_DURATION_TOO_LONG` /
 *   `KPROF_TOO_MANY_WINDOWS`, ConflictError `KPROF_TIME_PROFILER_IN_USE`, AbortError `KPROF_ABORTED` when `signal` aborts.
 */
export function collectTimeProfile(opts: { durationMs: number; signal?: AbortSignal }): Promise<Profile> {
  return timeCollector.collectWindow(opts?.durationMs, opts?.signal);
}
