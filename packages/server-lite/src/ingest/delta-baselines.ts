import { BaselineCache, type BaselineEviction } from './baseline-cache.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type PackedBaseline, packedBaselineBytes } from './packed-baseline.js';
import type { ConvertedIntake } from './convert-intake.js';

/** An evicted baseline set within this long belonged to a series that is most likely still pushing. */
export const ACTIVE_SERIES_WINDOW_MS = 5 * 60_000;

/** Shortest time between two warnings about evictions of active series. */
export const EVICTION_WARN_INTERVAL_MS = 60_000;

/** Options for {@link DeltaBaselines}. */
export interface DeltaBaselinesOptions {
  /** `ingest.push-delta-max-bytes`. */
  readonly maxBytes: number;
  /** Clock, unix ms. */
  readonly now: () => number;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** Called per eviction; `active` when the series had pushed within {@link ACTIVE_SERIES_WINDOW_MS}. */
  readonly onEvict?: (active: boolean) => void;
}

/** What {@link DeltaBaselines.next} returns. */
export interface DeltaResult {
  readonly profile: IngestProfile;
  /** Puts the series' previous baseline back (the request failed later); no-op once a later push replaced it. */
  readonly undo: () => void;
}

/**
 * The intake's server-side delta state: per tenant and series, the cumulative baseline from the
 * series' last profile (push.v1 `memory`'s `alloc_*`, a scraped target's cumulative types), in
 * a {@link BaselineCache} bounded by bytes (`ingest.push-delta-max-bytes`) with per-tenant
 * fairness. Profiles of one series run one after the other (each needs the baseline the
 * previous left); different series run at once, so the conversions can run on the decode
 * workers.
 *
 * A series whose baseline was evicted is treated like a new one: its next profile stores none of
 * its cumulative types and becomes the baseline again; the one after it is delta-ed as usual. Evictions are counted (`onEvict`), and evictions of series that pushed within the last
 * 5 minutes (data lost) are logged at most once a minute so an operator can raise the limit.
 */
export class DeltaBaselines {
  readonly #cache: BaselineCache<PackedBaseline>;
  readonly #opts: DeltaBaselinesOptions;
  // Per tenant + series, the settle of its last queued push: the next one waits for it.
  readonly #tails = new Map<string, Promise<void>>();
  #lastWarnMs = Number.NEGATIVE_INFINITY;
  #activeSinceWarn = 0;
  #tooLargeSinceWarn = 0;

  constructor(options: DeltaBaselinesOptions) {
    this.#opts = options;
    this.#cache = new BaselineCache<PackedBaseline>({
      maxBytes: options.maxBytes,
      sizeOf: packedBaselineBytes,
      now: options.now,
      onEvict: (e) => this.#onEvict(e),
    });
  }

  /** Bytes of baselines kept. */
  get bytes(): number {
    return this.#cache.bytes;
  }

  /** Series with a baseline. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * Converts one profile of `series` (a `pushSeriesKey`) of `tenant` with `convert`, given the
   * series' previous baseline, and keeps the baseline it returns. Waits for earlier pushes of the
   * same series. When `convert` throws, the previous baseline stays.
   */
  async next(tenant: string, series: string, convert: (previous: PackedBaseline | undefined) => Promise<ConvertedIntake>): Promise<DeltaResult> {
    const id = `${tenant}\u0000${series}`;
    const before = this.#tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    const tail = before.then(() => done);
    this.#tails.set(id, tail);
    await before;
    try {
      const previous = this.#cache.take(tenant, series);
      let result: ConvertedIntake;
      try {
        result = await convert(previous);
      } catch (err) {
        if (previous !== undefined && this.#cache.get(tenant, series) === undefined) this.#cache.set(tenant, series, previous);
        throw err;
      }
      const mine = result.baseline;
      const kept = mine ?? previous;
      if (kept !== undefined) this.#cache.set(tenant, series, kept);
      const undo = (): void => {
        if (mine === undefined || this.#cache.get(tenant, series) !== mine) return;
        this.#cache.delete(tenant, series);
        if (previous !== undefined) this.#cache.set(tenant, series, previous);
      };
      return { profile: result.profile, undo };
    } finally {
      release();
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    }
  }

  /** Drops a series' baseline (a scrape target went away); its next profile is a first one again. */
  forget(tenant: string, series: string): void {
    this.#cache.delete(tenant, series);
  }

  #onEvict(e: BaselineEviction): void {
    const now = this.#opts.now();
    const active = e.tooLarge || now - e.lastUsedMs < ACTIVE_SERIES_WINDOW_MS;
    this.#opts.onEvict?.(active);
    if (!active) return;
    if (e.tooLarge) this.#tooLargeSinceWarn++;
    else this.#activeSinceWarn++;
    if (now - this.#lastWarnMs < EVICTION_WARN_INTERVAL_MS) return;
    this.#opts.logger?.warn(
      {
        evictedActiveSeries: this.#activeSinceWarn,
        tooLargeBaselines: this.#tooLargeSinceWarn,
        baselineBytes: this.#cache.bytes,
        maxBytes: this.#opts.maxBytes,
        tenant: e.tenant,
      },
      'push delta baselines over ingest.push-delta-max-bytes: memory series that are still pushing lost their baseline, ' +
        'so their next push stores no alloc_objects/alloc_space; raise ingest.push-delta-max-bytes',
    );
    this.#lastWarnMs = now;
    this.#activeSinceWarn = 0;
    this.#tooLargeSinceWarn = 0;
  }
}
