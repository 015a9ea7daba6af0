import { LimitError } from '../errors.js';
import { type AppName, type LabelLimits, addLabel, sanitizeLabelName } from './app-name.js';
import type { IngestProfile, SeriesInput, SeriesSamples } from './ingest-profile.js';
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
  const byKey = new Map<string, SeriesSamples>();

  // Label sets repeat across samples; resolve each distinct one once.
  const labelSets = new Map<string, Record<string, string>>();
  const stacks: number[][] = [];
  for (let si = 0; si < p.samples.length; si++) {
    const sample = p.samples[si]!;
    let locs = sample.locations;
    if (locs.length > limits.maxStackDepth) locs = locs.slice(0, limits.maxStackDepth);
    stacks.push(locs);
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
        entry = { series, sampleIndices: [], values: [] };
        byKey.set(key, entry);
      }
      entry.sampleIndices.push(si);
      entry.values.push(value);
    }
  }
  return {
    startMs: ctx.startMs,
    endMs: ctx.endMs,
    locationFrames: p.locationFrames,
    stacks,
    series: [...byKey.values()],
    receivedBytes: ctx.receivedBytes,
  };
}

// Samples per second from the period: CPU/wall profiles carry period in nanoseconds.
function sampleRateOf(p: DecodedPprof): number | undefined {
  if (p.period <= 0 || p.periodType === undefined) return undefined;
  if (p.periodType.unit === 'nanoseconds') return Math.max(1, Math.round(1e9 / p.period));
  if (p.periodType.unit === 'microseconds') return Math.max(1, Math.round(1e6 / p.period));
  return undefined;
}
