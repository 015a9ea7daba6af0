import type { Logger } from 'pino';
import type { StoreMaintenance } from './store-writer.js';

/** Options for {@link Retention}. */
export interface RetentionOptions {
  /** Profiles older than this are deleted, ms. */
  readonly maxAgeMs: number;
  /** Bytes of block files over which the oldest blocks are deleted; 0 = no size limit. */
  readonly maxSizeBytes: number;
  /** How often to run, ms. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Called with the number of blocks each run deleted (metrics). */
  readonly onDeleted?: (blocks: number) => void;
}

/**
 * Deletes old data on a timer, whole blocks at a time: every block whose window ended more than
 * `maxAgeMs` ago, then the oldest blocks while the block files take more than `maxSizeBytes`
 * (never the newest window). Deleting a block removes its file, so its profiles, series, names,
 * stacks and rollups are gone at once, on disk and in memory, with no row-by-row delete and no
 * VACUUM. Data is gone at most one block width (`storage.block-duration`) plus `intervalMs` after
 * it aged out. Runs never overlap; `close()` stops the timer.
 */
export class Retention {
  readonly #store: Pick<StoreMaintenance, 'deleteBlocksBefore' | 'deleteOldestOver'>;
  readonly #opts: RetentionOptions;
  readonly #timer: NodeJS.Timeout;
  #running = false;
  /** Runs skipped because the previous one was still going. */
  skipped = 0;

  constructor(store: Pick<StoreMaintenance, 'deleteBlocksBefore' | 'deleteOldestOver'>, opts: RetentionOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#timer = setInterval(() => void this.runOnce(), opts.intervalMs);
    this.#timer.unref();
  }

  /** Applies retention now; resolves with the number of blocks deleted. */
  async runOnce(): Promise<number> {
    if (this.#running) {
      this.skipped++;
      return 0;
    }
    this.#running = true;
    let deleted = 0;
    try {
      const cutoff = (this.#opts.now ?? Date.now)() - this.#opts.maxAgeMs;
      deleted += await this.#store.deleteBlocksBefore(cutoff);
      if (this.#opts.maxSizeBytes > 0) deleted += await this.#store.deleteOldestOver(this.#opts.maxSizeBytes);
      if (deleted > 0) {
        this.#opts.logger.info({ deletedBlocks: deleted }, 'retention deleted blocks');
        this.#opts.onDeleted?.(deleted);
      }
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
