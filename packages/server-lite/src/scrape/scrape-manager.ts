import type { IngestLimits } from '../config/resolve-config.js';
import type { ScrapeConfig } from '../config/scrape-config.js';
import type { DiscoveryLogger } from './discovery/kubernetes.js';
import { ConcurrencyLimit } from './scrape-concurrency.js';
import { ScrapeHttpClient } from './scrape-http-client.js';
import { type ScrapeIntake, ScrapeLoop, type ScrapeObserver } from './scrape-loop.js';
import { type ScrapeStatus, type TargetHealth } from './scrape-status.js';
import type { DroppedTarget, ScrapeTarget } from './targets.js';

/** Options of {@link ScrapeManager}. */
export interface ScrapeManagerOptions {
  /** Converts and stores scraped profiles (the server's intake). */
  readonly intake: ScrapeIntake;
  /** Multi-tenant mode: the tenant scraped series are stored for (`auth.scrape-tenant`). */
  readonly tenant?: string;
  /** The server's ingest bounds; scraped profiles obey the same ones as pushed ones. */
  readonly limits: Readonly<IngestLimits>;
  /**
   * Scrapes in flight at once, across all targets. Default 2048: a CPU scrape mostly waits for the
   * target to sample (`seconds`), so 1,000 targets at 15 s hold about 700 permits.
   */
  readonly maxConcurrentScrapes?: number;
  /** Longest a failing target is left alone between attempts. Default 300 000 ms (5 min). */
  readonly maxBackoffMs?: number;
  /** Clock. Default `Date.now`. */
  readonly now?: () => number;
  readonly observer?: ScrapeObserver;
  readonly logger?: DiscoveryLogger;
  /** Sent as `User-Agent`. Default `kprof-server`. */
  readonly userAgent?: string;
}

/** Defaults of {@link ScrapeManagerOptions}. */
export const SCRAPE_MANAGER_DEFAULTS = Object.freeze({ maxConcurrentScrapes: 2048, maxBackoffMs: 300_000 });

/** One active target with its last outcome. */
export interface ActiveTargetStatus {
  readonly target: ScrapeTarget;
  /** The URL requested (`seconds` fitted into the interval). */
  readonly scrapeUrl: string;
  readonly status: ScrapeStatus;
}

/** Every target of every job: what `/targets` and `/api/v1/targets` show. */
export interface TargetsSnapshot {
  readonly active: ActiveTargetStatus[];
  readonly dropped: DroppedTarget[];
}

interface Pool {
  readonly config: ScrapeConfig;
  readonly client: ScrapeHttpClient;
  readonly entries: Map<string, { loop: ScrapeLoop; target: ScrapeTarget }>;
  dropped: DroppedTarget[];
}

/**
 * Keeps one {@link ScrapeLoop} per active target (one profile of one target), per job: each
 * {@link sync} starts loops for new targets and stops the loops of targets that went away. Jobs
 * share one {@link ConcurrencyLimit}; each job has its own HTTP client (its TLS and credentials).
 */
export class ScrapeManager {
  private readonly pools = new Map<string, Pool>();
  private readonly limit: ConcurrencyLimit;
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ScrapeManagerOptions) {
    this.limit = new ConcurrencyLimit(options.maxConcurrentScrapes ?? SCRAPE_MANAGER_DEFAULTS.maxConcurrentScrapes);
  }

  /** Replaces the targets of `config`'s job with `active` (by key) and remembers `dropped`. */
  sync(config: ScrapeConfig, active: readonly ScrapeTarget[], dropped: readonly DroppedTarget[]): void {
    if (this.closed) return;
    let pool = this.pools.get(config.jobName);
    if (pool === undefined) {
      pool = {
        config,
        client: new ScrapeHttpClient({ http: config.http, ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}) }),
        entries: new Map(),
        dropped: [],
      };
      this.pools.set(config.jobName, pool);
    }
    pool.dropped = [...dropped];
    const wanted = new Map(active.map((t) => [t.key, t]));
    for (const [key, entry] of pool.entries) {
      const next = wanted.get(key);
      if (next !== undefined && next.intervalMs === entry.target.intervalMs && next.timeoutMs === entry.target.timeoutMs) {
        // Same URL and labels: the loop (and its delta baseline) stays; only what is shown changes.
        entry.target = next;
        continue;
      }
      pool.entries.delete(key);
      this.stopLoop(entry.loop);
    }
    for (const [key, target] of wanted) {
      if (pool.entries.has(key)) continue;
      const loop = new ScrapeLoop(target, {
        client: pool.client,
        limit: this.limit,
        intake: this.options.intake,
        limits: this.options.limits,
        ...(this.options.tenant !== undefined ? { tenant: this.options.tenant } : {}),
        bodySizeLimitBytes: config.bodySizeLimitBytes,
        maxBackoffMs: this.options.maxBackoffMs ?? SCRAPE_MANAGER_DEFAULTS.maxBackoffMs,
        now: this.options.now ?? Date.now,
        ...(this.options.observer !== undefined ? { observer: this.options.observer } : {}),
        ...(this.options.logger !== undefined ? { logger: this.options.logger } : {}),
      });
      pool.entries.set(key, { loop, target });
      loop.start();
    }
  }

  /** Active targets (job order, then discovery order) with their status, and dropped targets. */
  snapshot(): TargetsSnapshot {
    const active: ActiveTargetStatus[] = [];
    const dropped: DroppedTarget[] = [];
    for (const pool of this.pools.values()) {
      for (const { loop, target } of pool.entries.values()) active.push({ target, scrapeUrl: loop.url, status: loop.status });
      dropped.push(...pool.dropped);
    }
    return { active, dropped };
  }

  /** Active targets by health. */
  healthCounts(): Record<TargetHealth, number> {
    const counts: Record<TargetHealth, number> = { up: 0, down: 0, unknown: 0 };
    for (const pool of this.pools.values()) for (const { loop } of pool.entries.values()) counts[loop.status.health]++;
    return counts;
  }

  /** Running loops, and how many of them have a timer pending (tests: removed targets leave none). */
  loopStats(): { loops: number; scheduled: number; stopping: number; inUse: number; waiting: number } {
    let loops = 0;
    let scheduled = 0;
    for (const pool of this.pools.values()) {
      for (const { loop } of pool.entries.values()) {
        loops++;
        if (loop.scheduled) scheduled++;
      }
    }
    return { loops, scheduled, stopping: this.stopping.size, inUse: this.limit.inUse, waiting: this.limit.waiting };
  }

  /** Stops every loop, waits for scrapes in flight to settle, closes the HTTP clients. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pool of this.pools.values()) {
      for (const { loop } of pool.entries.values()) this.stopLoop(loop);
      pool.entries.clear();
    }
    await Promise.all([...this.stopping]);
    await Promise.all([...this.pools.values()].map((p) => p.client.close()));
  }

  private stopLoop(loop: ScrapeLoop): void {
    const p = loop.stop().finally(() => this.stopping.delete(p));
    this.stopping.add(p);
  }
}
