import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IngestLimits } from '../config/resolve-config.js';
import { KprofError, LimitError, UnavailableError } from '../errors.js';
import type { DecodeTask, DecodeWorkerData, WorkerReply } from './decode-protocol.js';
import type { IngestProfile } from './ingest-profile.js';
import type { IngestRequest } from './ingest-request.js';
import { NameDecoder } from './name-dictionary.js';
import { errorFromData } from './worker-error.js';

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
  readonly logger?: DecodePoolLogger;
  /** Worker entry file. Default: `decode-worker` beside this module. Tests pass their own. */
  readonly workerScript?: string;
}

// A task before it is given an id (distributive, so each kind keeps its own fields).
type NewTask = DecodeTask extends infer T ? (T extends DecodeTask ? Omit<T, 'id'> : never) : never;

interface Job {
  readonly task: NewTask;
  readonly resolve: (p: IngestProfile) => void;
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
}

/**
 * Parses `/ingest` bodies and push.v1 profiles (gunzip, pprof decode, conversion to an
 * {@link IngestProfile}) on a pool of worker threads, so the main thread keeps serving HTTP and writing to SQLite. One body per
 * worker at a time; the rest wait in a bounded queue (429 `KPROF_INGEST_BACKPRESSURE` when full).
 * Errors the parser throws come back as the same kprof errors. A worker that dies fails only the
 * body it held (500 `KPROF_INGEST_WORKER_FAILED`) and is replaced.
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
      logger: options.logger,
    };
    this.#entry = options.workerScript !== undefined ? { filename: options.workerScript, eval: false } : defaultEntry();
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
   * Parses one request on a worker; resolves with the profile or rejects with what the parser
   * threw (`ValidationError`, `LimitError`, …). Also rejects with `LimitError`
   * `KPROF_INGEST_BACKPRESSURE` (429) when the queue is full, `UnavailableError`
   * `KPROF_SHUTTING_DOWN` after {@link close}, `KprofError` `KPROF_INGEST_WORKER_FAILED` (500)
   * when the worker died while parsing it. `req.body`'s memory is moved to the worker.
   */
  parse(req: IngestRequest, nowMs: number): Promise<IngestProfile> {
    const body = ownBuffer(req.body);
    return this.#submit({ kind: 'ingest', query: req.query.toString(), contentType: req.contentType, body, receivedBytes: req.receivedBytes, nowMs });
  }

  /**
   * Converts one raw pprof of a push.v1 series on a worker, as `pushedProfileToIngest` does; only
   * for series without `needsServerDelta` (the delta state lives on the main thread). Rejects
   * like {@link parse}. `raw`'s memory is moved to the worker when it owns its buffer, else copied.
   */
  parsePush(raw: Uint8Array, labels: Readonly<Record<string, string>>, nowMs: number): Promise<IngestProfile> {
    return this.#submit({ kind: 'push', body: ownBuffer(raw), labels, nowMs });
  }

  #submit(task: NewTask): Promise<IngestProfile> {
    if (this.#closed) return Promise.reject(shuttingDown());
    const idle = this.#slots.find((s) => s.alive && s.job === undefined);
    if (idle === undefined) {
      if (this.#queue.length >= this.#opts.maxQueued || this.#queuedBytes + task.body.length > this.#opts.maxQueuedBytes) {
        return Promise.reject(
          new LimitError(
            'KPROF_INGEST_BACKPRESSURE',
            `${this.#queue.length} profiles (${this.#queuedBytes} bytes) are waiting for ${this.#slots.length} decode workers, at the queue's limit ` +
              `(${this.#opts.maxQueued} profiles, 64 per ingest.decode-workers, or ${this.#opts.maxQueuedBytes} bytes); retry later`,
            { status: 429 },
          ),
        );
      }
    }
    return new Promise<IngestProfile>((resolve, reject) => {
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
      slot.job?.reject(shuttingDown());
      slot.job = undefined;
      void slot.worker.terminate();
    }
    await Promise.all(this.#slots.map((s) => s.exited));
  }

  #spawn(failures: number): Slot {
    const data: DecodeWorkerData = { limits: this.#opts.limits };
    const worker = new Worker(this.#entry.filename, {
      eval: this.#entry.eval,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.#opts.maxWorkerHeapMb },
    });
    let exited!: () => void;
    const slot: Slot = { worker, job: undefined, alive: true, failures, names: new NameDecoder(), exited: new Promise<void>((r) => (exited = r)) };
    worker.on('message', (reply: WorkerReply) => this.#onReply(slot, reply));
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
    slot.worker.postMessage(message, [job.task.body.buffer as ArrayBuffer]);
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    // Every profile reply is decoded, in order, even one nobody waits for any more, so this
    // side's name dictionary stays in step with the worker's.
    let outcome: { profile: IngestProfile } | { error: unknown };
    if ('error' in reply) outcome = { error: errorFromData(reply.error) };
    else {
      try {
        outcome = { profile: { ...reply.profile, names: slot.names.decode(reply.profile.names) } };
      } catch (err) {
        outcome = { error: err };
      }
    }
    const job = slot.job;
    if (job === undefined || job.id !== reply.id) return;
    slot.job = undefined;
    slot.failures = 0;
    if ('error' in outcome) job.reject(outcome.error);
    else job.resolve(outcome.profile);
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
    slot.job = undefined;
    slot.alive = false;
    if (this.#closed) return;
    job?.reject(
      new KprofError(
        'KPROF_INGEST_WORKER_FAILED',
        `the decode worker stopped (exit code ${code}) while parsing this profile; it was replaced, retry the request`,
      ),
    );
    const failures = slot.failures + 1;
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

function defaultEntry(): { filename: string; eval: boolean } {
  const js = join(__dirname, 'decode-worker.js');
  if (existsSync(js)) return { filename: js, eval: false };
  // Running from the TypeScript sources (the test suite): load the worker through tsx.
  const ts = join(__dirname, 'decode-worker.ts');
  const tsx = require.resolve('tsx/cjs');
  return { filename: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(ts)});`, eval: true };
}
