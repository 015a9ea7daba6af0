import { LimitError, ValidationError } from '../../errors.js';
import type { TimeRangeMs } from './querier-backend.js';
import type { ProfileTypeInfo } from '../../model/profile-type.js';

/** Bounds on querier.v1 requests. */
export interface QuerierLimits {
  /** Flame graph nodes when the request leaves max_nodes unset or 0. Default 8192 (Pyroscope's). */
  readonly defaultMaxNodes: number;
  /** Largest max_nodes accepted. Default 1048576 (Pyroscope's). */
  readonly maxMaxNodes: number;
  /** Longest time range of a profile query, in ms. Default 31 days. */
  readonly maxRangeMs: number;
  /** Most points a SelectSeries may produce (range / step). Default 11000, like Prometheus. */
  readonly maxSeriesPoints: number;
  /** Most matchers, group_by or label_names entries in one request. Default 64. */
  readonly maxListEntries: number;
  /** Longest selector, matcher or label name, in characters. Default 16384. */
  readonly maxSelectorChars: number;
}

/** Default {@link QuerierLimits}. */
export const DEFAULT_QUERIER_LIMITS: QuerierLimits = Object.freeze({
  defaultMaxNodes: 8192,
  maxMaxNodes: 1_048_576,
  maxRangeMs: 31 * 24 * 3600 * 1000,
  maxSeriesPoints: 11_000,
  maxListEntries: 64,
  maxSelectorChars: 16_384,
});

function toMs(field: string, value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError('KPROF_QUERY_INVALID_TIME', `${field} is ${value}; expected unix milliseconds ≥ 0`);
  }
  return Number(value);
}

/**
 * Time range of a label or profile-type lookup. Both zero (a client that sent none) means all
 * time up to now; the range is not size-bounded because these lookups read only the label index.
 */
export function parseLookupRange(start: bigint, end: bigint, nowMs: number): TimeRangeMs {
  if (start === 0n && end === 0n) return { startMs: 0, endMs: nowMs };
  const range = { startMs: toMs('start', start), endMs: toMs('end', end) };
  if (range.startMs > range.endMs) {
    throw new ValidationError(
      'KPROF_QUERY_INVALID_RANGE',
      `start (${range.startMs}) is after end (${range.endMs}); both are unix milliseconds`,
    );
  }
  return range;
}

/** Time range of a profile query: required, ordered, and at most `limits.maxRangeMs` long. */
export function parseQueryRange(start: bigint, end: bigint, limits: QuerierLimits): TimeRangeMs {
  const range = { startMs: toMs('start', start), endMs: toMs('end', end) };
  if (range.endMs === 0) {
    throw new ValidationError('KPROF_QUERY_INVALID_RANGE', 'end is missing; start and end are required unix milliseconds');
  }
  if (range.startMs > range.endMs) {
    throw new ValidationError(
      'KPROF_QUERY_INVALID_RANGE',
      `start (${range.startMs}) is after end (${range.endMs}); both are unix milliseconds`,
    );
  }
  if (range.endMs - range.startMs > limits.maxRangeMs) {
    throw new LimitError(
      'KPROF_QUERY_RANGE_TOO_LONG',
      `time range is ${range.endMs - range.startMs} ms, over the limit of ${limits.maxRangeMs} ms (query.max-range); query a shorter range`,
    );
  }
  return range;
}

/** max_nodes: unset or 0 → the default; negative or above the limit → ValidationError. */
export function parseMaxNodes(maxNodes: bigint | undefined, limits: QuerierLimits): number {
  if (maxNodes === undefined || maxNodes === 0n) return limits.defaultMaxNodes;
  if (maxNodes < 0n || maxNodes > BigInt(limits.maxMaxNodes)) {
    throw new ValidationError(
      'KPROF_QUERY_INVALID_MAX_NODES',
      `max_nodes is ${maxNodes}; expected 0 (default ${limits.defaultMaxNodes}) to ${limits.maxMaxNodes}`,
    );
  }
  return Number(maxNodes);
}

/**
 * Parses `<name>:<sampleType>:<sampleUnit>:<periodType>:<periodUnit>`; a sixth part `delta`
 * is accepted and dropped, as Grafana Pyroscope does.
 */
export function parseProfileTypeId(id: string): ProfileTypeInfo {
  const parts = id.split(':');
  if (parts.length === 6 && parts[5] === 'delta') parts.pop();
  const [name, sampleType, sampleUnit, periodType, periodUnit] = parts;
  if (
    parts.length !== 5 ||
    name === undefined ||
    sampleType === undefined ||
    sampleUnit === undefined ||
    periodType === undefined ||
    periodUnit === undefined ||
    parts.some((p) => p.length === 0)
  ) {
    throw new ValidationError(
      'KPROF_QUERY_INVALID_PROFILE_TYPE',
      `profile_typeID ${JSON.stringify(id.slice(0, 200))} is invalid; expected <name>:<sample type>:<sample unit>:<period type>:<period unit>, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds`,
    );
  }
  return { id: parts.join(':'), name, sampleType, sampleUnit, periodType, periodUnit };
}

/** A label selector; empty means all series (`{}`). */
export function checkSelector(field: string, selector: string, limits: QuerierLimits): string {
  if (selector.length > limits.maxSelectorChars) {
    throw new LimitError(
      'KPROF_QUERY_SELECTOR_TOO_LONG',
      `${field} is ${selector.length} characters, over the limit of ${limits.maxSelectorChars}`,
    );
  }
  return selector.trim() === '' ? '{}' : selector;
}

/** A list of selectors or label names, bounded in count and entry length. */
export function checkList(field: string, entries: readonly string[], limits: QuerierLimits): readonly string[] {
  if (entries.length > limits.maxListEntries) {
    throw new LimitError(
      'KPROF_QUERY_TOO_MANY_ENTRIES',
      `${field} has ${entries.length} entries, over the limit of ${limits.maxListEntries}`,
    );
  }
  entries.forEach((entry, i) => checkSelector(`${field}[${i}]`, entry, limits));
  return entries;
}

/** SelectSeries step in seconds → ms, bounded so the range yields at most `maxSeriesPoints` points. */
export function parseStepMs(stepSeconds: number, range: TimeRangeMs, limits: QuerierLimits): number {
  if (!Number.isFinite(stepSeconds) || stepSeconds <= 0) {
    throw new ValidationError('KPROF_QUERY_INVALID_STEP', `step is ${stepSeconds}; expected seconds > 0`);
  }
  const stepMs = Math.max(1, Math.round(stepSeconds * 1000));
  const points = Math.floor((range.endMs - range.startMs) / stepMs) + 1;
  if (points > limits.maxSeriesPoints) {
    throw new LimitError(
      'KPROF_QUERY_TOO_MANY_POINTS',
      `step ${stepSeconds} s over ${range.endMs - range.startMs} ms gives ${points} points, over the limit of ${limits.maxSeriesPoints}; use a larger step`,
    );
  }
  return stepMs;
}
