import type { IngestLimits } from '../config/resolve-config.js';
import type { IngestProfile } from '../ingest/ingest-profile.js';
import type { DiscoveryLogger } from './discovery/kubernetes.js';
import { type DeltaTracker, createDeltaTracker } from '../ingest/pprof-delta.js';
import { type FittedProfileRequest, fitProfileRequest, lateStartMs } from './profile-fetch.js';
import type { ConcurrencyLimit } from './scrape-concurrency.js';
import { errorCode } from './scrape-error.js';
import type { ScrapeHttpClient } from './scrape-http-client.js';
import { scrapedToProfile } from './scraped-profile.js';
import type { ScrapeTarget } from './targets.js';

/** A target's health as the target pages show it (Prometheus' vocabulary). */
export type TargetHealth = 'up' | 'down' | 'unknown';

/** Why a slot passed without a scrape. */
export type MissedReason = 'overlap' | 'concurrency';

/** Receives each scrape's outcome (metrics). */
export interface ScrapeObserver {
  /** `result` is `success` or the error code. */
  scraped(job: string, result: string, durationMs: number): void;
  /** A slot could not start within {@link lateStartMs} (10 % of the interval) of its time. */
  missed(job: string, reason: MissedReason): void;
}

/** What a loop needs from the manager; shared by every loop. */
export interface ScrapeLoopDeps {
  readonly client: ScrapeHttpClient;
  readonly limit: ConcurrencyLimit;
  /** Stores a profile (the write batcher); resolves once committed. */
  readonly write: (profile: IngestProfile) => Promise<void>;
  readonly limits: Readonly<IngestLimits>;
  /** `body-size-limit` of the target's scrape config. */
  readonly bodySizeLimitBytes: number;
  /** Longest a failing target is left alone between attempts. */
  readonly maxBackoffMs: number;
  readonly now: () => number;
  readonly observer?: ScrapeObserver;
  readonly logger?: DiscoveryLogger;
}

/** Last outcome of a loop, for `/targets` and `/api/v1/targets`. */
export interface ScrapeStatus {
  readonly health: TargetHealth;
  /** Start of the last scrape, unix ms (undefined before the first). */
  readonly lastScrapeMs: number | undefined;
  readonly lastDurationMs: number | undefined;
  /** Message of the last failure; empty after a success. */
  readonly lastError: string;
  readonly lastErrorCode: string | undefined;
  readonly consecutiveFailures: number;
}

/**
 * Scrapes one profile of one target every interval. Slots are aligned to the interval with an
 * offset from a hash of the target (so a thousand targets spread over the interval instead of
 * all firing at once, and a restarted server keeps each target's phase). At most one scrape of a
 * target is in flight; a slot whose previous scrape still runs, or which cannot get a permit of
 * the global {@link ConcurrencyLimit} within {@link lateStartMs}, is skipped and reported as
 * missed. After `n` consecutive failures the loop skips `2^(n-1) - 1` slots (at most
 * `maxBackoffMs`), so dead targets cost little. One timer per loop; {@link stop} clears it and
 * aborts the scrape in flight.
 */
