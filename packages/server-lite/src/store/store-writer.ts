import { Worker } from 'node:worker_threads';
import { InternalError, UnavailableError } from '../errors.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { NameEncoder } from '../threads/name-dictionary.js';
import { type WireProfile, toWire } from '../threads/wire-profile.js';
import { type WorkerErrorData, errorFromData } from '../threads/worker-error.js';
import { workerEntry } from '../threads/worker-entry.js';
import type { ProfileStoreOptions } from './profile-store.js';
import type { BuildOptions, BuildResult } from './rollup-store.js';
import type { GroupOutcome, StoreWriterData, StoreWriterReply, StoreWriterRequest } from './store-writer-protocol.js';
import type { BatchSink } from './write-batcher.js';

/** Store upkeep that runs on the writer thread (rollups, retention). */
export interface StoreMaintenance {
  buildRollups(nowMs: number, opts?: BuildOptions): Promise<BuildResult>;
  pendingRollups(): Promise<number>;
  deleteBlocksBefore(cutoffMs: number): Promise<number>;
  deleteOldestOver(maxBytes: number): Promise<number>;
}

/** The logger calls the writer makes (pino-compatible). */
export interface StoreWriterLogger {
  error(obj: object, msg: string): void;
}

type NewRequest = StoreWriterRequest extends infer T ? (T extends StoreWriterRequest ? Omit<T, 'id'> : never) : never;

interface Call {
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The main thread's handle on the store writer thread (store-writer-thread.ts), the one writer of
 * the block files: the write batcher's sink, and the rollup builder's and retention's store.
 * Requests are answered in order. When the thread dies, the requests it held fail with 500
 * `KPROF_STORE_WRITER_FAILED` (nothing of an unanswered batch is acknowledged) and a new thread
 * takes over, reopening the blocks (committed data is intact: each batch is its own transactions).
 */
export class StoreWriter implements BatchSink, StoreMaintenance {
  readonly #data: StoreWriterData;
  readonly #logger: StoreWriterLogger | undefined;
  #worker!: Worker;
  #names = new NameEncoder();
  #calls = new Map<number, Call>();
  #nextId = 1;
  #closing: Promise<void> | undefined;

  private constructor(data: StoreWriterData, logger: StoreWriterLogger | undefined) {
    this.#data = data;
    this.#logger = logger;
  }

  /** Starts the thread and resolves once it has opened the store (rejects with the open error). */
  static async start(dataDir: string, options: Omit<ProfileStoreOptions, 'readOnly'>, logger?: StoreWriterLogger): Promise<StoreWriter> {
    const writer = new StoreWriter({ dataDir, options }, logger);
    await writer.#spawn();
    return writer;
  }

  writeGroups(groups: readonly (readonly IngestProfile[])[]): Promise<readonly unknown[]> {
    const transfer: ArrayBuffer[] = [];
    const wire: WireProfile[][] = groups.map((g) =>
      g.map((p) => {
        const w = toWire(p, this.#names);
        transfer.push(...w.transfer);
        return w.wire;
      }),
    );
    return this.#call({ kind: 'write', groups: wire }, transfer).then((outcomes) => (outcomes as GroupOutcome[]).map((o) => (o === null ? undefined : errorFromData(o))));
  }

  async buildRollups(nowMs: number, opts: BuildOptions = {}): Promise<BuildResult> {
    const r = (await this.#call({ kind: 'buildRollups', nowMs, opts })) as BuildResult;
    return r.error === undefined ? r : { ...r, error: errorFromData(r.error as WorkerErrorData) };
  }

  async pendingRollups(): Promise<number> {
    return (await this.#call({ kind: 'pendingRollups' })) as number;
  }

  async deleteBlocksBefore(cutoffMs: number): Promise<number> {
    return (await this.#call({ kind: 'deleteBlocksBefore', cutoffMs })) as number;
  }

  async deleteOldestOver(maxBytes: number): Promise<number> {
    return (await this.#call({ kind: 'deleteOldestOver', maxBytes })) as number;
  }

  /** Checkpoints and closes the blocks (after requests already sent), then ends the thread. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#call({ kind: 'close' }, [], true).catch(() => undefined);
      await this.#worker.terminate().catch(() => undefined);
    })();
    return this.#closing;
  }

  #call(req: NewRequest, transfer: ArrayBuffer[] = [], closing = false): Promise<unknown> {
    if (this.#closing !== undefined && !closing) return Promise.reject(new UnavailableError('KPROF_SHUTTING_DOWN', 'the server is shutting down; retry against another instance or later'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.postMessage({ ...req, id } as StoreWriterRequest, transfer);
    });
  }

  #spawn(): Promise<void> {
    const entry = workerEntry(__dirname, 'store-writer-thread');
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData: this.#data });
    this.#worker = worker;
    this.#names = new NameEncoder();
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (reply: StoreWriterReply) => {
        if (reply.kind === 'ready') {
          started = true;
          resolve();
        } else if (reply.kind === 'failed') reject(errorFromData(reply.error));
        else {
          const call = this.#calls.get(reply.id);
          this.#calls.delete(reply.id);
          if (reply.kind === 'done') call?.resolve(reply.result);
          else call?.reject(errorFromData(reply.error));
        }
      });
      worker.on('error', (err) => this.#logger?.error({ err }, 'store writer thread failed'));
      worker.on('exit', (code) => {
        const calls = [...this.#calls.values()];
        this.#calls.clear();
        const lost = new InternalError('KPROF_STORE_WRITER_FAILED', `the store writer thread stopped (exit code ${code}) before answering; nothing of this request was acknowledged, retry it`);
        for (const c of calls) c.reject(lost);
        if (!started) return reject(lost);
        if (this.#closing !== undefined) return;
        this.#logger?.error({ exitCode: code }, 'store writer thread exited; starting a new one');
        this.#spawn().catch((err: unknown) => this.#logger?.error({ err }, 'store writer thread could not start again'));
      });
    });
  }
}
