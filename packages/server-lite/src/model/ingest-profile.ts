import type { ProfileHashes } from './stack-hash.js';

/** Pyroscope's default `sampleRate` (samples per second), for profiles that do not say theirs. */
export const PYROSCOPE_DEFAULT_SAMPLE_RATE = 100;

/** Metadata Pyroscope keeps per series (shown by `/api/apps` and `/render` metadata). */
export interface SeriesMeta {
  readonly spyName: string;
  readonly sampleRate: number;
  readonly units: string;
  readonly aggregation: 'sum' | 'average';
}

/** One series a profile writes to: its full label set and metadata. */
export interface SeriesInput {
  /** `__name__`, e.g. `myapp.cpu`. */
  readonly name: string;
  /** Labels other than `__name__`, names already sanitised. */
  readonly labels: Readonly<Record<string, string>>;
  readonly meta: SeriesMeta;
}

/** The values one profile adds to one series: sample indices and their values (> 0). */
export interface SeriesSamples {
  readonly series: SeriesInput;
  readonly sampleIndices: Int32Array;
  readonly values: Float64Array;
}

/**
 * A decoded, validated profile ready for storage, in flat typed arrays (cheap to build, and
 * transferred without copying when a decode worker hands it to the writer). Times are unix ms.
 */
export interface IngestProfile {
  readonly startMs: number;
  readonly endMs: number;
  /** Distinct frame names of this profile. */
  readonly names: readonly string[];
  /** Location `i`'s frames, root first: `names` indices `frameNames[frameStart[i] .. frameStart[i + 1])`. */
  readonly frameStart: Int32Array;
  readonly frameNames: Int32Array;
  /** Stack `i`'s leaf-first location indices: `stackLocs[stackStart[i] .. stackStart[i + 1])`. */
  readonly stackStart: Int32Array;
  readonly stackLocs: Int32Array;
  /** Per series the samples (stack indices) it adds and their values. */
  readonly series: readonly SeriesSamples[];
  /** Bytes received (before decompression), for metrics. */
  readonly receivedBytes: number;
  /**
   * Content hashes of its names and stacks (model/stack-hash.ts), computed by the decode worker
   * so the store's writer finds stored stacks with one lookup each; the store computes them when
   * absent.
   */
  readonly hashes?: ProfileHashes;
}
