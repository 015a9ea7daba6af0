import type { IngestLimits } from '../config/resolve-config.js';
import type { ConvertedBatch } from '../ingest/intake.js';
import type { IntakeRequest } from '../ingest/intake-request.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import type { DiscoveryLogger } from './discovery/kubernetes.js';
import { type FittedProfileRequest, fitProfileRequest, lateStartMs } from './profile-fetch.js';
import type { ConcurrencyLimit } from './scrape-concurrency.js';
import { errorCode } from '../errors.js';
import type { ScrapeHttpClient } from './scrape-http-client.js';
import { intakeFromScrape } from './scraped-intake.js';
import { type StoreFailure, type StoreFailureAction, storeErrorCode, storeWithRetry } from './store-with-retry.js';
import type { MissedReason, ScrapeStatus, SlotCounts, TargetHealth } from './scrape-status.js';
import type { ScrapeTarget } from './targets.js';

/** Receives each scrape's and each slot's outcome (metrics). */
export interface ScrapeObserver {
  /** `result` is `success` or the error code. */
  scraped?(job: string, result: string, durationMs: number): void;
  /** A slot's scrape started: on time, or `late` (after the slot plus {@link lateStartMs}). */
  started?(job: string, late: boolean): void;
  /** `slots` consecutive slots passed without a scrape. */
  missed?(job: string, reason: MissedReason, slots: number): void;
  /**
   * A scraped profile's store write failed with `code`: `retry` (a transient error: written once
   * more) or `drop` (a lasting error, or the retry failed too: the profile is not stored).
   */
  storeFailed?(job: string, code: string, action: StoreFailureAction): void;
}

/** What pull mode needs from the server's intake. */
export interface ScrapeIntake {
  /** Converts a scraped body (on the decode workers), moving the target's delta baseline. */
  convert(requests: readonly IntakeRequest[]): Promise<ConvertedBatch>;
  /** Stores converted profiles; resolves once committed. */
  write(profiles: readonly IngestProfile[]): Promise<void>;
  /** Drops a target's delta baseline when its loop stops. */
  forget(tenant: string | undefined, key: string): void;
}

/** What a loop needs from the manager; shared by every loop. */
export interface ScrapeLoopDeps {
  readonly client: ScrapeHttpClient;
  readonly limit: ConcurrencyLimit;
  readonly intake: ScrapeIntake;
  readonly limits: Readonly<IngestLimits>;
  /** Multi-tenant mode: the tenant scraped series are stored for (`auth.scrape-tenant`). */
  readonly tenant?: string;
  /** `body-size-limit` of the target's scrape config. */
  readonly bodySizeLimitBytes: number;
  /** Longest a failing target is left alone between attempts. */
  readonly maxBackoffMs: number;
  readonly now: () => number;
  readonly observer?: ScrapeObserver;
  readonly logger?: DiscoveryLogger;
}

type LastOutcome = Omit<ScrapeStatus, 'slots' | 'droppedProfiles'>;

/**
 * Scrapes one profile of one target every interval. Slots are aligned to the interval with an
 * offset from a hash of the target (so a thousand targets spread over the interval instead of
 * all firing at once, and a restarted server keeps each target's phase). At most one scrape of a
 * target is in flight; a slot whose previous scrape still runs, or which cannot get a permit of
 * the global {@link ConcurrencyLimit} within {@link lateStartMs}, is skipped and counted missed.
 * When the timer fires after later slots already came due (a blocked event loop), the newest of
 * them is scraped (late, unless within {@link lateStartMs}) and the ones before it are counted
 * missed (`stall`); see {@link SlotCounts}. After `n` consecutive failures the loop skips
 * `2^(n-1) - 1` slots (at most `maxBackoffMs`), so dead targets cost little. One timer per loop;
 * {@link stop} clears it and aborts the scrape in flight.
 *
 * A profile the store refuses is retried once after a short pause when the error is transient
 * (write queue full, database locked by another connection); otherwise, or when the retry fails
 * too, it is dropped and counted. A dropped profile's cumulative delta baseline is put back, so
 * the next scrape stores the growth of both intervals instead of losing one.
 */
