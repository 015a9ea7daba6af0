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
  readonly sampleIndices: number[];
  readonly values: number[];
}

/**
 * A decoded, validated profile ready for storage: frames per location, stacks as leaf-first
 * location indices, and per series the samples with their values. Times are unix ms.
 */
export interface IngestProfile {
  readonly startMs: number;
  readonly endMs: number;
  readonly locationFrames: readonly string[][];
  readonly stacks: readonly number[][];
  readonly series: readonly SeriesSamples[];
  /** Bytes received (before decompression), for metrics. */
  readonly receivedBytes: number;
}
