import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (several servers can share a process). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly profilesIngested: Counter<'format'>;
  readonly bytesIngested: Counter;
  readonly rejected: Counter<'reason'>;
  readonly queryDuration: Histogram<'route'>;
  readonly batchDuration: Histogram;
  /** Blocks deleted by retention. */
  readonly deletedBlocks: Counter;
  readonly scrape: ScrapeMetrics;
  /**
   * push.v1 `memory` delta baselines dropped to stay within `ingest.push-delta-max-bytes`;
   * `active="true"` when the series had pushed within 5 minutes (its next push stores no `alloc_*`).
   */
  readonly pushDeltaEvictions: Counter<'active'>;
  /** Where `kprof_push_delta_baseline_bytes` / `_series` are read from at scrape time. */
  setPushDeltaSource(source: PushDeltaMetricsSource): void;
}

/** Live push delta state read when /metrics is scraped. */
export interface PushDeltaMetricsSource {
  readonly bytes: number;
  readonly size: number;
}

/** Pull-mode metrics (`kprof_scrape_*`). */
export interface ScrapeMetrics {
  /** Scrapes finished, by job and result (`success` or the error code). */
  readonly scrapes: Counter<'job' | 'result'>;
  /** Time from request to stored profile (or failure), by job. */
  readonly duration: Histogram<'job'>;
  /**
   * Scrape slots by outcome: `on_time` (request sent within 10 % of the interval after the slot),
   * `late` (sent later) or `missed` (none sent). Every slot that came due is counted once.
   */
  readonly slots: Counter<'job' | 'outcome'>;
  /** Missed slots by reason: `overlap`, `concurrency`, `stall`, `backoff` (see `MissedReason`). */
  readonly missed: Counter<'job' | 'reason'>;
  /** Failed store writes of scraped profiles, by error code and what followed (`retry` or `drop`). */
  readonly storeErrors: Counter<'job' | 'code' | 'action'>;
  /** Where `kprof_scrape_targets{health}` and `kprof_scrape_in_flight` are read from at scrape time. */
  setSource(source: ScrapeMetricsSource): void;
}

/** Live pull-mode state read when /metrics is scraped. */
export interface ScrapeMetricsSource {
  healthCounts(): Record<'up' | 'down' | 'unknown', number>;
  loopStats(): { inUse: number; waiting: number };
}

/** What the store gauges read at scrape time. */
export interface StoreGaugeSource {
  /** Bytes of the block files on disk. */
  readonly fileBytes: () => number;
  /** Open blocks. */
  readonly blocks: () => number;
  /** Memory of loaded stack tries and names. */
  readonly trieBytes: () => number;
}