export class ScrapeLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly offsetMs: number;
  private readonly fitted: FittedProfileRequest;
  private stopped = false;
  private skipSlots = 0;
  private lastSuccessMs: number | undefined;
  private last: LastOutcome = { health: 'unknown', lastScrapeMs: undefined, lastDurationMs: undefined, lastError: '', lastErrorCode: undefined, consecutiveFailures: 0 };
  private slotsDue = 0;
  private slotsOnTime = 0;
  private slotsLate = 0;
  private readonly missedBy: Record<MissedReason, number> = { overlap: 0, concurrency: 0, stall: 0, backoff: 0 };
  private dropped = 0;

  constructor(
    readonly target: ScrapeTarget,
    private readonly deps: ScrapeLoopDeps,
  ) {
    this.offsetMs = hashKey(target.key) % target.intervalMs;
    this.fitted = fitProfileRequest(target.url, target.intervalMs, target.timeoutMs);
  }

  /** The URL requested: the target's, with `seconds` fitted into the interval. */
  get url(): string {
    return this.fitted.url;
  }

  /** The last outcome, slot counts and dropped profiles. */
  get status(): ScrapeStatus {
    const m = this.missedBy;
    return {
      ...this.last,
      slots: { due: this.slotsDue, onTime: this.slotsOnTime, late: this.slotsLate, missed: m.overlap + m.concurrency + m.stall + m.backoff, missedByReason: { ...m } },
      droppedProfiles: this.dropped,
    };
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
    // The target's delta baseline goes with it.
    if (this.target.delta) this.deps.intake.forget(this.deps.tenant, this.target.key);
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

  private tick(due: number): void {
    this.timer = undefined;
    if (this.stopped) return;
    const interval = this.target.intervalMs;
    // A timer fires late when the event loop was blocked (or the wall clock jumped ahead): every
    // slot that came due meanwhile is accounted for. The newest is served; those before it are gone.
    const now = this.deps.now();
    const behind = now > due ? Math.floor((now - due) / interval) : 0;
    const slot = due + behind * interval;
    this.slotsDue += behind + 1;
    this.schedule(slot);
    if (behind > 0) {
      // Slots a backing-off loop would have skipped anyway count as backoff, not as the stall's.
      const backoff = Math.min(this.skipSlots, behind);
      this.skipSlots -= backoff;
      this.miss('backoff', backoff);
      this.miss('stall', behind - backoff);
    }
    if (this.skipSlots > 0) {
      this.skipSlots--;
      this.miss('backoff', 1);
      return;
    }
    if (this.inFlight !== undefined) {
      this.miss('overlap', 1);
      return;
    }
    this.inFlight = this.run(slot)
      .catch((err: unknown) => this.deps.logger?.error({ err, url: this.target.url }, 'scrape loop failed'))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private miss(reason: MissedReason, slots: number): void {
    if (slots <= 0) return;
    this.missedBy[reason] += slots;
    this.deps.observer?.missed?.(this.target.job, reason, slots);
  }

  private async run(slot: number): Promise<void> {
    const lateAfter = slot + lateStartMs(this.target.intervalMs);
    const waitMs = Math.max(0, lateAfter - this.deps.now());
    const release = await this.deps.limit.acquire(waitMs, this.abort.signal);
    if (release === undefined) {
      if (!this.stopped) this.miss('concurrency', 1);
      return;
    }
    try {
      if (this.stopped) return;
      const startMs = this.deps.now();
      const late = startMs > lateAfter;
      if (late) this.slotsLate++;
      else this.slotsOnTime++;
      this.deps.observer?.started?.(this.target.job, late);
      await this.scrapeOnce(startMs);
    } finally {
      release();
    }
  }

  private async scrapeOnce(startMs: number): Promise<void> {
    const { target, deps } = this;
    const started = performance.now();
    const previousSuccessMs = this.lastSuccessMs;
    try {
      const fitted = this.fitted;
      const { body } = await deps.client.fetchProfile({
        url: fitted.url,
        timeoutMs: fitted.timeoutMs,
        maxBytes: deps.bodySizeLimitBytes,
        signal: this.abort.signal,
      });
      // `seconds` profiles cover the time the target sampled; snapshots cover the interval before them.
      const windowStart = fitted.seconds !== undefined ? startMs : target.delta && previousSuccessMs !== undefined ? previousSuccessMs : startMs - target.intervalMs;
      const windowEnd = fitted.seconds !== undefined ? startMs + fitted.seconds * 1000 : startMs;
      const request = intakeFromScrape(
        { body, target, startMs: windowStart, endMs: windowEnd, maxBytes: deps.bodySizeLimitBytes, ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {}) },
        deps.limits,
      );
      const {
        profiles: [profile],
        undo: undoDelta,
      } = await deps.intake.convert([request]);
      if (this.stopped) return;
      // The delta baseline has moved to this scrape, so the next window starts here.
      this.lastSuccessMs = startMs;
      if (profile!.series.length > 0) {
        const failure = await this.store(profile!);
        if (failure !== undefined) {
          if (this.stopped) return;
          // Put the baseline back: the next scrape's delta (and window) then covers this interval too.
          undoDelta();
          this.lastSuccessMs = previousSuccessMs;
          this.storeFailed(failure, startMs, performance.now() - started);
          return;
        }
      }
      this.succeeded(startMs, performance.now() - started);
    } catch (err) {
      if (this.stopped) return;
      this.failed(err, startMs, performance.now() - started);
    }
  }

  /** Writes `profile`, once more after a pause if the first error is transient; the last error if it was not stored. */
  private store(profile: IngestProfile): Promise<StoreFailure | undefined> {
    const { job } = this.target;
    return storeWithRetry(() => this.deps.intake.write([profile]), {
      retryDelayMs: storeRetryDelayMs(this.target.intervalMs),
      signal: this.abort.signal,
      onFailure: (code, action) => {
        if (!this.stopped) this.deps.observer?.storeFailed?.(job, code, action);
      },
    });
  }

  private succeeded(startMs: number, durationMs: number): void {
    if (this.last.health === 'down') this.deps.logger?.info({ url: this.target.url, job: this.target.job }, 'scrape target is up again');
    this.last = { health: 'up', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: '', lastErrorCode: undefined, consecutiveFailures: 0 };
    this.skipSlots = 0;
    this.deps.observer?.scraped?.(this.target.job, 'success', durationMs);
  }

  // The target answered well but the store did not take the profile (e.g. the server is shutting
  // down, or it stayed locked through the retry): the target stays up and keeps its schedule (no
  // backoff); the error shows on /targets and the profile counts as dropped.
  private storeFailed({ err, attempts }: StoreFailure, startMs: number, durationMs: number): void {
    const code = storeErrorCode(err);
    const message = `scraped, but storing the profile failed${attempts > 1 ? ' (retried once)' : ''}: ${err instanceof Error ? err.message : String(err)}`;
    this.deps.logger?.warn({ url: this.target.url, job: this.target.job, code, err: message }, 'storing a scraped profile failed');
    this.last = { health: 'up', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: message, lastErrorCode: code, consecutiveFailures: 0 };
    this.skipSlots = 0;
    this.dropped++;
    this.deps.observer?.scraped?.(this.target.job, code, durationMs);
  }

  private failed(err: unknown, startMs: number, durationMs: number): void {
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    const failures = this.last.consecutiveFailures + 1;
    if (this.last.health !== 'down') this.deps.logger?.warn({ url: this.target.url, job: this.target.job, code, err: message }, 'scrape failed');
    else this.deps.logger?.debug({ url: this.target.url, job: this.target.job, code, failures }, 'scrape failed again');
    this.last = { health: 'down', lastScrapeMs: startMs, lastDurationMs: durationMs, lastError: message, lastErrorCode: code, consecutiveFailures: failures };
    const maxSkip = Math.max(0, Math.floor(this.deps.maxBackoffMs / this.target.intervalMs) - 1);
    this.skipSlots = Math.min(2 ** Math.min(failures - 1, 30) - 1, maxSkip);
    this.deps.observer?.scraped?.(this.target.job, code, durationMs);
  }
}

/**
 * Pause before the one retry of a transient store error: 1 s, or 10 % of a shorter interval.
 * Long enough for the write queue to commit a batch or another connection to finish its
 * transaction, short enough to stay well inside the interval.
 */
export function storeRetryDelayMs(intervalMs: number): number {
  return Math.min(1000, lateStartMs(intervalMs));
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}
