// A small closed-loop HTTP load generator for integration tests: `concurrency` workers request the
// given paths in turn until stopped, counting answers by status and keeping the slowest latency.
import { request } from 'undici';

export interface LoadStats {
  ok: number;
  failed: number;
  errors: string[];
  maxLatencyMs: number;
}

export interface Load {
  stats: LoadStats;
  stop(): Promise<LoadStats>;
}

export function startLoad(baseUrl: string, paths: string[], { concurrency = 4 } = {}): Load {
  const stats: LoadStats = { ok: 0, failed: 0, errors: [], maxLatencyMs: 0 };
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const path = paths[n++ % paths.length]!;
      const t0 = performance.now();
      try {
        const res = await request(baseUrl + path, { headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.arrayBuffer();
        if (res.statusCode === 200) stats.ok++;
        else {
          stats.failed++;
          if (stats.errors.length < 10) stats.errors.push(`${path}: HTTP ${res.statusCode}`);
        }
      } catch (err) {
        stats.failed++;
        if (stats.errors.length < 10) stats.errors.push(`${path}: ${(err as Error).message}`);
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