/** Creates the metrics; the gauges are read at scrape time. */
export function createMetrics(store: StoreGaugeSource, pendingProfiles: () => number): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kprof_' });
  const profilesIngested = new Counter({
    name: 'kprof_ingest_profiles_total',
    help: 'Profiles ingested and committed, by input format.',
    labelNames: ['format'] as const,
    registers: [registry],
  });
  const bytesIngested = new Counter({
    name: 'kprof_ingest_bytes_total',
    help: 'Request body bytes (as received) of committed profiles.',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'kprof_ingest_rejected_total',
    help: 'Ingest requests refused, by error code.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const deletedBlocks = new Counter({
    name: 'kprof_retention_deleted_blocks_total',
    help: 'Blocks (time windows) deleted by retention (storage.max-age, storage.max-size-bytes).',
    registers: [registry],
  });
  const queryDuration = new Histogram({
    name: 'kprof_query_duration_seconds',
    help: 'Query request latency, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'kprof_store_batch_duration_seconds',
    help: 'Time to commit one write batch.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  new Gauge({
    name: 'kprof_db_size_bytes',
    help: 'Size of the block files (main + WAL) on disk.',
    registers: [registry],
    collect() {
      this.set(store.fileBytes());
    },
  });
  new Gauge({
    name: 'kprof_store_blocks',
    help: 'Blocks on disk (one per time window and part).',
    registers: [registry],
    collect() {
      this.set(store.blocks());
    },
  });
  new Gauge({
    name: 'kprof_store_trie_bytes',
    help: 'Memory of the stack tries and names loaded from blocks (limits: storage.head-max-bytes, storage.block-cache-bytes).',
    registers: [registry],
    collect() {
      this.set(store.trieBytes());
    },
  });
  new Gauge({
    name: 'kprof_ingest_pending_profiles',
    help: 'Profiles decoded and waiting for their batch to commit.',
    registers: [registry],
    collect() {
      this.set(pendingProfiles());
    },
  });
  const pushDeltaEvictions = new Counter({
    name: 'kprof_push_delta_evictions_total',
    help:
      'push.v1 memory delta baselines dropped to stay within ingest.push-delta-max-bytes; active="true": the series pushed within 5 minutes, ' +
      'so its next push stores no alloc_* (raise ingest.push-delta-max-bytes if this grows).',
    labelNames: ['active'] as const,
    registers: [registry],
  });
  let pushDelta: PushDeltaMetricsSource | undefined;
  new Gauge({
    name: 'kprof_push_delta_baseline_bytes',
    help: 'Bytes of push.v1 memory delta baselines kept (limit: ingest.push-delta-max-bytes).',
    registers: [registry],
    collect() {
      this.set(pushDelta?.bytes ?? 0);
    },
  });
  new Gauge({
    name: 'kprof_push_delta_baseline_series',
    help: 'push.v1 memory series (per tenant) with a delta baseline.',
    registers: [registry],
    collect() {
      this.set(pushDelta?.size ?? 0);
    },
  });
  return {
    registry,
    profilesIngested,
    bytesIngested,
    rejected,
    queryDuration,
    batchDuration,
    deletedBlocks,
    scrape: createScrapeMetrics(registry),
    pushDeltaEvictions,
    setPushDeltaSource(source) {
      pushDelta = source;
    },
  };
}

function createScrapeMetrics(registry: Registry): ScrapeMetrics {
  let source: ScrapeMetricsSource | undefined;
  const scrapes = new Counter({
    name: 'kprof_scrape_total',
    help: 'Pull-mode scrapes finished, by job and result (success or the error code).',
    labelNames: ['job', 'result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kprof_scrape_duration_seconds',
    help: 'Pull-mode scrape time from request to stored profile (CPU scrapes include the profiling seconds), by job.',
    labelNames: ['job'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
    registers: [registry],
  });
  const slots = new Counter({
    name: 'kprof_scrape_slots_total',
    help: 'Scrape slots that came due, by outcome: on_time (request sent within 10% of the interval after its slot), late (sent later), missed (not sent).',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const missed = new Counter({
    name: 'kprof_scrape_missed_total',
    help: 'Scrape slots that passed without a scrape, by reason: overlap (previous scrape still running), concurrency (no permit within 10% of the interval), stall (the event loop was blocked past the slot), backoff (failing target left alone).',
    labelNames: ['job', 'reason'] as const,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'kprof_scrape_store_errors_total',
    help: 'Store writes of scraped profiles that failed, by error code and action: retry (transient error, written once more) or drop (profile not stored).',
    labelNames: ['job', 'code', 'action'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'kprof_scrape_targets',
    help: 'Active scrape targets (one per profile of a target), by health.',
    labelNames: ['health'] as const,
    registers: [registry],
    collect() {
      const counts = source?.healthCounts() ?? { up: 0, down: 0, unknown: 0 };
      for (const [health, n] of Object.entries(counts)) this.set({ health }, n);
    },
  });
  new Gauge({
    name: 'kprof_scrape_in_flight',
    help: 'Scrapes holding a concurrency permit.',
    registers: [registry],
    collect() {
      this.set(source?.loopStats().inUse ?? 0);
    },
  });
  new Gauge({
    name: 'kprof_scrape_waiting',
    help: 'Scrapes waiting for a concurrency permit.',
    registers: [registry],
    collect() {
      this.set(source?.loopStats().waiting ?? 0);
    },
  });
  return {
    scrapes,
    duration,
    slots,
    missed,
    storeErrors,
    setSource(s) {
      source = s;
    },
  };
}
