import { LimitError } from '../errors.js';
import { type AppName, type LabelLimits, addLabel, sanitizeLabelName } from './app-name.js';
import type { IngestProfile, SeriesInput } from './ingest-profile.js';
import type { DecodedPprof } from './pprof-decoder.js';
import { type SampleTypeConfig, nameSampleTypes } from './sample-type-names.js';

/** What `/ingest` parameters add to a pprof profile. */
export interface PprofIngestContext {
  readonly name: AppName;
  readonly startMs: number;
  readonly endMs: number;
  readonly spyName: string;
  /** `sampleRate` parameter; used when the profile's period does not give the rate. */
  readonly sampleRate: number;
  readonly sampleTypeConfig: Readonly<Record<string, SampleTypeConfig>> | undefined;
  readonly receivedBytes: number;
}

/** Bounds for {@link pprofToProfile}. */
export interface PprofSeriesLimits extends LabelLimits {
  readonly maxSeriesPerProfile: number;
  readonly maxStackDepth: number;
}

/**
 * Splits a decoded pprof profile into series: one per sample type, and within it one per
 * distinct set of string pprof labels (Pyroscope OG splits on sample labels too; a sample label
 * overrides a `name` label of the same key). Zero and negative values are skipped. Stacks deeper
 * than `maxStackDepth` keep their leaf-most frames.
 */
export function pprofToProfile(p: DecodedPprof, ctx: PprofIngestContext, limits: PprofSeriesLimits): IngestProfile {
  const typeNames = nameSampleTypes(p.sampleTypes, ctx.sampleTypeConfig);
  const sampleRate = sampleRateOf(p) ?? ctx.sampleRate;
  const app = ctx.name.app;
  const byKey = new Map<string, { series: SeriesInput; indices: number[]; values: number[] }>();

  // Label sets repeat across samples; resolve each distinct one once.
  const labelSets = new Map<string, Record<string, string>>();
  const sampleCount = p.samples.length;
  const stackStart = new Int32Array(sampleCount + 1);
  let stackLocs = new Int32Array(Math.max(64, sampleCount * 8));
  let locCount = 0;
  for (let si = 0; si < sampleCount; si++) {
    const sample = p.samples[si]!;
    const locs = sample.locations;
    const depth = Math.min(locs.length, limits.maxStackDepth);
    if (locCount + depth > stackLocs.length) stackLocs = grow(stackLocs, locCount + depth);
    // Leaf first: truncating keeps the leaf-most locations.
    for (let i = 0; i < depth; i++) stackLocs[locCount++] = locs[i]!;
    stackStart[si + 1] = locCount;
    let labels = ctx.name.labels;
    let labelKey = '';
    if (sample.labels !== undefined) {
      labelKey = JSON.stringify(sample.labels);
      let resolved = labelSets.get(labelKey);
      if (resolved === undefined) {
        resolved = { ...ctx.name.labels };
        for (const [k, v] of sample.labels) addLabel(resolved, sanitizeLabelName(k), v, limits);
        labelSets.set(labelKey, resolved);
      }
      labels = resolved;
    }
    for (let t = 0; t < typeNames.length; t++) {
      const value = sample.values[t]!;
      if (!(value > 0)) continue;
      const key = `${t}\u0000${labelKey}`;
      let entry = byKey.get(key);
      if (entry === undefined) {
        if (byKey.size >= limits.maxSeriesPerProfile) {
          throw new LimitError(
            'KPROF_INGEST_TOO_MANY_SERIES',
            `profile would write more than ${limits.maxSeriesPerProfile} series (sample types × pprof label sets), over ingest.max-series-per-profile; use fewer distinct sample labels`,
          );
        }
        const tn = typeNames[t]!;
        const series: SeriesInput = {
          name: app.endsWith(`.${tn.suffix}`) ? app : `${app}.${tn.suffix}`,
          labels,
          meta: { spyName: ctx.spyName, sampleRate, units: tn.units, aggregation: tn.aggregation },
        };
        entry = { series, indices: [], values: [] };
        byKey.set(key, entry);
      }
      entry.indices.push(si);
      entry.values.push(value);
    }
  }
  return {
    startMs: ctx.startMs,
    endMs: ctx.endMs,
    ...flattenFrames(p.locationFrames),
    stackStart,
    // A copy, so the array owns its buffer exactly (it is transferred between threads).
    stackLocs: stackLocs.slice(0, locCount),
    series: [...byKey.values()].map((e) => ({ series: e.series, sampleIndices: Int32Array.from(e.indices), values: Float64Array.from(e.values) })),
    receivedBytes: ctx.receivedBytes,
  };
}

// Names each distinct frame string once; locations refer to names by index.
function flattenFrames(locationFrames: readonly (readonly string[])[]): Pick<IngestProfile, 'names' | 'frameStart' | 'frameNames'> {
  const names: string[] = [];
  const index = new Map<string, number>();
  const frameStart = new Int32Array(locationFrames.length + 1);
  let total = 0;
  for (const frames of locationFrames) total += frames.length;
  const frameNames = new Int32Array(total);
  let n = 0;
  for (let i = 0; i < locationFrames.length; i++) {
    for (const f of locationFrames[i]!) {
      let id = index.get(f);
      if (id === undefined) {
        id = names.length;
        names.push(f);
        index.set(f, id);
      }
      frameNames[n++] = id;
    }
    frameStart[i + 1] = n;
  }
  return { names, frameStart, frameNames };
}

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

// Samples per second from the period: CPU/wall profiles carry period in nanoseconds.
function sampleRateOf(p: DecodedPprof): number | undefined {
  if (p.period <= 0 || p.periodType === undefined) return undefined;
  if (p.periodType.unit === 'nanoseconds') return Math.max(1, Math.round(1e9 / p.period));
  if (p.periodType.unit === 'microseconds') return Math.max(1, Math.round(1e6 / p.period));
  return undefined;
}
