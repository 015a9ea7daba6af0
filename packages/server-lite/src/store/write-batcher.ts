import { LimitError, UnavailableError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';

/**
 * What the batcher writes to: the store writer thread (store-writer.ts), or a store directly. It
 * takes groups of profiles (a group is one request's profiles, stored all or none) and returns,
 * per group, `undefined` once stored or the error that refused it; a thrown error (or rejection)
 * fails every group of the batch.
 */
export interface BatchSink {
  writeGroups(groups: readonly (readonly IngestProfile[])[]): Promise<readonly unknown[]> | readonly unknown[];
}

/** Options for {@link WriteBatcher}. */
export interface WriteBatcherOptions {
  /** Profiles per batch at most (a larger group goes alone). */
  readonly maxProfiles: number;
  /** Longest a profile waits before its batch goes, ms. */
  readonly maxDelayMs: number;
  /** Queued profiles before `write` rejects with 429. */
  readonly maxPending: number;
  /** Called after each written batch (metrics). */
  readonly onCommit?: (profiles: number, durationMs: number) => void;
}

interface Pending {
  readonly profiles: readonly IngestProfile[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Groups ingested profiles into batches: a batch goes when it reaches `maxProfiles` or
 * `maxDelayMs` after its first group, whichever is first, one batch at a time (the next waits for
 * the sink's answer). A write resolves only after its profiles committed, so an acknowledged
 * ingest survives a crash; a group the sink refuses (a limit of its app) fails alone, the other
 * groups of its batch are stored.
 */
export class WriteBatcher {
  readonly #sink: BatchSink;
  readonly #opts: WriteBatcherOptions;
  #queue: Pending[] = [];
  #queued = 0;
  #inFlight = 0;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(sink: BatchSink, opts: WriteBatcherOptions) {
    this.#sink = sink;
    this.#opts = opts;
  }

  /** Queued or in-flight, uncommitted profiles. */
  get pending(): number {
    return this.#queued + this.#inFlight;
  }

  /** Queues one profile; see {@link writeAll}. */
  write(profile: IngestProfile): Promise<void> {
    return this.writeAll([profile]);
  }

  /**
   * Queues `profiles` as one group: stored all or none (a refused or failed request stores nothing
   * a retry would duplicate). Rejects with `LimitError` `KPROF_INGEST_BACKPRESSURE` (429) when
   * `maxPending` profiles wait, and `UnavailableError` `KPROF_SHUTTING_DOWN` after close.
   * Resolves once committed.
   */
  writeAll(profiles: readonly IngestProfile[]): Promise<void> {
    if (this.#closed) return Promise.reject(new UnavailableError('KPROF_SHUTTING_DOWN', 'the server is shutting down; retry against another instance or later'));
    if (this.pending + profiles.length > this.#opts.maxPending) {
      return Promise.reject(
        new LimitError(
          'KPROF_INGEST_BACKPRESSURE',
          `${this.pending} profiles are waiting to be written and this request adds ${profiles.length}, over storage.max-pending-profiles (${this.#opts.maxPending}); retry later`,
        ),
      );
    }
    if (profiles.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ profiles, resolve, reject }));
    this.#queued += profiles.length;
    if (this.#queued >= this.#opts.maxProfiles) this.#kick();
    else this.#schedule();
    return done;
  }

  /** Writes what is queued, refuses further writes, and resolves when the last batch is answered. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#writing !== undefined || this.#queue.length > 0) {
      this.#kick();
      await this.#writing;
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#writing !== undefined || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.#opts.maxDelayMs);
    this.#timer.unref();
  }

  // Starts the next batch unless one is in flight.
  #kick(): void {
    if (this.#writing !== undefined || this.#queue.length === 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch: Pending[] = [];
    let size = 0;
    while (this.#queue.length > 0 && (batch.length === 0 || size + this.#queue[0]!.profiles.length <= this.#opts.maxProfiles)) {
      const next = this.#queue.shift()!;
      batch.push(next);
      size += next.profiles.length;
    }
    this.#queued -= size;
    this.#inFlight = size;
    this.#writing = this.#write(batch, size).finally(() => {
      this.#writing = undefined;
      this.#inFlight = 0;
      if (this.#queued >= this.#opts.maxProfiles || (this.#closed && this.#queue.length > 0)) this.#kick();
      else this.#schedule();
    });
  }

  async #write(batch: readonly Pending[], size: number): Promise<void> {
    const started = performance.now();
    let results: readonly unknown[];
    try {
      results = await this.#sink.writeGroups(batch.map((p) => p.profiles));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    this.#opts.onCommit?.(size, performance.now() - started);
    batch.forEach((p, i) => (results[i] === undefined ? p.resolve() : p.reject(results[i])));
  }
}
