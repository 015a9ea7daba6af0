import { setTimeout as delay } from 'node:timers/promises';
import { Agent } from 'undici';
import { SDK_DEFAULTS } from '../config/defaults.js';
import type { Logger } from '../logger.js';
import { BoundedQueue } from './bounded-queue.js';
import { guardLogger } from './guarded-logger.js';
import { DEFAULT_SAMPLE_RATE_HZ, resolveExporterOptions } from './exporter-options.js';
import type { PushExporterOptions, ResolvedExporterOptions } from './exporter-options.js';
import { buildIngestUrl } from './ingest-url.js';
import { decideRetry, describeOutcome } from './retry-policy.js';
import type { AttemptOutcome } from './retry-policy.js';
import { attemptUpload } from './upload-attempt.js';

/** One profile to push. The exporter keeps a reference to `body` until it is sent: do not modify it afterwards. */
export interface UploadProfile {
  /** Used in logs. Time profiles carry `sampleRate`, heap profiles do not. */
  kind: 'time' | 'heap';
  /** Gzipped pprof, as produced by `@datadog/pprof`'s `encode`. */
  body: Uint8Array;
  /** Window covered, unix ms; sent as `from`/`until` in whole seconds. */
  startMs: number;
  endMs: number;
  /** Sampling frequency of a time profile, Hz. Default 100. */
  sampleRateHz?: number;
}

/**
 * Counters since construction. Every enqueued profile ends in exactly one of `sent`, `failed` or `dropped`, or is
 * still waiting (`queueLength`) or in flight (`inFlight`).
 */
export interface ExporterStats {
  /** Calls to `enqueue`, including refused ones. */
  enqueued: number;
  /** Profiles the server accepted (2xx). */
  sent: number;
  /** Profiles given up after being attempted: a final status (4xx other than 429), retries exhausted, or cut off by `close`'s deadline. */
  failed: number;
  /** Profiles never attempted: pushed out of a full queue, larger than `maxQueueBytes`, malformed, enqueued after `close`, or still queued at `close`'s deadline. */
  dropped: number;
  /** Attempts after a profile's first one. */
  retries: number;
  /** Profiles waiting, not counting the one in flight. Never above `maxQueueSize`. */
  queueLength: number;
  /** Bytes of waiting profile bodies. Never above `maxQueueBytes`. */
  queueBytes: number;
  /** 1 while a profile is being sent or waiting for its next retry, else 0. */
  inFlight: number;
  /** Body bytes of the profiles counted in `sent`. */
  bytesSent: number;
  /** Why the most recent attempt failed, e.g. `HTTP 503` or `network error ECONNREFUSED`. Never contains credentials. */
  lastError?: string;
  /** When the most recent delivery succeeded, unix ms. */
  lastSuccessAtMs?: number;
}

interface QueuedProfile {
  /** Order of arrival; lets `flush` wait for exactly what was queued when it was called. */
  seq: number;
  profile: UploadProfile;
}

interface FlushWaiter {
  targetSeq: number;
  resolve: () => void;
}


/**
 * Pushes profiles to a Pyroscope-compatible `/ingest` endpoint in the background: one sender loop, at most one request
 * in flight, a bounded queue that drops the oldest profile when full, and retries with backoff on network errors,
 * timeouts, 5xx and 429. Nothing it does throws into, blocks or keeps alive the host: failures go to the logger and to
 * {@link PushExporter.stats}.
 */
export class PushExporter {
  private readonly options: ResolvedExporterOptions;
  private readonly log: Logger;
  private readonly agent: Agent;
  private readonly queue: BoundedQueue<QueuedProfile>;
  // Aborted at close's deadline: cuts the request in flight and any backoff wait.
  private readonly closeController = new AbortController();
  private readonly waiters = new Set<FlushWaiter>();
  private readonly counters = { enqueued: 0, sent: 0, failed: 0, dropped: 0, retries: 0, bytesSent: 0 };
  private lastError: string | undefined;
  private lastSuccessAtMs: number | undefined;
  private nextSeq = 1;
  private current: QueuedProfile | undefined;
  private sender: Promise<void> | undefined;
  private closed = false;
  private closePromise: Promise<void> | undefined;
  // Log-noise control: warn once when trouble starts, summarise when it ends.
  private failingSince: number | undefined;
  private lostWhileFailing = 0;
  private overflowing = false;
  private readonly loggedFinalStatuses = new Set<number>();

