import { LimitError, UnavailableError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';

/** What the batcher writes to (the store's `writeBatch`). */
export interface BatchSink {
  writeBatch(profiles: readonly IngestProfile[]): void;
}

/** Options for {@link WriteBatcher}. */
export interface WriteBatcherOptions {
  /** Profiles per transaction at most. */
  readonly maxProfiles: number;
  /** Longest a profile waits before its batch commits, ms. */
  readonly maxDelayMs: number;
  /** Queued profiles before `write` rejects with 429. */
  readonly maxPending: number;
  /** Called after each committed batch (metrics). */
  readonly onCommit?: (profiles: readonly IngestProfile[], durationMs: number) => void;
}

interface Pending {
  readonly profile: IngestProfile;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Groups ingested profiles into transactions: a batch commits when it reaches `maxProfiles` or
 * `maxDelayMs` after its first profile, whichever is first. `write` resolves only after the
 * profile's transaction committed, so an acknowledged ingest survives a crash.
 */
export class WriteBatcher {
  readonly #sink: BatchSink;
  readonly #opts: WriteBatcherOptions;
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(sink: BatchSink, opts: WriteBatcherOptions) {
    this.#sink = sink;
    this.#opts = opts;
  }

  /** Queued, uncommitted profiles. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues `profile`; resolves once committed. Rejects with `LimitError` `KPROF_INGEST_BACKPRESSURE`
   * (429) when `maxPending` profiles wait, and `UnavailableError` `KPROF_SHUTTING_DOWN` after close.
   */
  write(profile: IngestProfile): Promise<void> {
    return this.writeAll([profile]);
  }

  /**
   * Queues `profiles` as one unit (a push of several): all are accepted or none (one capacity
   * check, same errors as {@link write}), and when they fit in one batch (`maxProfiles`) they
   * commit in one transaction, so a refused or failed request stores nothing a retry would
   * duplicate. Resolves once all committed.
   */
  writeAll(profiles: readonly IngestProfile[]): Promise<void> {
    if (this.#closed) return Promise.reject(new UnavailableError('KPROF_SHUTTING_DOWN', 'the server is shutting down; retry against another instance or later'));
    if (this.#queue.length + profiles.length > this.#opts.maxPending) {
      return Promise.reject(
        new LimitError(
          'KPROF_INGEST_BACKPRESSURE',
          `${this.#queue.length} profiles are waiting to be written and this request adds ${profiles.length}, over storage.max-pending-profiles (${this.#opts.maxPending}); retry later`,
        ),
      );
    }
    // Commit what waits first if the group would not fit beside it in one batch.
    if (this.#queue.length > 0 && this.#queue.length + profiles.length > this.#opts.maxProfiles) this.#flushAll();
    const committed = profiles.map((profile) => new Promise<void>((resolve, reject) => this.#queue.push({ profile, resolve, reject })));
    while (this.#queue.length >= this.#opts.maxProfiles) this.#flush();
    this.#schedule();
    return Promise.all(committed).then(() => undefined);
  }

  /** Commits what is queued and refuses further writes. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#flushAll();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flushAll(): void {
    while (this.#queue.length > 0) this.#flush();
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.splice(0, this.#opts.maxProfiles);
    if (batch.length === 0) return;
    const profiles = batch.map((p) => p.profile);
    const started = performance.now();
    try {
      this.#sink.writeBatch(profiles);
    } catch (err) {
      for (const p of batch) p.reject(err);
      this.#schedule();
      return;
    }
    this.#opts.onCommit?.(profiles, performance.now() - started);
    for (const p of batch) p.resolve();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#queue.length > 0 && this.#timer === undefined && !this.#closed) {
      this.#timer = setTimeout(() => this.#flush(), this.#opts.maxDelayMs);
      this.#timer.unref();
    }
  }
}
