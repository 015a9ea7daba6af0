import type { Logger } from 'pino';
import type { StoreMaintenance } from './store-writer.js';

/** Options for {@link RollupBuilder}. */
export interface RollupBuilderOptions {
  /** How often to look for settled buckets, ms. Default 10,000. */
  readonly intervalMs?: number;
  /** Delay of the first run after start, ms. Default 1,000. */
  readonly firstRunMs?: number;
  /** Longest one run blocks the event loop, ms. Default 50. */
  readonly budgetMs?: number;
  /** A bucket is rolled up once its end is this far in the past, ms. Default 60,000. */
  readonly settleMs?: number;
  readonly logger: Logger;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Builds rollups in the background, on the store writer thread: every `intervalMs` it rolls up
 * settled buckets for at most `budgetMs`; while a backlog remains (e.g. after moving a kprof 0.1
 * database into blocks) it runs again after a pause as long as the run took, so writes keep at
 * least half the writer thread. `close()` stops it.
 */
export class RollupBuilder {
  readonly #store: Pick<StoreMaintenance, 'buildRollups'>;
  readonly #opts: RollupBuilderOptions;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Pick<StoreMaintenance, 'buildRollups'>, opts: RollupBuilderOptions) {
    this.#store = store;
    this.#opts = opts;
    // Soon after start, so a backlog (an upgraded v1 database, a restart) is worked off early.
    this.#schedule(opts.firstRunMs ?? 1_000);
  }

  /** Runs one build now; resolves with the buckets processed and whether settled ones remain. */
  async runOnce(): Promise<{ built: number; more: boolean }> {
    try {
      const r = await this.#store.buildRollups((this.#opts.now ?? Date.now)(), {
        budgetMs: this.#opts.budgetMs ?? 50,
        ...(this.#opts.settleMs !== undefined ? { settleMs: this.#opts.settleMs } : {}),
      });
      if (r.built > 0) this.#opts.logger.debug({ built: r.built, more: r.more }, 'rollups built');
      if (r.error !== undefined) this.#opts.logger.error({ err: r.error }, 'a rollup bucket could not be built; it is read from raw profiles');
      return r;
    } catch (err) {
      // The store closing under a run during shutdown is expected; anything else is worth a log line.
      if (!this.#closed) this.#opts.logger.error({ err }, 'rollup build failed');
      return { built: 0, more: false };
    }
  }

  /** Stops the timer. Idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      const started = performance.now();
      void this.runOnce().then(({ more }) => {
        if (this.#closed) return;
        this.#schedule(more ? Math.max(1, Math.ceil(performance.now() - started)) : (this.#opts.intervalMs ?? 10_000));
      });
    }, delayMs);
    this.#timer.unref();
  }
}