  /** @throws ConfigError (codes `KPROF_EXPORT_*`) when an option is invalid. */
  constructor(opts: PushExporterOptions) {
    this.options = resolveExporterOptions(opts);
    const base = this.options.logger;
    let component = base;
    try {
      component = base.child ? base.child({ component: 'push-exporter' }) : base;
    } catch {
      // A logger whose child() throws still gets the messages, just without the component field.
    }
    this.log = guardLogger(component);
    this.queue = new BoundedQueue<QueuedProfile>(
      this.options.maxQueueSize,
      this.options.maxQueueBytes,
      (item) => item.profile.body.byteLength,
    );
    this.agent = new Agent({
      // One request at a time needs one socket; without the cap the pool opens a second one while the first is still
      // finishing its previous response.
      connections: 1,
      connect: { timeout: this.options.requestTimeoutMs },
      headersTimeout: this.options.requestTimeoutMs,
      bodyTimeout: this.options.requestTimeoutMs,
    });
    this.log.debug(
      { endpoint: this.options.endpoint.href, ...this.options.authSummary, maxQueueSize: this.options.maxQueueSize },
      'push exporter ready',
    );
  }

  /** Queues a profile for upload and returns at once. Never throws; refused profiles are counted in `dropped`. */
  enqueue(profile: UploadProfile): void {
    try {
      this.counters.enqueued++;
      if (this.closed) {
        this.counters.dropped++;
        this.log.debug({ kind: profile?.kind }, 'profile enqueued after close, dropped');
        return;
      }
      const problem = describeMalformed(profile);
      if (problem !== undefined) {
        this.counters.dropped++;
        this.log.warn({ problem }, 'malformed profile, dropped');
        return;
      }
      const dropped = this.queue.push({ seq: this.nextSeq++, profile });
      if (dropped.length > 0) this.recordOverflow(profile, dropped);
      this.startSender();
      this.resolveSettledWaiters();
    } catch (err) {
      // Unreachable by design; the guard keeps the "never throws into the host" guarantee even if a bug slips in.
      this.log.error({ err }, 'push exporter enqueue failed');
    }
  }

  /**
   * Resolves once every profile queued before the call has been delivered or given up, or when `timeoutMs` passes
   * (what is left stays queued and keeps being retried). Never rejects.
   */
  flush(opts: { timeoutMs: number }): Promise<void> {
    return this.waitSettled(this.nextSeq - 1, opts?.timeoutMs).then((settled) => {
      if (!settled) {
        this.log.warn(
          { timeoutMs: opts?.timeoutMs, queueLength: this.queue.length, inFlight: this.current ? 1 : 0 },
          'flush deadline passed before every profile was delivered',
        );
      }
    });
  }

  /**
   * Stops accepting profiles, tries to deliver the queued ones within `timeoutMs`, then aborts what is left (in flight
   * → `failed`, queued → `dropped`, logged at error level) and releases sockets and timers. Idempotent: later calls
   * return the first call's promise. Never rejects.
   */
  close(opts: { timeoutMs: number }): Promise<void> {
    this.closePromise ??= this.shutDown(opts?.timeoutMs);
    return this.closePromise;
  }

