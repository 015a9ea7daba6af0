import { LimitError, ValidationError } from '../errors.js';

/** Options for {@link parseMaxNodes}. */
export interface MaxNodesOptions {
  /** Used for a missing, empty or `0` parameter. Default {@link DEFAULT_MAX_NODES} (Pyroscope's). */
  readonly defaultMaxNodes?: number;
  /** Largest value accepted; `-1` ("no limit") resolves to it. Default {@link MAX_NODES_LIMIT}. */
  readonly maxNodesLimit?: number;
}

/** Pyroscope's default flamegraph node count. */
export const DEFAULT_MAX_NODES = 8192;
/** Grafana Pyroscope's upper bound for `max_nodes` (2^20). */
export const MAX_NODES_LIMIT = 1_048_576;

/**
 * Reads Pyroscope's `max-nodes`/`maxNodes` query parameter: missing, empty or `0` → the default;
 * `-1` (Pyroscope's "unlimited") → `maxNodesLimit`, so a flamegraph stays bounded; otherwise a
 * positive integer up to `maxNodesLimit`. Throws `ValidationError` `KPROF_QUERY_BAD_MAX_NODES`
 * or `LimitError` `KPROF_QUERY_MAX_NODES_TOO_LARGE`.
 */
export function parseMaxNodes(input: string | undefined, opts: MaxNodesOptions = {}): number {
  const fallback = opts.defaultMaxNodes ?? DEFAULT_MAX_NODES;
  const limit = opts.maxNodesLimit ?? MAX_NODES_LIMIT;
  const s = input?.trim() ?? '';
  if (s === '') return fallback;
  if (!/^-?\d{1,16}$/.test(s)) {
    throw new ValidationError('KPROF_QUERY_BAD_MAX_NODES', `maxNodes ${JSON.stringify(input)} is not an integer; use 1..${limit}, 0 for the default or -1 for the maximum`);
  }
  const n = Number(s);
  if (n === 0) return fallback;
  if (n === -1) return limit;
  if (n < 0) {
    throw new ValidationError('KPROF_QUERY_BAD_MAX_NODES', `maxNodes ${n} is negative; use 1..${limit}, 0 for the default or -1 for the maximum`);
  }
  if (n > limit) {
    throw new LimitError('KPROF_QUERY_MAX_NODES_TOO_LARGE', `maxNodes ${n} is over the limit of ${limit}; ask for fewer nodes`);
  }
  return n;
}
