import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createRouter } from './api/router.js';
import { sendError } from './http/respond.js';
import { createPushEndpoint } from './ingest/front-ends/push-v1/push-endpoint.js';
import { createQuerierEndpoint } from './query/querier-v1/querier-endpoint.js';
import type { ServerConfig } from './config/resolve-config.js';
import { DecodePool } from './ingest/decode-pool.js';
import { DeltaBaselines } from './ingest/delta-baselines.js';
import { IngestRateLimiter } from './ingest/ingest-rate.js';
import { Intake } from './ingest/intake.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { type PullMode, startPullMode } from './scrape/pull-mode.js';
import { LEGACY_DB_FILE, importLegacyStore } from './store/legacy-import.js';
import { ProfileStore, type ProfileStoreOptions } from './store/profile-store.js';
import { type StoreMaintenance, StoreWriter } from './store/store-writer.js';
import { Retention } from './store/retention.js';
import { RollupBuilder } from './store/rollup-builder.js';
import { WriteBatcher } from './store/write-batcher.js';
import { createUiHandler } from './ui/index.js';

/** A running server-lite. */
export interface KprofServer {
  /** Base URL, e.g. `http://127.0.0.1:4040`. */
  readonly url: string;
  readonly port: number;
  /** The query side of the store (reads only). */
  readonly store: ProfileStore;
  /** Store upkeep on the writer thread: rollup builds, retention. */
  readonly maintenance: StoreMaintenance;
  /**
   * Graceful shutdown: stop accepting, wait for in-flight requests (their writes commit) up to
   * `shutdownTimeoutMs`, flush the write batch, close the database. Idempotent.
   */
  close(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartServerOptions {
  /** Logger; default a pino logger at `config.logLevel` writing JSON to stdout. */
  readonly logger?: Logger;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Directory of the built UI to serve at `/`; default `dist/ui/public` (the UI benchmark compares two builds). */
  readonly uiPublicDir?: string;
}

/** Opens the store and starts listening. Wiring only: every part lives in its own module. */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<KprofServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const storeOptions = {
    blockDurationMs: config.storage.blockDurationMs,
    headMaxBytes: config.storage.headMaxBytes,
    blockCacheBytes: config.storage.blockCacheBytes,
    limits: config.limits,
  };
  importLegacy(config, storeOptions, logger, now);
  // The writer thread is the one writer of the blocks; this thread reads them for queries.
  const writer = await StoreWriter.start(config.dataDir, storeOptions, logger.child({ component: 'store' }));
  let store: ProfileStore;
  try {
    store = ProfileStore.open(config.dataDir, { ...storeOptions, readOnly: true });
  } catch (err) {
    await writer.close();
    throw err;
  }
  let ready = false;
  const batcherRef: { current?: WriteBatcher } = {};
  const metrics = createMetrics(
    { fileBytes: () => store.sizes().fileBytes, blocks: () => store.blocks.length, trieBytes: () => store.trieBytes },
    () => batcherRef.current?.pending ?? 0,
  );
  const batcher = new WriteBatcher(writer, {
    maxProfiles: config.storage.batchMaxProfiles,
    maxDelayMs: config.storage.batchMaxDelayMs,
    maxPending: config.storage.maxPendingProfiles,
    onCommit: (_profiles, ms) => metrics.batchDuration.observe(ms / 1000),
  });
  batcherRef.current = batcher;
  const retention = new Retention(writer, {
    maxAgeMs: config.storage.maxAgeMs,
    maxSizeBytes: config.storage.maxSizeBytes,
    intervalMs: config.storage.retentionIntervalMs,
    logger: logger.child({ component: 'retention' }),
    now,
    onDeleted: (blocks) => metrics.deletedBlocks.inc(blocks),
  });
  const rollups = new RollupBuilder(writer, { logger: logger.child({ component: 'rollups' }), now });
  const ui = createUiHandler({
    ...(options.uiPublicDir !== undefined ? { publicDir: options.uiPublicDir } : {}),
    preloadBootRequests: config.auth.queryTokens.length === 0,
  });
  const decodePool = new DecodePool({ limits: config.ingest, workers: config.ingest.decodeWorkers, logger: logger.child({ component: 'decode' }) });
  const baselines = new DeltaBaselines({
    maxBytes: config.ingest.pushDeltaMaxBytes,
    now,
    logger: logger.child({ component: 'intake' }),
    onEvict: (active) => metrics.pushDeltaEvictions.inc({ active: String(active) }),
  });
  metrics.setPushDeltaSource(baselines);
  const intake = new Intake({ limits: config.ingest, pool: decodePool, baselines, writer: batcher, now, rate: new IngestRateLimiter(config.limits, now) });
  let pull: PullMode | undefined;
  const router = createRouter({ config, store, intake, metrics, logger, isReady: () => ready, now, scrapeTargets: () => pull?.manager.snapshot() });
  const push = createPushEndpoint({ config, intake, metrics, logger });
  const querier = createQuerierEndpoint({ config, store, metrics, logger, now });
  // Stops everything behind the HTTP server, each stage after the ones that feed it.
  const stopPipeline = async (): Promise<void> => {
    await decodePool.close();
    // Scrapes in flight settle (and their writes queue) before the batcher's last flush.
    await pull?.close();
    retention.close();
    rollups.close();
    await batcher.close();
    // Query connections first: the last connection to a block checkpoints and removes its WAL,
    // which only the writer's may do (read-only ones leave -wal and -shm behind).
    store.close();
    await writer.close();
  };
  const server: Server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000, headersTimeout: 30_000 }, (req, res) => {
    // Connect APIs (push.v1, querier.v1) first, then the UI's static files; everything else
    // goes to the router. Each Connect endpoint declines paths outside its service at once.
    void (async () => {
      if ((await push(req, res)) || (await querier(req, res))) return;
      if (!ui(req, res)) router(req, res);
    })().catch((err: unknown) => {
      sendError(res, err, logger, { url: req.url }, true);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await stopPipeline();
    throw err;
  }
  if (config.scrapeConfigs.length > 0) {
    pull = startPullMode({
      configs: config.scrapeConfigs,
      intake,
      // Scraped series belong to auth.scrape-tenant in multi-tenant mode.
      ...(config.auth.multiTenant ? { tenant: config.auth.scrapeTenant } : {}),
      limits: config.ingest,
      now,
      logger: logger.child({ component: 'scrape' }),
      ...(config.kubernetesServiceAccountDir !== undefined ? { kubernetes: { serviceAccountDir: config.kubernetesServiceAccountDir } } : {}),
      observer: {
        scraped: (job, result, ms) => {
          metrics.scrape.scrapes.inc({ job, result });
          metrics.scrape.duration.observe({ job }, ms / 1000);
        },
        started: (job, late) => metrics.scrape.slots.inc({ job, outcome: late ? 'late' : 'on_time' }),
        missed: (job, reason, slots) => {
          metrics.scrape.slots.inc({ job, outcome: 'missed' }, slots);
          metrics.scrape.missed.inc({ job, reason }, slots);
        },
        storeFailed: (job, code, action) => metrics.scrape.storeErrors.inc({ job, code, action }),
      },
    });
    metrics.scrape.setSource(pull.manager);
  }
  ready = true;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost = address.address === '::' || address.address === '0.0.0.0' ? 'localhost' : host;
  const url = `http://${displayHost}:${address.port}`;
  logger.info({ url, dataDir: config.dataDir, configFile: config.configFile }, 'kprof-server listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections go idle as their in-flight responses finish; close them as they do.
      const sweeper = setInterval(() => server.closeIdleConnections(), 25);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      timer.unref();
      await closed;
      clearInterval(sweeper);
      clearTimeout(timer);
      await stopPipeline();
      logger.info('kprof-server stopped');
    })();
    return closing;
  };
  return { url, port: address.port, store, maintenance: writer, close };
}

// Moves a kprof 0.1 single-file database into blocks before the writer thread starts, if one is there.
function importLegacy(config: ServerConfig, options: ProfileStoreOptions, logger: Logger, now: () => number): void {
  if (!existsSync(join(config.dataDir, LEGACY_DB_FILE))) return;
  const store = ProfileStore.open(config.dataDir, options);
  const log = logger.child({ component: 'store' });
  let lastLogMs = 0;
  try {
    const moved = importLegacyStore(config.dataDir, store, {
      maxAgeMs: config.storage.maxAgeMs,
      nowMs: now(),
      onProgress: (done, total) => {
        if (done === total || performance.now() - lastLogMs > 5_000) {
          lastLogMs = performance.now();
          log.info({ done, total }, 'moving the kprof 0.1 database (kprof.db) into blocks');
        }
      },
    });
    log.info({ profiles: moved, blocks: store.blocks.length }, 'kprof.db moved into blocks and deleted');
  } finally {
    store.close();
  }
}
