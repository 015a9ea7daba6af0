// A decoded pprof in its two forms: flat typed arrays (the ingest hot path, transferable between
// threads) and one object per sample (for code that edits samples: deltas, sample-type
// selection), and the conversions between them.

/** A pprof value type with its strings resolved. */
export interface ValueTypeText {
  readonly type: string;
  readonly unit: string;
}

/** One sample: leaf-first location indices into {@link DecodedPprof.locationFrames}, values, string labels. */
export interface DecodedSample {
  readonly locations: number[];
  readonly values: number[];
  /** String labels `[key, value]` in the order sent; undefined when the sample has none. */
  readonly labels: [string, string][] | undefined;
}

/** The parts of a pprof profile storage needs (mappings, numeric labels and comments are skipped). */
export interface DecodedPprof {
  readonly sampleTypes: ValueTypeText[];
  readonly periodType: ValueTypeText | undefined;
  readonly period: number;
  readonly timeNanos: number;
  readonly durationNanos: number;
  /** Per location (dense index), its frames root first: inlined callers before callees. */
  readonly locationFrames: string[][];
  readonly samples: DecodedSample[];
}

/**
 * A decoded pprof in flat typed arrays: what {@link decodePprofFlat} returns and the ingest hot
 * path uses (few allocations, and the arrays can be transferred between threads).
 */
export interface FlatPprof {
  readonly sampleTypes: ValueTypeText[];
  readonly periodType: ValueTypeText | undefined;
  readonly period: number;
  readonly timeNanos: number;
  readonly durationNanos: number;
  /** Distinct frame names the locations use (function names, or `0x…` addresses for locations without lines). */
  readonly names: string[];
  /** Location `i`'s frames, root first (inlined callers before callees): `names` indices `frameNames[frameStart[i] .. frameStart[i + 1])`. */
  readonly frameStart: Int32Array;
  readonly frameNames: Int32Array;
  readonly sampleCount: number;
  /** Sample `i`'s leaf-first location indices: `stackLocs[stackStart[i] .. stackStart[i + 1])`. */
  readonly stackStart: Int32Array;
  readonly stackLocs: Int32Array;
  /** Sample `i`'s value for sample type `t`: `values[i * sampleTypes.length + t]`. */
  readonly values: Float64Array;
  /** Sample `i`'s string labels: an index into `labelSets`, or -1 for none. */
  readonly labelSetOf: Int32Array;
  /** Distinct string label sets, `[key, value]` pairs in the order sent. */
  readonly labelSets: [string, string][][];
}

/** The object form of a flat decode. Samples with the same label set share its array. */
export function toDecodedPprof(f: FlatPprof): DecodedPprof {
  const locationFrames: string[][] = [];
  for (let i = 0; i + 1 < f.frameStart.length; i++) {
    const frames: string[] = [];
    for (let j = f.frameStart[i]!; j < f.frameStart[i + 1]!; j++) frames.push(f.names[f.frameNames[j]!]!);
    locationFrames.push(frames);
  }
  const typeCount = f.sampleTypes.length;
  const samples: DecodedSample[] = [];
  for (let i = 0; i < f.sampleCount; i++) {
    const set = f.labelSetOf[i]!;
    samples.push({
      locations: Array.from(f.stackLocs.subarray(f.stackStart[i]!, f.stackStart[i + 1]!)),
      values: Array.from(f.values.subarray(i * typeCount, (i + 1) * typeCount)),
      labels: set < 0 ? undefined : f.labelSets[set]!,
    });
  }
  const { sampleTypes, periodType, period, timeNanos, durationNanos } = f;
  return { sampleTypes, periodType, period, timeNanos, durationNanos, locationFrames, samples };
}

/** The flat form of an object-form profile (e.g. after a delta), for {@link FlatPprof} consumers. */
export function toFlatPprof(p: DecodedPprof): FlatPprof {
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const frameStart = new Int32Array(p.locationFrames.length + 1);
  let frameCount = 0;
  for (const frames of p.locationFrames) frameCount += frames.length;
  const frameNames = new Int32Array(frameCount);
  let n = 0;
  for (let i = 0; i < p.locationFrames.length; i++) {
    for (const name of p.locationFrames[i]!) {
      let id = nameIndex.get(name);
      if (id === undefined) {
        id = names.length;
        names.push(name);
        nameIndex.set(name, id);
      }
      frameNames[n++] = id;
    }
    frameStart[i + 1] = n;
  }
  const typeCount = p.sampleTypes.length;
  const sampleCount = p.samples.length;
  const stackStart = new Int32Array(sampleCount + 1);
  let locCount = 0;
  for (const s of p.samples) locCount += s.locations.length;
  const stackLocs = new Int32Array(locCount);
  const values = new Float64Array(sampleCount * typeCount);
  const labelSetOf = new Int32Array(sampleCount).fill(-1);
  const labelSets: [string, string][][] = [];
  const setIndex = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < sampleCount; i++) {
    const s = p.samples[i]!;
    for (const l of s.locations) stackLocs[at++] = l;
    stackStart[i + 1] = at;
    for (let t = 0; t < typeCount; t++) values[i * typeCount + t] = s.values[t] ?? 0;
    if (s.labels !== undefined && s.labels.length > 0) {
      const key = JSON.stringify(s.labels);
      let set = setIndex.get(key);
      if (set === undefined) {
        set = labelSets.length;
        labelSets.push(s.labels);
        setIndex.set(key, set);
      }
      labelSetOf[i] = set;
    }
  }
  const { sampleTypes, periodType, period, timeNanos, durationNanos } = p;
  return { sampleTypes, periodType, period, timeNanos, durationNanos, names, frameStart, frameNames, sampleCount, stackStart, stackLocs, values, labelSets, labelSetOf };
}
