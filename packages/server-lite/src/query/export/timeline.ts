import { LimitError, ValidationError } from '../../errors.js';

/** Pyroscope's timeline JSON (`timeline` in `/render`); times in unix seconds. */
export interface Timeline {
  /** Start of the first bucket, unix seconds (a multiple of 10). */
  startTime: number;
  /** One value per bucket of `durationDelta` seconds; 0 where there is no data. */
  samples: number[];
  /** Bucket width in seconds. */
  durationDelta: number;
  /** Down-sampling watermarks; server-lite never down-samples the timeline, so always empty. */
  watermarks: Record<string, number>;
}

/** Most buckets a timeline may have (Pyroscope's rule gives at most ~10,240). */
export const MAX_TIMELINE_BUCKETS = 20_000;

const BASE_STEP_MS = 10_000;

/**
 * Pyroscope OG's timeline step in ms: the largest 10·10^k seconds strictly below
 * (normalised range) / 1024, or 10 s when none is. 1 h → 10 s, 24 h → 10 s (84.375 s/1024 is
 * not above 100 s), 7 d → 100 s, 365 d → 10,000 s.
 */
export function timelineStep(fromMs: number, untilMs: number): number {
  const { startMs, endMs } = normalizeRange(fromMs, untilMs);
  const minStepMs = (endMs - startMs) / 1024;
  let step = BASE_STEP_MS;
  for (let d = BASE_STEP_MS; d < minStepMs; d *= 10) step = d;
  return step;
}

/** Options for {@link buildTimeline}. */
export interface TimelineOptions {
  /**
   * Fixed bucket width in ms (whole seconds), for Grafana Pyroscope's `/pyroscope/render`, whose
   * step the caller picks; the range is then snapped down to step boundaries at both ends.
   * Default: Pyroscope OG's {@link timelineStep} and 10 s normalisation.
   */
  readonly stepMs?: number;
}

/**
 * Buckets `points` into Pyroscope's timeline for [fromMs, untilMs): the range is normalised the
 * way Pyroscope's segments are (start truncated to 10 s, end rounded up to 10 s), split into
 * `timelineStep` buckets, and each point's value is added to the bucket its time falls in;
 * points outside the range are ignored. Unlike Pyroscope OG, a bucket with data holds exactly
 * the sum (OG stored sum + 1 to tell "no data" from 0; Grafana Pyroscope v1 does not).
 */
export function buildTimeline(
  points: Iterable<{ timeMs: number; value: number }>,
  fromMs: number,
  untilMs: number,
  opts: TimelineOptions = {},
): Timeline {
  let startMs: number;
  let endMs: number;
  let stepMs: number;
  if (opts.stepMs === undefined) {
    ({ startMs, endMs } = normalizeRange(fromMs, untilMs));
    stepMs = timelineStep(fromMs, untilMs);
  } else {
    stepMs = opts.stepMs;
    if (!Number.isSafeInteger(stepMs) || stepMs < 1000 || stepMs % 1000 !== 0) {
      throw new ValidationError('KPROF_QUERY_BAD_STEP', `timeline step ${stepMs} ms must be a whole number of seconds`);
    }
    // Grafana Pyroscope's rule: both ends snapped down to a step boundary.
    startMs = Math.floor(fromMs / stepMs) * stepMs;
    endMs = Math.floor(untilMs / stepMs) * stepMs;
  }
  const count = Math.max(0, Math.floor((endMs - startMs) / stepMs));
  if (count > MAX_TIMELINE_BUCKETS) {
    throw new LimitError(
      'KPROF_QUERY_TIMELINE_TOO_LONG',
      `timeline would have ${count} buckets, over the limit of ${MAX_TIMELINE_BUCKETS}; query a shorter range`,
    );
  }
  const samples = new Array<number>(count).fill(0);
  for (const { timeMs, value } of points) {
    if (timeMs < startMs) continue;
    const i = Math.floor((timeMs - startMs) / stepMs);
    if (i < count) samples[i] = (samples[i] as number) + value;
  }
  return { startTime: startMs / 1000, samples, durationDelta: stepMs / 1000, watermarks: {} };
}

// Pyroscope's segment normalisation: start truncated to 10 s; end truncated too, then one more
// 10 s added unless it was already aligned (and distinct from the start).
function normalizeRange(fromMs: number, untilMs: number): { startMs: number; endMs: number } {
  const startMs = Math.floor(fromMs / BASE_STEP_MS) * BASE_STEP_MS;
  const endFloor = Math.floor(untilMs / BASE_STEP_MS) * BASE_STEP_MS;
  const endMs = endFloor === untilMs && startMs !== endFloor ? untilMs : endFloor + BASE_STEP_MS;
  return { startMs, endMs };
}
