/** A target's health as the target pages show it (Prometheus' vocabulary). */
export type TargetHealth = 'up' | 'down' | 'unknown';

/**
 * Why a slot passed without a scrape: `overlap` (the previous scrape of the target still ran),
 * `concurrency` (no permit of the global limit within `lateStartMs` (profile-fetch.ts)), `stall` (the slot came
 * and went while the event loop was blocked, or the wall clock stepped forward past it), `backoff`
 * (skipped on purpose: the target failed and is left alone for a while).
 */
export type MissedReason = 'overlap' | 'concurrency' | 'stall' | 'backoff';

/**
 * What happened to a target's slots (its interval boundaries, offset per target) since its loop
 * started. Every slot that came due ends as exactly one of: started on time (the request went
 * out no later than the slot plus `lateStartMs` (profile-fetch.ts), 10 % of the interval), started late (after
 * that, but before the next slot came due, e.g. when a stalled event loop fired the timer late),
 * or missed (no request for that slot). `due - onTime - late - missed` is 0, or 1 while the newest
 * slot waits for a concurrency permit.
 */
export interface SlotCounts {
  readonly due: number;
  readonly onTime: number;
  readonly late: number;
  readonly missed: number;
  readonly missedByReason: Readonly<Record<MissedReason, number>>;
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
  /** Slots since the loop started, by outcome. */
  readonly slots: SlotCounts;
  /** Scraped profiles the store did not take (after the retry of a transient error). */
  readonly droppedProfiles: number;
}
