import type { IngestLimits } from '../config/resolve-config.js';
import type { IngestProfile } from './ingest-profile.js';
import type { EncodedNames } from './name-dictionary.js';
import type { WorkerErrorData } from './worker-error.js';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  readonly limits: Readonly<IngestLimits>;
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

/** One raw pprof of a push.v1 series (one that needs no server-side delta), main thread → worker. */
export interface PushTask {
  readonly kind: 'push';
  readonly id: number;
  /** The raw (maybe gzipped) pprof; its buffer is transferred. */
  readonly body: Uint8Array;
  /** The series' labels as push validation returns them. */
  readonly labels: Readonly<Record<string, string>>;
  readonly nowMs: number;
}

/** Work for a decode worker. */
export type DecodeTask = IngestTask | PushTask;

/** A worker's answer to a {@link DecodeTask}: the profile, or the error it threw. */
export type WorkerReply = { readonly id: number; readonly profile: WireProfile } | { readonly id: number; readonly error: WorkerErrorData };

/** An {@link IngestProfile} as a worker sends it: names as ids into the worker's dictionary. */
export type WireProfile = Omit<IngestProfile, 'names'> & { readonly names: EncodedNames };
