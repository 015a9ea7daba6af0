// A small closed-loop HTTP load generator: `concurrency` workers request the given paths in turn
// until stopped, counting answers by status and keeping the slowest latency.

/** Per-request timeout: a request still unanswered after it counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How many failure descriptions {@link LoadStats.errors} keeps. */
const MAX_ERRORS_KEPT = 10;

/** What a load has done so far. */
export interface LoadStats {
  /** Answers with status 200. */
  ok: number;
  /** Answers with another status, plus requests that got no answer. */
  failed: number;
  /** Requests that got no answer at all (connection refused or reset, 10 s timeout): part of `failed`. */
  unanswered: number;
  /** Answers by HTTP status. */
  byStatus: Map<number, number>;
  /** The first 10 failures, as `<path>: HTTP <status>` or `<path>: <error message>`. */
  errors: string[];
  maxLatencyMs: number;
}

/** A running load. */
export interface Load {
  /** Live counts. */
  readonly stats: LoadStats;
  /** Stops sending, waits for the requests in flight, and resolves with the final counts. */
  stop(): Promise<LoadStats>;
}

/**
 * Starts `concurrency` (default 4) workers that GET `baseUrl + path` for each of `paths` in turn,
 * each waiting for its answer (read in full, 10 s at most) before the next request, until
 * {@link Load.stop}.
 */
export function startLoad(baseUrl: string, paths: readonly string[], { concurrency = 4 }: { concurrency?: number } = {}): Load {
  const stats: LoadStats = { ok: 0, failed: 0, unanswered: 0, byStatus: new Map(), errors: [], maxLatencyMs: 0 };
  const fail = (what: string): void => {
    stats.failed++;
    if (stats.errors.length < MAX_ERRORS_KEPT) stats.errors.push(what);
  };
  let running = true;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const path = paths[n++ % paths.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await res.arrayBuffer();
        stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
        if (res.status === 200) stats.ok++;
        else fail(`${path}: HTTP ${res.status}`);
      } catch (err) {
        // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout…) is its cause.
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        stats.unanswered++;
        fail(`${path}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
      }
      stats.maxLatencyMs = Math.max(stats.maxLatencyMs, performance.now() - t0);
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      return stats;
    },
  };
}
