import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (several servers can share a process). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly profilesIngested: Counter<'format'>;
  readonly bytesIngested: Counter;
  readonly rejected: Counter<'reason'>;
  readonly queryDuration: Histogram<'route'>;
  readonly batchDuration: Histogram;
}

/** Creates the metrics; `dbSizeBytes` is read at scrape time. */
export function createMetrics(dbSizeBytes: () => number, pendingProfiles: () => number): ServerMetrics {
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
    help: 'Size of the database files (main + WAL) on disk.',
    registers: [registry],
    collect() {
      this.set(dbSizeBytes());
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
  return { registry, profilesIngested, bytesIngested, rejected, queryDuration, batchDuration };
}
