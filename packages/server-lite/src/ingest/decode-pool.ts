import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { IngestLimits } from '../config/resolve-config.js';
import { InternalError, LimitError, UnavailableError, UnprocessableError } from '../errors.js';
import type { DecodeTask, DecodeWorkerData, WorkerReady, WorkerReply } from './decode-protocol.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import type { ConvertedIntake } from './convert-intake.js';
import type { IntakeTask } from './intake-request.js';
import { NameDecoder } from '../threads/name-dictionary.js';
import type { PackedBaseline } from './packed-baseline.js';
import { workerEntry } from '../threads/worker-entry.js';
import { errorFromData } from '../threads/worker-error.js';
import { fromWire } from '../threads/wire-profile.js';

/** The logger calls the pool makes (pino-compatible). */
export interface DecodePoolLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options for {@link DecodePool}. */
export interface DecodePoolOptions {
  /** Ingest limits the workers apply (`config.ingest`). */
  readonly limits: Readonly<IngestLimits>;
  /** Worker threads. Default: the machine's available parallelism, 1 to 4. */
  readonly workers?: number;
  /** Bodies waiting for a free worker before {@link DecodePool.parse} answers 429. Default 64 per worker. */
  readonly maxQueued?: number;
  /** Bytes of waiting bodies before {@link DecodePool.parse} answers 429. Default 256 MiB. */
  readonly maxQueuedBytes?: number;
  /**
   * Old-generation heap of each worker, MiB. Default 1024: a worker that runs out dies alone
   * (its request gets `KPROF_INGEST_WORKER_FAILED`) instead of taking the process's memory.
   */
  readonly maxWorkerHeapMb?: number;
  /**
   * Longest one parse may run on a worker, ms; default `limits.decodeTimeoutMs`
   * (`ingest.decode-timeout`). A worker still busy past it is terminated and replaced, and its
   * request fails with 422 `KPROF_INGEST_DECODE_TIMEOUT`: a thread stuck in a pathological input
   * cannot be interrupted any other way, and would otherwise hold its slot forever.
   */
  readonly jobTimeoutMs?: number;
  /** Lets {@link DecodePool.spinForTest} reach the workers (tests only). Default false. */
  readonly testHooks?: boolean;
  readonly logger?: DecodePoolLogger;
  /** Worker entry file. Default: `decode-worker` beside this module. Tests pass their own. */
  readonly workerScript?: string;
}

// A task before it is given an id (distributive, so each kind keeps its own fields).
type NewTask = DecodeTask extends infer T ? (T extends DecodeTask ? Omit<T, 'id'> : never) : never;


interface Job {
  readonly task: NewTask;
  readonly resolve: (r: ConvertedIntake) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: (Job & { id: number }) | undefined;
  /** False once the worker exited; a dead slot takes no work until it is replaced. */
  alive: boolean;
  /** This worker's name dictionary, main-thread side. */
  readonly names: NameDecoder;
  /** Settles when the thread has exited. */
  readonly exited: Promise<void>;
  /** Worker exits in a row without a finished task; spaces out respawns of a worker that cannot start. */
  failures: number;
  /** Fires when the running job is over the time limit. */
  timer: NodeJS.Timeout | undefined;
  /** True once the worker said it has loaded: a job's time limit starts then, not while it boots. */
  ready: boolean;
  /** True once terminated for running over the time limit (its exit is expected). */
  timedOut: boolean;
}

/**
 * Runs the intake pipeline (gunzip, pprof decode, deltas, conversion to an {@link IngestProfile})
 * for every front end on a pool of worker threads, so the main thread keeps serving HTTP and writing to SQLite. One body per
 * worker at a time; the rest wait in a bounded queue (429 `KPROF_INGEST_BACKPRESSURE` when full).
 * Errors the parser throws come back as the same kprof errors. A worker that dies fails only the
 * body it held (500 `KPROF_INGEST_WORKER_FAILED`) and is replaced; one still busy with a body
 * after `jobTimeoutMs` is terminated and replaced, and that body fails with 422
 * `KPROF_INGEST_DECODE_TIMEOUT`.
 */
export class DecodePool {
  readonly #opts: Required<Omit<DecodePoolOptions, 'logger' | 'workerScript'>> & Pick<DecodePoolOptions, 'logger'>;
  readonly #entry: { filename: string; eval: boolean };
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #respawnTimers = new Set<NodeJS.Timeout>();
  #queuedBytes = 0;
  #nextId = 1;
  #closed = false;

