import type { IngestLimits } from '../config/resolve-config.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { type ConvertedIntake, convertIntake } from './convert-intake.js';
import type { DecodePool } from './decode-pool.js';
import type { DeltaBaselines } from './delta-baselines.js';
import type { IngestRateLimiter } from './ingest-rate.js';
import type { IntakeRequest, IntakeTask } from './intake-request.js';

/** What {@link Intake} needs. */
export interface IntakeDeps {
  readonly limits: Readonly<IngestLimits>;
  /** Where conversions run; absent = on this thread (tests). */
  readonly pool?: DecodePool;
  /** Baselines of `delta` requests, per tenant and series. */
  readonly baselines: DeltaBaselines;
  /** Where converted profiles are written (the write batcher): resolves once committed. */
  readonly writer: { writeAll(profiles: readonly IngestProfile[]): Promise<void> };
  /** Clock, unix ms. */
  readonly now: () => number;
  /** Bytes per minute per application and tenant; none without. */
  readonly rate?: IngestRateLimiter;
}

/** Profiles converted as one unit, and how to take back the delta baselines they moved. */
export interface ConvertedBatch {
  readonly profiles: IngestProfile[];
  /**
   * Puts back the baselines this batch moved, newest first, for a batch that could not be
   * stored: the series' next profile then covers this one's interval too, and a client's retry
   * is not subtracted from itself.
   */
  readonly undo: () => void;
}

/**
 * Conversions of one batch running at once. A push may carry 1000 profiles while the decode
 * queue holds 64 per worker: handing them all over at once would make one large push answer 429
 * on an idle server; this way only concurrent requests compete for the queue.
 */
const CONVERSIONS_IN_FLIGHT = 16;

/**
 * The one way a profile gets in: every front end (`/ingest`, push.v1, pull mode) hands its
 * {@link IntakeRequest}s here. Each is converted on the decode workers by {@link convertIntake};
 * a `delta` request first takes its series' baseline (profiles of one series convert in the
 * order sent) and leaves the next one. A batch is one unit: if any profile fails, none is
 * written and every moved baseline is put back.
 */
export class Intake {
  readonly #deps: IntakeDeps;

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
  }

  /**
   * Converts `requests` (storing nothing); throws the first failure after putting back every
   * baseline moved, or `KPROF_LIMIT_*_BYTES` (429) before converting when a bytes-per-minute
   * limit would be passed.
   */
  async convert(requests: readonly IntakeRequest[]): Promise<ConvertedBatch> {
    this.#deps.rate?.take(requests);
    const nowMs = this.#deps.now();
    const undos: Array<() => void> = [];
    const jobs = requests.map((req) => (): Promise<IngestProfile> => this.#convertOne(req, nowMs, undos));
    // Every conversion settles before an undo, so none moves a baseline after it.
    const settled = await settleInOrder(jobs, CONVERSIONS_IN_FLIGHT);
    const undo = (): void => {
      for (const u of undos.splice(0).reverse()) u();
    };
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      undo();
      throw failed.reason;
    }
    return { profiles: settled.map((r) => (r as PromiseFulfilledResult<IngestProfile>).value), undo };
  }

  /**
   * Converts and writes `requests` as one unit: all are stored or none (a 429 stores nothing a
   * retry would duplicate). Resolves with the profiles once committed.
   */
  async ingest(requests: readonly IntakeRequest[]): Promise<IngestProfile[]> {
    const { profiles, undo } = await this.convert(requests);
    try {
      await this.write(profiles);
    } catch (err) {
      undo();
      throw err;
    }
    return profiles;
  }

  /** Writes converted profiles as one unit (one transaction when they fit in a batch); resolves once committed. */
  write(profiles: readonly IngestProfile[]): Promise<void> {
    return this.#deps.writer.writeAll(profiles);
  }

  /** Drops the delta baseline of a series that will send no more (a scrape target went away). */
  forget(tenant: string | undefined, key: string): void {
    this.#deps.baselines.forget(tenant ?? '', key);
  }

  async #convertOne(req: IntakeRequest, nowMs: number, undos: Array<() => void>): Promise<IngestProfile> {
    if (req.delta === undefined) return (await this.#run({ ...req, nowMs })).profile;
    const result = await this.#deps.baselines.next(req.tenant ?? '', req.delta.key, (previous) => this.#run({ ...req, nowMs, previous: previous ?? null }));
    undos.push(result.undo);
    return result.profile;
  }

  #run(task: IntakeTask): Promise<ConvertedIntake> {
    return this.#deps.pool !== undefined ? this.#deps.pool.convert(task) : convertIntake(task, this.#deps.limits);
  }
}

// Runs `jobs`, at most `limit` at a time, starting them in order (so profiles of one series
// reach the delta baselines in the order they were sent); resolves once all have settled.
async function settleInOrder<T>(jobs: ReadonlyArray<() => Promise<T>>, limit: number): Promise<PromiseSettledResult<T>[]> {
  const out = new Array<PromiseSettledResult<T>>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await jobs[i]!() };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  return out;
}
