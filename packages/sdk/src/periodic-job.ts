/** Counters of a {@link PeriodicJob}. */
export interface PeriodicJobStats {
  /** Runs started. */
  runs: number;
  /** Ticks skipped because the previous run was still going. */
  skipped: number;
  /** Runs that threw or rejected (reported through `onError`). */
  failures: number;
}

/**
 * Runs an async job every `intervalMs` on an unref'd timer (it never keeps the host alive). Runs never overlap: a tick
 * that finds the previous run still going is skipped and counted.
 */
export class PeriodicJob {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly counters: PeriodicJobStats = { runs: 0, skipped: 0, failures: 0 };

  constructor(
    intervalMs: number,
    private readonly job: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Runs the job now unless a run is in flight (then counts a skip). */
  tick(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.counters.skipped++;
      return;
    }
    this.counters.runs++;
    const run = (async () => {
      try {
        await this.job();
      } catch (err) {
        this.counters.failures++;
        try {
          this.onError(err);
        } catch {
          // A throwing host logger must not become an unhandled rejection.
        }
      }
    })();
    this.inFlight = run;
    void run.finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
  }

  /** Stops the timer and waits for the run in flight, at most `timeoutMs`. Idempotent. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const run = this.inFlight;
    if (!run) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([run, new Promise<void>((resolve) => { timeout = setTimeout(resolve, Math.max(0, timeoutMs)); timeout.unref(); })]);
    clearTimeout(timeout);
  }

  stats(): PeriodicJobStats {
    return { ...this.counters };
  }
}
