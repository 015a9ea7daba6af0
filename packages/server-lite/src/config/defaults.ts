import { availableParallelism } from 'node:os';

/**
 * Every server-lite default in one place. Units are in the names; sizes are bytes, times ms.
 * Changing one here changes the documented default (README "Configuration").
 */
export const DEFAULTS = Object.freeze({
  /** `listen`: all interfaces, Pyroscope's port. */
  listen: ':4040',
  /** `data-dir`: where the database lives. */
  dataDir: './data',
  /** `log-level`: pino level. */
  logLevel: 'info' as const,
  /** `shutdown-timeout`: how long a graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: 10_000,
  ingest: Object.freeze({
    /** `ingest.max-body-bytes`: request body as sent (compressed). Grafana Pyroscope allows 4 MiB profiles. */
    maxBodyBytes: 8 * 1024 * 1024,
    /** `ingest.max-decompressed-bytes`: a profile after gunzip (gzip bombs stop here). */
    maxDecompressedBytes: 64 * 1024 * 1024,
    /** `ingest.max-samples`: samples in one profile. */
    maxSamples: 200_000,
    /** `ingest.max-locations`: locations (and functions) in one profile. */
    maxLocations: 500_000,
    /** `ingest.max-stack-depth`: frames in one stack (Grafana Pyroscope: 1000; deeper stacks are truncated at the root). */
    maxStackDepth: 1024,
    /** `ingest.max-labels`: labels per series, the name included (Grafana Pyroscope: 30). */
    maxLabels: 30,
    /** `ingest.max-label-name-length`: characters (Grafana Pyroscope: 1024). */
    maxLabelNameLength: 1024,
    /** `ingest.max-label-value-length`: characters (Grafana Pyroscope: 2048). */
    maxLabelValueLength: 2048,
    /** `ingest.max-name-length`: characters of the `name` parameter, labels included. */
    maxNameLength: 16_384,
    /** `ingest.max-series-per-profile`: distinct (sample type × pprof label set) series one profile may create. */
    maxSeriesPerProfile: 256,
    /** `ingest.max-string-bytes`: one pprof string-table entry. */
    maxStringBytes: 64 * 1024,
    /**
     * `ingest.decode-workers`: threads that gunzip and decode ingest bodies; the machine's cores,
     * 1 to 4. Set it to the CPU limit in a container (Node sees the host's cores).
     */
    decodeWorkers: Math.min(4, Math.max(1, availableParallelism())),
    /**
     * `ingest.decode-timeout`: longest one profile may take on a decode worker; past it the worker
     * is terminated and replaced and the request fails with 422 `KPROF_INGEST_DECODE_TIMEOUT`.
     * A 64 MiB profile at the limits decodes in a few seconds, so 30 s only stops a stuck worker.
     */
    decodeTimeoutMs: 30_000,
    /**
     * `ingest.push-delta-max-bytes`: memory for push.v1 `memory` delta baselines (one per series
     * and tenant, ≈ 36 bytes per distinct stack). Past it the least recently pushed series of the
     * tenant holding the most is dropped; its next push stores no `alloc_*`.
     */
    pushDeltaMaxBytes: 256 * 1024 * 1024,
  }),
  storage: Object.freeze({
    /** `storage.max-age`: profiles older than this are deleted (at least 1 minute). 14 days. */
    maxAgeMs: 14 * 86_400_000,
    /**
     * `storage.block-duration`: the time window of one block, a whole number of minutes from 1
     * minute to 1 day; 0 = a quarter of `max-age`, from 1 minute to 1 day (1 day for the default
     * 14 days). Retention deletes whole blocks, so data is gone at most one block after it aged out.
     */
    blockDurationMs: 0 as number,
    /**
     * `storage.head-max-bytes`: memory of the newest window's names and stack trie; past it the
     * window continues in a new block part, whose trie starts empty.
     */
    headMaxBytes: 256 * 1024 * 1024,
    /** `storage.block-cache-bytes`: memory of older blocks' tries kept for queries (least recently used dropped first). */
    blockCacheBytes: 256 * 1024 * 1024,
    /** `storage.max-size-bytes`: size of the block files over which the oldest blocks are deleted; 0 = no size limit. */
    maxSizeBytes: 0,
    /** `storage.retention-interval`: how often retention runs. */
    retentionIntervalMs: 60_000,
    /** `storage.batch-max-profiles`: profiles committed in one transaction at most. */
    batchMaxProfiles: 512,
    /**
     * `storage.batch-max-delay`: longest a profile waits for its batch to commit; 0 = as soon as
     * the writer is free. Batches form while the writer works, so waiting only adds latency, and
     * with a few requests in flight that latency caps throughput (heavy profiles, 8 in flight:
     * 546 profiles/s at 5 ms); a WAL commit without fsync is cheap, so small batches cost little.
     */
    batchMaxDelayMs: 0,
    /** `storage.max-pending-profiles`: queued, uncommitted profiles before ingest answers 429. */
    maxPendingProfiles: 10_000,
  }),
  limits: Object.freeze({
    /**
     * `limits.app-max-series`: series (sample types × label sets) one application of one tenant may
     * have in a block window; its profiles that would add more are refused (429
     * `KPROF_LIMIT_APP_SERIES`) until the next window. 0 = no limit.
     */
    appMaxSeries: 5_000,
    /** `limits.tenant-max-series`: series all applications of one tenant may have in a block window (429 `KPROF_LIMIT_TENANT_SERIES`). 0 = no limit. */
    tenantMaxSeries: 50_000,
    /**
     * `limits.app-max-new-stacks-per-minute`: stack trie nodes (call paths new to their block) one
     * application may add per minute (429 `KPROF_LIMIT_APP_NEW_STACKS`; a single profile adding
     * more is 413 `KPROF_LIMIT_PROFILE_NEW_STACKS`). 0 = no limit.
     */
    appMaxNewStacksPerMinute: 1_000_000,
    /** `limits.app-max-new-names-per-minute`: function names new to their block one application may add per minute (429 `KPROF_LIMIT_APP_NEW_NAMES`). 0 = no limit. */
    appMaxNewNamesPerMinute: 200_000,
    /** `limits.app-max-bytes-per-minute`: request bytes (as received) one application may send per minute (429 `KPROF_LIMIT_APP_BYTES`). 0 = no limit. */
    appMaxBytesPerMinute: 0,
    /** `limits.tenant-max-bytes-per-minute`: request bytes one tenant may send per minute (429 `KPROF_LIMIT_TENANT_BYTES`). 0 = no limit. */
    tenantMaxBytesPerMinute: 0,
  }),
  query: Object.freeze({
    /** `query.max-range`: longest from..until. 31 days. */
    maxRangeMs: 31 * 86_400_000,
    /** `query.max-series`: series one query may merge. */
    maxSeries: 10_000,
    /** `query.max-profiles`: sample blobs one query may read (a raw profile or a rollup counts once). */
    maxProfiles: 50_000,
    /**
     * `query.max-listed-profiles`: profile rows one query may list from the time index (timelines,
     * averages; no samples read), one per upload and pprof label set: 30 days of an app pushing
     * every 10 s with 4 label sets are 1,036,800. Each is held in memory while the query runs.
     */
    maxListedProfiles: 2_000_000,
  }),
});

const SHORTEST_BLOCK_MS = 60_000;
const LONGEST_BLOCK_MS = 86_400_000;

/**
 * The default width of a block for `storage.max-age`: a quarter of it, in whole minutes, from
 * 1 minute to 1 day. Retention deletes whole blocks, so data is gone at most one block after it
 * aged out; a quarter keeps that within a quarter of the age, and one day caps the number of
 * rollups and files a month-long query reads.
 */
export function defaultBlockDurationMs(maxAgeMs: number): number {
  const quarter = Math.floor(maxAgeMs / 4 / SHORTEST_BLOCK_MS) * SHORTEST_BLOCK_MS;
  return Math.min(LONGEST_BLOCK_MS, Math.max(SHORTEST_BLOCK_MS, quarter));
}
