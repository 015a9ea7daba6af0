import { ValidationError } from '../../errors.js';
import type { DiffFlamebearer } from './diff-flamebearer.js';
import type { Flamebearer } from './flamebearer.js';
import type { Timeline } from './timeline.js';

/** Series metadata Pyroscope OG reports with a profile. */
export interface ProfileMetadata {
  /** e.g. `nodespy`, `gospy`, `scrape`; Pyroscope's default is `unknown`. */
  readonly spyName: string;
  /** Samples per second; 0 when unknown. */
  readonly sampleRate: number;
  /** `samples`, `objects`, `bytes`, `goroutines`, `lock_samples`, `lock_nanoseconds`, … */
  readonly units: string;
}

/** Inputs of {@link buildRenderResponse}. */
export interface RenderResponseInput {
  readonly flamebearer: Flamebearer;
  readonly timeline: Timeline;
  /** Per-`groupBy`-value timelines; `{}` without groupBy. */
  readonly groups?: Readonly<Record<string, Timeline>>;
  readonly metadata: ProfileMetadata;
  /** Application name (`app.cpu`), used in `metadata.name` and `appName`. */
  readonly appName: string;
  /** The `query` as the client sent it (Pyroscope echoes its trimmed text). */
  readonly query: string;
  readonly maxNodes: number;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly annotations?: readonly { content: string; timestampMs: number }[];
}

/** Pyroscope OG's `/render?format=json` body. */
export interface RenderResponse {
  version: 1;
  flamebearer: Flamebearer;
  metadata: {
    format: 'single';
    spyName: string;
    sampleRate: number;
    units: string;
    name: string;
    appName: string;
    startTime: number;
    endTime: number;
    query: string;
    maxNodes: number;
  };
  timeline: Timeline;
  groups: Record<string, Timeline>;
  heatmap: null;
  annotations: { content: string; timestamp: number }[];
}

/**
 * Assembles `/render` JSON the way Pyroscope OG does: `metadata.name` is
 * `"<appName> <from as RFC 3339 UTC, whole seconds>"`, `startTime`/`endTime` are unix seconds of
 * the requested range, annotation timestamps unix seconds, `heatmap` null.
 */
export function buildRenderResponse(input: RenderResponseInput): RenderResponse {
  return {
    version: 1,
    flamebearer: input.flamebearer,
    metadata: {
      format: 'single',
      spyName: input.metadata.spyName,
      sampleRate: input.metadata.sampleRate,
      units: input.metadata.units,
      name: `${input.appName} ${rfc3339Seconds(input.fromMs)}`,
      appName: input.appName,
      startTime: Math.floor(input.fromMs / 1000),
      endTime: Math.floor(input.untilMs / 1000),
      query: input.query.trim(),
      maxNodes: input.maxNodes,
    },
    timeline: input.timeline,
    groups: { ...(input.groups ?? {}) },
    heatmap: null,
    annotations: (input.annotations ?? []).map((a) => ({ content: a.content, timestamp: Math.floor(a.timestampMs / 1000) })),
  };
}

/** Pyroscope OG's `/render-diff` JSON body. */
export interface RenderDiffResponse {
  version: 1;
  flamebearer: Flamebearer;
  metadata: { format: 'double'; spyName: string; sampleRate: number; units: string; name: string };
  timeline: null;
  groups: null;
  heatmap: null;
  leftTicks: number;
  rightTicks: number;
}

/**
 * Assembles `/render-diff` JSON as Pyroscope OG does. Metadata comes from the left side unless it
 * is empty (no samples or no sample rate), then from the right. Throws `ValidationError`
 * `KPROF_QUERY_DIFF_MISMATCH` when both sides name different units or sample rates (an empty
 * value on either side is compatible with anything).
 */
export function buildRenderDiffResponse(input: {
  readonly flamebearer: DiffFlamebearer;
  readonly left: ProfileMetadata;
  readonly right: ProfileMetadata;
  /** `metadata.name`; Pyroscope OG's diff handler used `diff`. */
  readonly name?: string;
}): RenderDiffResponse {
  const { left, right, flamebearer } = input;
  if (left.units !== right.units && left.units !== '' && right.units !== '') {
    throw new ValidationError(
      'KPROF_QUERY_DIFF_MISMATCH',
      `left units (${left.units}) do not match right units (${right.units}); compare profiles of the same type`,
    );
  }
  if (left.sampleRate !== right.sampleRate && left.sampleRate !== 0 && right.sampleRate !== 0) {
    throw new ValidationError(
      'KPROF_QUERY_DIFF_MISMATCH',
      `left sample rate (${left.sampleRate}) does not match right sample rate (${right.sampleRate}); compare profiles of the same type`,
    );
  }
  const leftEmpty = left.sampleRate === 0 || flamebearer.leftTicks === 0;
  const source = leftEmpty ? right : left;
  const { leftTicks, rightTicks, ...single } = flamebearer;
  return {
    version: 1,
    flamebearer: single,
    metadata: {
      format: 'double',
      spyName: source.spyName,
      sampleRate: source.sampleRate,
      units: source.units,
      name: input.name ?? 'diff',
    },
    timeline: null,
    groups: null,
    heatmap: null,
    leftTicks,
    rightTicks,
  };
}

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
