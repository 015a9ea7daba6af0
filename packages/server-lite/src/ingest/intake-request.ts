import type { AppName } from './app-name.js';
import type { PackedBaseline } from './packed-baseline.js';
import type { SampleTypeConfig } from '../model/sample-type-config.js';

/**
 * Where a profile came from. Errors name it (`the profile from <url>`), and a scraped body that is
 * not a profile is the target's fault (`KPROF_SCRAPE_*`), not an ingest error.
 */
export type IntakeOrigin =
  | { readonly kind: 'ingest' }
  | { readonly kind: 'push' }
  | { readonly kind: 'scrape'; readonly url: string };

/**
 * One profile as a front end hands it to the intake: the body as received plus everything its
 * protocol said about it. `/ingest`, push.v1 and pull mode each build these and nothing else;
 * gunzip, decoding, deltas, naming and conversion are the pipeline's ({@link convertIntake}),
 * on a decode worker. Plain data: it crosses to the worker by structured clone, `body`'s memory
 * is moved.
 */
export interface IntakeRequest {
  readonly origin: IntakeOrigin;
  /** The profile as received: pprof (gzipped or not), a multipart form, or folded text. */
  readonly body: Uint8Array;
  /** Bytes received on the wire, for metrics. */
  readonly receivedBytes: number;
  readonly format: 'pprof' | 'multipart' | 'folded';
  /** `Content-Type` of a multipart body (it holds the boundary). */
  readonly contentType?: string;
  /** `Content-Encoding: gzip` that the front end left for the worker to undo. */
  readonly contentEncoding?: 'gzip';
  /** Largest profile after gunzip. */
  readonly maxDecompressedBytes: number;
  /** The application and its labels (already checked). */
  readonly series: AppName;
  /**
   * push.v1's `__name__` (`process_cpu`, `memory`, …): the series get Grafana's profile type ID
   * in `__profile_type__`, and a `block` profile's types are named `block_*`. Absent elsewhere.
   */
  readonly profileName?: string;
  /** Multi-tenant mode: the series are stored for this tenant. */
  readonly tenant?: string;
  /** The profile's time span, unix ms; absent: the pprof's own `time_nanos`/`duration_nanos` (push.v1). */
  readonly time?: { readonly startMs: number; readonly endMs: number };
  readonly spyName: string;
  /** Samples per second when the profile's period does not say. */
  readonly sampleRate: number;
  /**
   * Per sample type naming and kind (`display-name`, `units`, `aggregation`, `cumulative`);
   * with `only`, types not listed are dropped (pull mode's `sample-types`).
   */
  readonly sampleTypes?: { readonly config: Readonly<Record<string, SampleTypeConfig>>; readonly only: boolean };
  /** Units and aggregation of a folded body's one series. */
  readonly folded?: { readonly units: string; readonly aggregation: 'sum' | 'average' };
  /**
   * Stored as the growth since the series' previous profile: `alloc` for Go's `alloc_*` types
   * (push.v1 `memory`), `cumulative` for the types `sampleTypes` (or OG's defaults) call
   * cumulative (pull mode). `key` names the series' baseline, which the intake keeps.
   */
  readonly delta?: { readonly types: 'alloc' | 'cumulative'; readonly key: string };
}

/** What a decode worker runs: a request, the server's clock, and for a delta the series' baseline. */
export interface IntakeTask extends IntakeRequest {
  readonly nowMs: number;
  /** The series' previous baseline (for a `delta` request); null on its first profile. */
  readonly previous?: PackedBaseline | null;
}
