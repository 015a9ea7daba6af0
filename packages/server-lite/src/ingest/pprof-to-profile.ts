import { LimitError } from '../errors.js';
import { type AppName, type LabelLimits, addLabel, sanitizeLabelName } from './app-name.js';
import type { IngestProfile, SeriesInput } from '../model/ingest-profile.js';
import { type DecodedPprof, type FlatPprof, toFlatPprof } from './pprof-forms.js';
import type { SampleTypeConfig } from '../model/sample-type-config.js';
import { nameSampleTypes } from './sample-type-names.js';

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
export function pprofToProfile(decoded: DecodedPprof | FlatPprof, ctx: PprofIngestContext, limits: PprofSeriesLimits): IngestProfile {
  const p = 'samples' in decoded ? toFlatPprof(decoded) : decoded;
  const typeNames = nameSampleTypes(p.sampleTypes, ctx.sampleTypeConfig);
  const sampleRate = sampleRateOf(p) ?? ctx.sampleRate;
  const app = ctx.name.app;
  const typeCount = p.sampleTypes.length;

  // Resolve each distinct label set once. Sets sent with different string indices but the same
  // text are one series: both map to the same canonical set.
  const canonicalSet = new Int32Array(p.labelSets.length);
  const setLabels: Record<string, string>[] = [];
  const setByText = new Map<string, number>();
  for (let i = 0; i < p.labelSets.length; i++) {
    const text = JSON.stringify(p.labelSets[i]);
    let c = setByText.get(text);
    if (c === undefined) {
      c = setLabels.length;
      const resolved = { ...ctx.name.labels };
      for (const [k, v] of p.labelSets[i]!) addLabel(resolved, sanitizeLabelName(k), v, limits);
      setLabels.push(resolved);
      setByText.set(text, c);
    }
    canonicalSet[i] = c;
  }

  // Series key: sample type × (canonical label set + 1; 0 = no labels).
  const byKey = new Map<number, { series: SeriesInput; indices: number[]; values: number[] }>();
  const setSlots = setLabels.length + 1;
  for (let si = 0; si < p.sampleCount; si++) {
    const rawSet = p.labelSetOf[si]!;
    const slot = rawSet < 0 ? 0 : canonicalSet[rawSet]! + 1;
    for (let t = 0; t < typeCount; t++) {
      const value = p.values[si * typeCount + t]!;
      if (!(value > 0)) continue;
      const key = t * setSlots + slot;
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
          labels: slot === 0 ? ctx.name.labels : setLabels[slot - 1]!,
          meta: { spyName: ctx.spyName, sampleRate, units: tn.units, aggregation: tn.aggregation },
        };
        entry = { series, indices: [], values: [] };
        byKey.set(key, entry);
      }
      entry.indices.push(si);
      entry.values.push(value);
    }
  }
  const { stackStart, stackLocs } = truncateStacks(p.stackStart, p.stackLocs, p.sampleCount, limits.maxStackDepth);
  return {
    startMs: ctx.startMs,
    endMs: ctx.endMs,
    names: p.names,
    frameStart: p.frameStart,
    frameNames: p.frameNames,
    stackStart,
    stackLocs,
    series: [...byKey.values()].map((e) => ({ series: e.series, sampleIndices: Int32Array.from(e.indices), values: Float64Array.from(e.values) })),
    receivedBytes: ctx.receivedBytes,
  };
}

// Stacks deeper than `maxDepth` keep their leaf-most locations (stacks are leaf first).
function truncateStacks(start: Int32Array, locs: Int32Array, count: number, maxDepth: number): { stackStart: Int32Array; stackLocs: Int32Array } {
  let deep = false;
  for (let i = 0; i < count && !deep; i++) deep = start[i + 1]! - start[i]! > maxDepth;
  if (!deep) return { stackStart: start, stackLocs: locs };
  const outStart = new Int32Array(count + 1);
  const outLocs = new Int32Array(Math.min(locs.length, count * maxDepth));
  let n = 0;
  for (let i = 0; i < count; i++) {
    const from = start[i]!;
    const to = Math.min(start[i + 1]!, from + maxDepth);
    for (let j = from; j < to; j++) outLocs[n++] = locs[j]!;
    outStart[i + 1] = n;
  }
  // A copy, so the array owns its buffer exactly (it is transferred between threads).
  return { stackStart: outStart, stackLocs: outLocs.slice(0, n) };
}

// Samples per second from the period: CPU/wall profiles carry period in nanoseconds.
function sampleRateOf(p: Pick<FlatPprof, 'period' | 'periodType'>): number | undefined {
  if (p.period <= 0 || p.periodType === undefined) return undefined;
  if (p.periodType.unit === 'nanoseconds') return Math.max(1, Math.round(1e9 / p.period));
  if (p.periodType.unit === 'microseconds') return Math.max(1, Math.round(1e6 / p.period));
  return undefined;
}
