import type { IngestLimits } from '../config/resolve-config.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import type { EncodedNames } from './name-dictionary.js';
import type { PackedBaseline } from './packed-baseline.js';
import type { WorkerErrorData } from './worker-error.js';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  readonly limits: Readonly<IngestLimits>;
  /** Accept `spinForTest` tasks (tests only). */
  readonly testHooks: boolean;
}

/** One `/ingest` body to parse, main thread → worker. */
export interface IngestTask {
  readonly kind: 'ingest';
  readonly id: number;
  /** The request's query string (`url.search`). */
  readonly query: string;
  readonly contentType: string;
  /** The body after `Content-Encoding` was undone; its buffer is transferred. */
  readonly body: Uint8Array;
  readonly receivedBytes: number;
  readonly nowMs: number;
}

/** One raw pprof of a push.v1 series, main thread → worker. */
export interface PushTask {
  readonly kind: 'push';
  readonly id: number;
  /** The raw (maybe gzipped) pprof; its buffer is transferred. */
  readonly body: Uint8Array;
  /** The series' labels as push validation returns them. */
  readonly labels: Readonly<Record<string, string>>;
  readonly nowMs: number;
  /**
   * Present for a series with server-side delta (`needsServerDelta`): its previous baseline
   * (copied, the main thread keeps it until the push is stored), or null on its first push.
   */
  readonly delta?: { readonly previous: PackedBaseline | null };
}

/**
 * Work for a decode worker. `spinForTest` is only sent by tests, to a pool created with
 * `testHooks: true`: the worker busy-loops forever, as a pathological input would.
 */
export type DecodeTask = IngestTask | PushTask | { readonly kind: 'spinForTest'; readonly id: number; readonly body: Uint8Array };

/**
 * A worker's answer to a {@link DecodeTask}: the profile (and for a delta push, the series' next
 * baseline, transferred), or the error it threw.
 */
export type WorkerReply =
  | { readonly id: number; readonly profile: WireProfile; readonly baseline?: PackedBaseline }
  | { readonly id: number; readonly error: WorkerErrorData };

/** Sent once by a worker when it has loaded and listens: a job's time limit runs from then. */
export interface WorkerReady {
  readonly ready: true;
}

/** An {@link IngestProfile} as a worker sends it: names as ids into the worker's dictionary. */
export type WireProfile = Omit<IngestProfile, 'names'> & { readonly names: EncodedNames };
