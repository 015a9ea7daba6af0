import type { Logger } from 'pino';
import type { ProfileStore } from './profile-store.js';

/** Options for {@link Retention}. */
export interface RetentionOptions {
  /** Profiles older than this are deleted, ms. */
  readonly maxAgeMs: number;
  /** Used database bytes over which the oldest profiles are deleted; 0 = no size limit. */
  readonly maxSizeBytes: number;
  /** How often to run, ms. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

// Deleting in chunks keeps each write transaction short, so ingest never waits long.
const DELETE_CHUNK = 5_000;
const MAX_CHUNKS_PER_RUN = 200;

/**
 * Deletes old profiles on a timer: first by age, then the oldest ones while the database's used
 * bytes exceed `maxSizeBytes` (freed pages are reused by SQLite; the file does not shrink).
 * Rollups go with their profiles: the schema's delete trigger drops every rollup of a bucket
 * that loses a profile, in the same transaction, and queues what is left of the bucket for a
 * rebuild, so a rollup never outlives (or double-counts against) the raw data it summarises.
 * Runs never overlap; `close()` stops the timer.
 */
export class Retention {
  readonly #store: ProfileStore;
  readonly #opts: RetentionOptions;
  readonly #timer: NodeJS.Timeout;
  #running = false;
  /** Runs skipped because the previous one was still going. */
  skipped = 0;

  constructor(store: ProfileStore, opts: RetentionOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#timer = setInterval(() => this.runOnce(), opts.intervalMs);
    this.#timer.unref();
  }

  /** Applies retention now; returns the number of profiles deleted. */
  runOnce(): number {
    if (this.#running) {
      this.skipped++;
      return 0;
    }
    this.#running = true;
    let deleted = 0;
    try {
      const cutoff = (this.#opts.now ?? Date.now)() - this.#opts.maxAgeMs;
      for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
        const n = this.#store.deleteOlderThan(cutoff, DELETE_CHUNK);
        deleted += n;
        if (n < DELETE_CHUNK) break;
      }
      if (this.#opts.maxSizeBytes > 0) {
        for (let i = 0; i < MAX_CHUNKS_PER_RUN && this.#store.sizes().usedBytes > this.#opts.maxSizeBytes; i++) {
          const n = this.#store.deleteOldest(DELETE_CHUNK / 5);
          deleted += n;
          if (n === 0) break;
        }
      }
      if (deleted > 0) this.#opts.logger.info({ deleted }, 'retention deleted profiles');
    } catch (err) {
      this.#opts.logger.error({ err }, 'retention failed');
    } finally {
      this.#running = false;
    }
    return deleted;
  }

  /** Stops the timer. Idempotent. */
  close(): void {
    clearInterval(this.#timer);
  }
}
