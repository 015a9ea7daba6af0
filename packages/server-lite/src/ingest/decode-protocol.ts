import type { IngestLimits } from '../config/resolve-config.js';
import type { IntakeTask } from './intake-request.js';
import type { WireProfile } from '../threads/wire-profile.js';
import type { PackedBaseline } from './packed-baseline.js';
import type { WorkerErrorData } from '../threads/worker-error.js';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  readonly limits: Readonly<IngestLimits>;
  /** Accept `spinForTest` tasks (tests only). */
  readonly testHooks: boolean;
}

/**
 * Work for a decode worker: one intake request to convert (its body's buffer is transferred).
 * `spinForTest` is only sent by tests, to a pool created with `testHooks: true`: the worker
 * busy-loops forever, as a pathological input would.
 */
export type DecodeTask =
  | { readonly kind: 'convert'; readonly id: number; readonly task: Omit<IntakeTask, 'body'>; readonly body: Uint8Array }
  | { readonly kind: 'spinForTest'; readonly id: number; readonly body: Uint8Array };

/**
 * A worker's answer to a {@link DecodeTask}: the profile (and for a delta request, the series'
 * next baseline, transferred), or the error it threw.
 */
export type WorkerReply =
  | { readonly id: number; readonly profile: WireProfile; readonly baseline?: PackedBaseline }
  | { readonly id: number; readonly error: WorkerErrorData };

/** Sent once by a worker when it has loaded and listens: a job's time limit runs from then. */
export interface WorkerReady {
  readonly ready: true;
}