export class ScrapeLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly delta: DeltaTracker | undefined;
  private readonly offsetMs: number;
  private readonly fitted: FittedProfileRequest;
  private stopped = false;
  private skipSlots = 0;
  private lastSuccessMs: number | undefined;
  private state: ScrapeStatus = { health: 'unknown', lastScrapeMs: undefined, lastDurationMs: undefined, lastError: '', lastErrorCode: undefined, consecutiveFailures: 0 };

  constructor(
    readonly target: ScrapeTarget,
    private readonly deps: ScrapeLoopDeps,
  ) {
    // One baseline per loop: it goes when the target goes.
    this.delta = target.delta ? createDeltaTracker({ maxKeys: 1 }) : undefined;
    this.offsetMs = hashKey(target.key) % target.intervalMs;
    this.fitted = fitProfileRequest(target.url, target.intervalMs, target.timeoutMs);
  }

  /** The URL requested: the target's, with `seconds` fitted into the interval. */
  get url(): string {
    return this.fitted.url;
  }

  /** The last outcome. */
  get status(): ScrapeStatus {
    return this.state;
  }

  /** True while a timer is pending (tests check that stopped loops leave none). */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** Milliseconds after each interval boundary at which this target is scraped. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Schedules the first slot. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.schedule();
  }

  /** Stops scheduling, aborts the scrape in flight and waits for it to settle. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error('scrape loop stopped'));
    await this.inFlight;
  }

  private schedule(previousSlot?: number): void {
    const now = this.deps.now();
    const interval = this.target.intervalMs;
    // Timers run on a monotonic clock and may fire a millisecond before the wall clock reaches
    // the slot; counting from the slot just served keeps it from being served twice. Only when
    // it is a little ahead: after the wall clock steps back, counting from it would stall the loop.
    const from = previousSlot !== undefined && previousSlot > now && previousSlot - now <= lateStartMs(interval) ? previousSlot : now;
    const slot = from - mod(from - this.offsetMs, interval) + interval;
    this.timer = setTimeout(() => this.tick(slot), Math.max(0, slot - now));
    // Loops never keep the process alive on their own; the HTTP server does.
    this.timer.unref();
  }

  private tick(slot: number): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.schedule(slot);
    if (this.skipSlots > 0) {
      this.skipSlots--;
      return;
    }
    if (this.inFlight !== undefined) {
      this.deps.observer?.missed(this.target.job, 'overlap');
      return;
    }
    this.inFlight = this.run(slot)
      .catch((err: unknown) => this.deps.logger?.error({ err, url: this.target.url }, 'scrape loop failed'))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private async run(slot: number): Promise<void> {
    const waitMs = Math.max(0, slot + lateStartMs(this.target.intervalMs) - this.deps.now());
    const release = await this.deps.limit.acquire(waitMs, this.abort.signal);
    if (release === undefined) {
      if (!this.stopped) this.deps.observer?.missed(this.target.job, 'concurrency');
      return;
    }
    try {
      await this.scrapeOnce();
    } finally {
      release();
    }
  }

  private async scrapeOnce(): Promise<void> {
    const { target, deps } = this;
    const startMs = deps.now();
    const started = performance.now();
    try {
      const fitted = this.fitted;
      const { body } = await deps.client.fetchProfile({
        url: fitted.url,
        timeoutMs: fitted.timeoutMs,
        maxBytes: deps.bodySizeLimitBytes,
        signal: this.abort.signal,
      });
      // `seconds` profiles cover the time the target sampled; snapshots cover the interval before them.
      const windowStart = fitted.seconds !== undefined ? startMs : this.delta !== undefined && this.lastSuccessMs !== undefined ? this.lastSuccessMs : startMs - target.intervalMs;
      const windowEnd = fitted.seconds !== undefined ? startMs + fitted.seconds * 1000 : startMs;
      const profile = await scrapedToProfile({ body, target, startMs: windowStart, endMs: windowEnd, maxBytes: deps.bodySizeLimitBytes }, deps.limits, this.delta);
      if (this.stopped) return;
      // The delta baseline has moved to this scrape either way, so the next window starts here.
      this.lastSuccessMs = startMs;
      if (profile.series.length > 0) {
        try {
          await deps.write(profile);
        } catch (err) {
          if (!this.stopped) this.storeFailed(err, startMs, performance.now() - started);
          return;
        }
      }
      this.succeeded(startMs, performance.now() - started);
    } catch (err) {
      if (this.stopped) return;
      this.failed(err, startMs, performance.now() - started);
    }
  }

  private succeeded(startMs: number, durationMs: number): void {
    if (this.state.health === 'down') this.deps.logger?.info({ url: this.target.url, job: this.target.job }, 'scrape target is up again');
    this.state = { health: 'up', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: '', lastErrorCode: undefined, consecutiveFailures: 0 };
    this.skipSlots = 0;
    this.deps.observer?.scraped(this.target.job, 'success', durationMs);
  }

  // The target answered well but the store refused the profile (e.g. its write queue is full): the
  // target stays up and keeps its schedule (no backoff); the error shows on /targets.
  private storeFailed(err: unknown, startMs: number, durationMs: number): void {
    const code = errorCode(err);
    const message = `scraped, but storing the profile failed: ${err instanceof Error ? err.message : String(err)}`;
    this.deps.logger?.warn({ url: this.target.url, job: this.target.job, code, err: message }, 'storing a scraped profile failed');
    this.state = { health: 'up', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: message, lastErrorCode: code, consecutiveFailures: 0 };
    this.skipSlots = 0;
    this.deps.observer?.scraped(this.target.job, code, durationMs);
  }

  private failed(err: unknown, startMs: number, durationMs: number): void {
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    const failures = this.state.consecutiveFailures + 1;
    if (this.state.health !== 'down') this.deps.logger?.warn({ url: this.target.url, job: this.target.job, code, err: message }, 'scrape failed');
    else this.deps.logger?.debug({ url: this.target.url, job: this.target.job, code, failures }, 'scrape failed again');
    this.state = { health: 'down', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: message, lastErrorCode: code, consecutiveFailures: failures };
    const maxSkip = Math.max(0, Math.floor(this.deps.maxBackoffMs / this.target.intervalMs) - 1);
    this.skipSlots = Math.min(2 ** Math.min(failures - 1, 30) - 1, maxSkip);
    this.deps.observer?.scraped(this.target.job, code, durationMs);
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}