  constructor(options: DecodePoolOptions) {
    const workers = options.workers ?? Math.min(4, Math.max(1, availableParallelism()));
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`DecodePool workers must be a whole number ≥ 1, got ${workers}`);
    this.#opts = {
      limits: options.limits,
      workers,
      maxQueued: options.maxQueued ?? 64 * workers,
      maxQueuedBytes: options.maxQueuedBytes ?? 256 * 1024 * 1024,
      maxWorkerHeapMb: options.maxWorkerHeapMb ?? 1024,
      jobTimeoutMs: Math.ceil(options.jobTimeoutMs ?? options.limits.decodeTimeoutMs),
      testHooks: options.testHooks ?? false,
      logger: options.logger,
    };
    // Past 2^31 - 1 ms a Node timer fires after 1 ms: every parse would time out at once.
    if (!Number.isSafeInteger(this.#opts.jobTimeoutMs) || this.#opts.jobTimeoutMs < 1 || this.#opts.jobTimeoutMs > 2 ** 31 - 1) {
      throw new RangeError(`DecodePool jobTimeoutMs must be a whole number of ms from 1 to 2^31 - 1, got ${this.#opts.jobTimeoutMs}`);
    }
    this.#entry = options.workerScript !== undefined ? { filename: options.workerScript, eval: false } : workerEntry(__dirname, 'decode-worker');
    for (let i = 0; i < workers; i++) this.#slots.push(this.#spawn(0));
  }

  /** Bodies waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Worker threads running now (a dead one counts until its replacement starts). */
  get liveWorkers(): number {
    return this.#slots.filter((s) => s.alive).length;
  }

  /** Worker threads' ids (for tests and diagnostics). */
  get threadIds(): number[] {
    return this.#slots.map((s) => s.worker.threadId);
  }

  /**
   * Runs the intake pipeline ({@link convertIntake}) for one request on a worker; resolves with
   * the profile (and for a delta request the series' next baseline) or rejects with what the
   * pipeline threw (`ValidationError`, `LimitError`, …). Also rejects with `LimitError`
   * `KPROF_INGEST_BACKPRESSURE` (429) when the queue is full, `UnavailableError`
   * `KPROF_SHUTTING_DOWN` after {@link close}, `InternalError` `KPROF_INGEST_WORKER_FAILED` (500)
   * when the worker died while converting it. The body's memory is moved to the worker when it
   * owns its buffer, else copied.
   */
  convert(task: IntakeTask): Promise<ConvertedIntake> {
    const { body, ...rest } = task;
    return this.#submit({ kind: 'convert', task: rest, body: ownBuffer(body) });
  }

  /** Test hook (pool created with `testHooks`): a job that keeps its worker busy forever. */
  spinForTest(): Promise<IngestProfile> {
    if (!this.#opts.testHooks) return Promise.reject(new Error('spinForTest needs a DecodePool created with testHooks: true'));
    return this.#submit({ kind: 'spinForTest', body: new Uint8Array(0) }).then((r) => r.profile);
  }

  #submit(task: NewTask): Promise<ConvertedIntake> {
    if (this.#closed) return Promise.reject(shuttingDown());
    const idle = this.#slots.find((s) => s.alive && s.job === undefined);
    if (idle === undefined) {
      if (this.#queue.length >= this.#opts.maxQueued || this.#queuedBytes + task.body.length > this.#opts.maxQueuedBytes) {
        return Promise.reject(
          new LimitError(
            'KPROF_INGEST_BACKPRESSURE',
            `${this.#queue.length} profiles (${this.#queuedBytes} bytes) are waiting for ${this.#slots.length} decode workers, at the queue's limit ` +
              `(${this.#opts.maxQueued} profiles, 64 per ingest.decode-workers, or ${this.#opts.maxQueuedBytes} bytes); retry later`,
          ),
        );
      }
    }
    return new Promise<ConvertedIntake>((resolve, reject) => {
      const job: Job = { task, resolve, reject };
      if (idle !== undefined) this.#start(idle, job);
      else {
        this.#queue.push(job);
        this.#queuedBytes += task.body.length;
      }
    });
  }

  /** Fails waiting and running parses with `KPROF_SHUTTING_DOWN` and terminates the workers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#respawnTimers) clearTimeout(t);
    this.#respawnTimers.clear();
    for (const job of this.#queue.splice(0)) job.reject(shuttingDown());
    this.#queuedBytes = 0;
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.job?.reject(shuttingDown());
      slot.job = undefined;
      void slot.worker.terminate();
    }
    await Promise.all(this.#slots.map((s) => s.exited));
  }

  #spawn(failures: number): Slot {
    const data: DecodeWorkerData = { limits: this.#opts.limits, testHooks: this.#opts.testHooks };
    const worker = new Worker(this.#entry.filename, {
      eval: this.#entry.eval,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.#opts.maxWorkerHeapMb },
    });
    let exited!: () => void;
    const slot: Slot = {
      worker,
      job: undefined,
      alive: true,
      failures,
      names: new NameDecoder(),
      exited: new Promise<void>((r) => (exited = r)),
      timer: undefined,
      ready: false,
      timedOut: false,
    };
    worker.on('message', (reply: WorkerReply | WorkerReady) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.#armTimer(slot);
      } else this.#onReply(slot, reply);
    });
    worker.on('error', (err) => this.#opts.logger?.error({ err, threadId: worker.threadId }, 'decode worker failed'));
    worker.on('exit', (code) => {
      exited();
      this.#onExit(slot, code);
    });
    return slot;
  }

  #start(slot: Slot, job: Job): void {
    const id = this.#nextId++;
    slot.job = { ...job, id };
    const message: DecodeTask = { ...job.task, id };
    this.#armTimer(slot);
    slot.worker.postMessage(message, [job.task.body.buffer as ArrayBuffer]);
  }

  // Starts the running job's time limit once the worker is ready (a worker still booting, e.g.
  // a replacement loading its modules, is not yet parsing).
  #armTimer(slot: Slot): void {
    const job = slot.job;
    if (job === undefined || !slot.ready || slot.timer !== undefined) return;
    slot.timer = setTimeout(() => this.#onTimeout(slot, job.id), this.#opts.jobTimeoutMs);
  }

  #onTimeout(slot: Slot, id: number): void {
    const job = slot.job;
    if (job === undefined || job.id !== id || this.#closed) return;
    slot.job = undefined;
    slot.timer = undefined;
    // No new work for it: it is terminated, and replaced once it has exited.
    slot.alive = false;
    slot.timedOut = true;
    this.#opts.logger?.warn({ threadId: slot.worker.threadId, timeoutMs: this.#opts.jobTimeoutMs, kind: job.task.kind }, 'decode worker over ingest.decode-timeout; terminating it');
    job.reject(
      new UnprocessableError(
        'KPROF_INGEST_DECODE_TIMEOUT',
        `parsing this profile took over ingest.decode-timeout (${this.#opts.jobTimeoutMs} ms), so its decode worker was stopped and replaced; ` +
          'the profile is too costly to parse: send smaller profiles (fewer samples, locations or labels), or raise ingest.decode-timeout',
      ),
    );
    void slot.worker.terminate();
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    // Every profile reply is decoded, in order, even one nobody waits for any more, so this
    // side's name dictionary stays in step with the worker's.
    let outcome: { profile: IngestProfile } | { error: unknown };
    if ('error' in reply) outcome = { error: errorFromData(reply.error) };
    else {
      try {
        outcome = { profile: fromWire(reply.profile, slot.names) };
      } catch (err) {
        outcome = { error: err };
      }
    }
    const job = slot.job;
    if (job === undefined || job.id !== reply.id) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.failures = 0;
    if ('error' in outcome) job.reject(outcome.error);
    else job.resolve({ profile: outcome.profile, baseline: 'baseline' in reply ? reply.baseline : undefined });
    this.#next(slot);
  }

  #next(slot: Slot): void {
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#queuedBytes -= job.task.body.length;
    this.#start(slot, job);
  }

  #onExit(slot: Slot, code: number): void {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.alive = false;
    if (this.#closed) return;
    job?.reject(
      new InternalError(
        'KPROF_INGEST_WORKER_FAILED',
        `the decode worker stopped (exit code ${code}) while parsing this profile; it was replaced, retry the request`,
      ),
    );
    // A worker stopped for its time limit had started fine: replace it at once.
    const failures = slot.timedOut ? 0 : slot.failures + 1;
    this.#opts.logger?.warn({ threadId: slot.worker.threadId, exitCode: code, failures }, 'decode worker exited; starting a new one');
    // Back off only when workers keep dying without finishing anything (e.g. cannot start).
    const delay = failures <= 1 ? 0 : Math.min(5_000, 50 * 2 ** failures);
    const replace = (): void => {
      if (this.#closed) return;
      const i = this.#slots.indexOf(slot);
      const fresh = this.#spawn(failures);
      if (i >= 0) this.#slots[i] = fresh;
      this.#next(fresh);
    };
    if (delay === 0) replace();
    else {
      const t = setTimeout(() => {
        this.#respawnTimers.delete(t);
        replace();
      }, delay);
      this.#respawnTimers.add(t);
    }
  }
}

function shuttingDown(): UnavailableError {
  return new UnavailableError('KPROF_SHUTTING_DOWN', 'the server is shutting down; retry against another instance or later');
}

// A body that shares its ArrayBuffer (Node's pool for small buffers) is copied, so only its own
// bytes move to the worker.
function ownBuffer(b: Uint8Array): Uint8Array {
  if (b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  return new Uint8Array(b);
}
