import type { IngestLimits } from '../config/resolve-config.js';
import type { IngestProfile } from './ingest-profile.js';
import type { WorkerErrorData } from './worker-error.js';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  readonly limits: Readonly<IngestLimits>;
}

/** One `/ingest` body to parse, main thread → worker. */
export interface DecodeTask {
  readonly id: number;
  /** The request's query string (`url.search`). */
  readonly query: string;
  readonly contentType: string;
  /** The body after `Content-Encoding` was undone; its buffer is transferred when it owns it. */
  readonly body: Uint8Array;
  readonly receivedBytes: number;
  readonly nowMs: number;
}

/** A worker's answer to a {@link DecodeTask}: the profile, or the error it threw. */
export type WorkerReply = { readonly id: number; readonly profile: IngestProfile } | { readonly id: number; readonly error: WorkerErrorData };