  /** A snapshot of the counters. */
  stats(): ExporterStats {
    return {
      ...this.counters,
      queueLength: this.queue.length,
      queueBytes: this.queue.bytes,
      inFlight: this.current ? 1 : 0,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.lastSuccessAtMs !== undefined ? { lastSuccessAtMs: this.lastSuccessAtMs } : {}),
    };
  }

  private async shutDown(timeoutMs: number | undefined): Promise<void> {
    this.closed = true;
    const settled = await this.waitSettled(this.nextSeq - 1, timeoutMs);
    let lostInFlight = 0;
    let lostQueued = 0;
    if (!settled) {
      const wasInFlight = this.current !== undefined;
      // Why delivery was stuck, before the abort itself becomes the last error.
      const lastError = this.lastError;
      this.closeController.abort();
      // The abort settles the request or backoff in progress within a few ticks; the sender then stops taking work.
      await this.sender;
      lostInFlight = wasInFlight ? 1 : 0;
      lostQueued = this.queue.drain().length;
      this.counters.dropped += lostQueued;
      this.resolveSettledWaiters();
      this.log.error(
        { timeoutMs, lostInFlight, lostQueued, lastError },
        'push exporter closed before delivering every profile',
      );
    }
    try {
      // Nothing is in flight any more, so close() only has idle keep-alive sockets to shut; destroy() does not wait.
      await (settled ? this.agent.close() : this.agent.destroy());
    } catch (err) {
      this.log.debug({ err }, 'closing the HTTP agent failed');
    }
    this.log.info({ ...this.counters }, 'push exporter closed');
  }

  private startSender(): void {
    if (this.sender !== undefined || this.closeController.signal.aborted) return;
    this.sender = this.runSender()
      .catch((err: unknown) => this.log.error({ err }, 'push exporter sender stopped unexpectedly'))
      .finally(() => {
        this.sender = undefined;
        this.current = undefined;
        this.resolveSettledWaiters();
        // A profile enqueued in the same tick the loop saw an empty queue must not wait for the next enqueue.
        if (this.queue.length > 0) this.startSender();
      });
  }

  private async runSender(): Promise<void> {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      this.current = item;
      await this.deliver(item);
      this.current = undefined;
      this.resolveSettledWaiters();
      if (this.closeController.signal.aborted) return;
    }
  }

  /** Sends one profile until it is delivered or given up; accounts for it exactly once. */
  private async deliver(item: QueuedProfile): Promise<void> {
    const { profile } = item;
    const url = buildIngestUrl(this.options.endpoint, {
      seriesName: this.options.seriesName,
      spyName: this.options.spyName,
      startMs: profile.startMs,
      endMs: profile.endMs,
      ...(profile.kind === 'time' ? { sampleRateHz: profile.sampleRateHz ?? DEFAULT_SAMPLE_RATE_HZ } : {}),
    });
    for (let retriesSoFar = 0; ; retriesSoFar++) {
      const result = await attemptUpload({
        dispatcher: this.agent,
        url,
        headers: this.options.headers,
        body: profile.body,
        requestTimeoutMs: this.options.requestTimeoutMs,
        signal: this.closeController.signal,
      });
      if (result.delivered) {
        this.recordSuccess(profile, retriesSoFar);
        return;
      }
      if (this.closeController.signal.aborted) {
        this.lastError = 'abandoned at the close deadline';
        this.counters.failed++;
        return;
      }
      this.lastError = result.detail ? `${describeOutcome(result.outcome)}: ${result.detail}` : describeOutcome(result.outcome);
      const decision = decideRetry(result.outcome, retriesSoFar, this.options, Date.now(), Math.random());
      if (!decision.retry) {
        this.recordFinalFailure(profile, result.outcome, decision.reason, retriesSoFar);
        return;
      }
      this.recordRetry(profile, result.outcome, decision.delayMs, retriesSoFar);
      try {
        // Unref'd: a backoff must never keep the host process alive.
        await delay(decision.delayMs, undefined, { signal: this.closeController.signal, ref: false });
      } catch {
        this.counters.failed++;
        return;
      }
    }
  }

  private recordSuccess(profile: UploadProfile, retriesSoFar: number): void {
    this.counters.sent++;
    this.counters.bytesSent += profile.body.byteLength;
    this.lastSuccessAtMs = Date.now();
    this.overflowing = false;
    if (this.failingSince !== undefined) {
      this.log.info(
        { downForMs: Date.now() - this.failingSince, lostWhileDown: this.lostWhileFailing, retries: retriesSoFar },
        'push recovered',
      );
      this.failingSince = undefined;
      this.lostWhileFailing = 0;
    } else {
      this.log.debug({ kind: profile.kind, bytes: profile.body.byteLength, retries: retriesSoFar }, 'profile pushed');
    }
  }

  private recordRetry(profile: UploadProfile, outcome: AttemptOutcome, delayMs: number, retriesSoFar: number): void {
    this.counters.retries++;
    const fields = { kind: profile.kind, error: this.lastError, retry: retriesSoFar + 1, delayMs };
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.log.warn({ ...fields, endpoint: this.options.endpoint.href }, 'push failed, retrying');
    } else {
      this.log.debug({ ...fields, outcome: outcome.kind }, 'push failed, retrying');
    }
  }

  private recordFinalFailure(profile: UploadProfile, outcome: AttemptOutcome, reason: string, retriesSoFar: number): void {
    this.counters.failed++;
    const fields = { kind: profile.kind, error: this.lastError, reason, retries: retriesSoFar };
    if (outcome.kind === 'response' && outcome.statusCode < 500 && outcome.statusCode !== 429) {
      // A refusal (bad auth, bad name, too large) repeats for every profile: say it loudly once per status.
      if (!this.loggedFinalStatuses.has(outcome.statusCode)) {
        this.loggedFinalStatuses.add(outcome.statusCode);
        this.log.error({ ...fields, endpoint: this.options.endpoint.href }, 'server refused profile, not retrying');
      } else {
        this.log.debug(fields, 'server refused profile, not retrying');
      }
      return;
    }
    if (this.lostWhileFailing === 0) {
      this.log.error({ ...fields, endpoint: this.options.endpoint.href }, 'profile lost after retries');
    } else {
      this.log.debug(fields, 'profile lost after retries');
    }
    this.lostWhileFailing++;
  }

  private recordOverflow(profile: UploadProfile, dropped: QueuedProfile[]): void {
    this.counters.dropped += dropped.length;
    const fields = {
      dropped: dropped.length,
      droppedTotal: this.counters.dropped,
      maxQueueSize: this.options.maxQueueSize,
      maxQueueBytes: this.options.maxQueueBytes,
    };
    if (dropped.length === 1 && dropped[0]?.profile === profile) {
      this.log.error(
        { ...fields, bytes: profile.body.byteLength },
        'profile larger than maxQueueBytes, dropped; raise maxQueueBytes',
      );
    } else if (!this.overflowing) {
      this.overflowing = true;
      this.log.warn(fields, 'push queue full, dropping oldest profiles');
    } else {
      this.log.debug(fields, 'push queue full, dropping oldest profiles');
    }
  }

  /** Resolves true when every profile up to `targetSeq` is settled, false if `timeoutMs` passes first. */
  private waitSettled(targetSeq: number, timeoutMs: number | undefined): Promise<boolean> {
    if (this.oldestUnsettledSeq() > targetSeq) return Promise.resolve(true);
    const boundedMs = Number.isFinite(timeoutMs) ? Math.min(Math.max(timeoutMs as number, 0), SDK_DEFAULTS.maxTimerMs) : 0;
    return new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = {
        targetSeq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      // Deliberately not unref'd, unlike the exporter's background timers: the caller is awaiting this deadline (e.g.
      // `await sdk.stop()` at the end of a script), and an unref'd timer would let Node exit with the flush unfinished.
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, boundedMs);
      this.waiters.add(waiter);
    });
  }

  private oldestUnsettledSeq(): number {
    return this.current?.seq ?? this.queue.peek()?.seq ?? this.nextSeq;
  }

  private resolveSettledWaiters(): void {
    if (this.waiters.size === 0) return;
    const oldest = this.oldestUnsettledSeq();
    for (const waiter of this.waiters) {
      if (oldest > waiter.targetSeq) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

function describeMalformed(profile: UploadProfile): string | undefined {
  if (profile === null || typeof profile !== 'object') return 'profile is not an object';
  if (!(profile.body instanceof Uint8Array) || profile.body.byteLength === 0) return 'body is not a non-empty Uint8Array';
  if (!Number.isFinite(profile.startMs) || !Number.isFinite(profile.endMs)) return 'startMs/endMs are not finite numbers';
  if (profile.kind !== 'time' && profile.kind !== 'heap') return `kind is ${String(profile.kind)}, not 'time' or 'heap'`;
  return undefined;
}
