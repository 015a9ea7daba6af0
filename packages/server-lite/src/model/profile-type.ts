import { TENANT_LABEL } from './tenant.js';
import type { StoredSeries } from './stored-series.js';

/** The parts of a profile type ID `<name>:<sampleType>:<sampleUnit>:<periodType>:<periodUnit>`. */
export interface ProfileTypeInfo {
  /** The full ID, e.g. `process_cpu:cpu:nanoseconds:cpu:nanoseconds`. */
  readonly id: string;
  /** The profile name (`__name__`), e.g. `process_cpu`. */
  readonly name: string;
  readonly sampleType: string;
  readonly sampleUnit: string;
  readonly periodType: string;
  readonly periodUnit: string;
}

/**
 * Series label holding the Grafana profile type ID of a series stored from `push.v1` (where the
 * client names the profile, e.g. `__name__=process_cpu`). Series from `/ingest` and scrapes have
 * none; their type is derived from the series name instead ({@link profileTypeOfSeries}).
 */
export const PROFILE_TYPE_LABEL = '__profile_type__';

type TypeParts = readonly [name: string, sampleType: string, sampleUnit: string, periodType: string, periodUnit: string];

const CPU_TIME: TypeParts = ['process_cpu', 'cpu', 'nanoseconds', 'cpu', 'nanoseconds'];
const CPU_SAMPLES: TypeParts = ['process_cpu', 'samples', 'count', 'cpu', 'nanoseconds'];
const WALL_TIME: TypeParts = ['wall', 'wall', 'nanoseconds', 'wall', 'nanoseconds'];
const WALL_SAMPLES: TypeParts = ['wall', 'samples', 'count', 'wall', 'nanoseconds'];
// @datadog/pprof (the Node.js profiler) calls its wall-time sample count `sample`.
const WALL_SAMPLE: TypeParts = ['wall', 'sample', 'count', 'wall', 'nanoseconds'];
const GOROUTINES: TypeParts = ['goroutine', 'goroutine', 'count', 'goroutine', 'count'];

// Series-name suffixes server-lite stores (Pyroscope OG's display names, see
// ingest/sample-type-names.ts) and the Grafana Pyroscope profile type each one is.
const BY_SUFFIX: ReadonlyMap<string, TypeParts> = new Map([
  ['alloc_objects', ['memory', 'alloc_objects', 'count', 'space', 'bytes']],
  ['alloc_space', ['memory', 'alloc_space', 'bytes', 'space', 'bytes']],
  ['inuse_objects', ['memory', 'inuse_objects', 'count', 'space', 'bytes']],
  ['inuse_space', ['memory', 'inuse_space', 'bytes', 'space', 'bytes']],
  ['goroutines', GOROUTINES],
  ['goroutine', GOROUTINES],
  ['mutex_count', ['mutex', 'contentions', 'count', 'contentions', 'count']],
  ['mutex_duration', ['mutex', 'delay', 'nanoseconds', 'contentions', 'count']],
  ['block_count', ['block', 'contentions', 'count', 'contentions', 'count']],
  ['block_duration', ['block', 'delay', 'nanoseconds', 'contentions', 'count']],
  ['wall', WALL_TIME],
  ['sample', WALL_SAMPLE],
]);

/**
 * Splits a stored series name `<app>.<suffix>` at its last dot (`checkout.cpu` → `checkout`,
 * `cpu`). A name without a dot is all app, with an empty suffix.
 */
export function splitSeriesName(name: string): { app: string; suffix: string } {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? { app: name, suffix: '' } : { app: name.slice(0, dot), suffix: name.slice(dot + 1) };
}

/** Builds a {@link ProfileTypeInfo} from its five parts. */
export function profileTypeFromParts(parts: TypeParts): ProfileTypeInfo {
  const [name, sampleType, sampleUnit, periodType, periodUnit] = parts;
  return { id: parts.join(':'), name, sampleType, sampleUnit, periodType, periodUnit };
}

/** Parses a stored `__profile_type__` value; undefined when it is not five non-empty parts. */
function parseStoredType(id: string): ProfileTypeInfo | undefined {
  const parts = id.split(':');
  if (parts.length !== 5 || parts.some((p) => p === '')) return undefined;
  return profileTypeFromParts(parts as unknown as TypeParts);
}

/** One part of a Grafana profile type ID: its syntax reserves ':', and a part may not be empty. */
export function profileTypeIdPart(s: string): string {
  return s.replace(/:/g, '_') || 'unknown';
}

/**
 * The Grafana profile type of a stored series: its `__profile_type__` label when it came from
 * push.v1, else derived from the series-name suffix and units. Go's CPU profile stores
 * `<app>.cpu` (nanoseconds) and `<app>.samples`: `process_cpu:cpu:nanoseconds:cpu:nanoseconds`
 * and `process_cpu:samples:count:cpu:nanoseconds`; a Node.js time profile (spy `nodespy`) stores
 * `wall`, `samples` (`sample` from @datadog/pprof) and `cpu`, of which `samples` becomes
 * `wall:samples:count:wall:nanoseconds`;
 * an OG `<app>.cpu` in `samples` units is `process_cpu:samples:…`. Any other suffix `s` with
 * units `u` becomes `s:s:u:s:u` (`samples` units read as pprof's `count`).
 */
export function profileTypeOfSeries(series: Pick<StoredSeries, 'name' | 'labels' | 'meta'>): ProfileTypeInfo {
  const stored = series.labels[PROFILE_TYPE_LABEL];
  if (stored !== undefined) {
    const parsed = parseStoredType(stored);
    if (parsed !== undefined) return parsed;
  }
  const { suffix } = splitSeriesName(series.name);
  const units = series.meta.units;
  if (suffix === 'cpu') return profileTypeFromParts(units === 'nanoseconds' ? CPU_TIME : CPU_SAMPLES);
  if (suffix === 'samples') return profileTypeFromParts(series.meta.spyName === 'nodespy' ? WALL_SAMPLES : CPU_SAMPLES);
  const known = BY_SUFFIX.get(suffix);
  if (known !== undefined) return profileTypeFromParts(known);
  const unit = units === 'samples' ? 'count' : profileTypeIdPart(units);
  const name = profileTypeIdPart(suffix);
  return profileTypeFromParts([name, name, unit, name, unit]);
}

/**
 * The labels Grafana sees for a stored series: the stored labels plus `service_name` (the app
 * part of the series name), `__name__` (the profile name, e.g. `process_cpu`) and
 * `__profile_type__` (the full type ID), as Grafana Pyroscope's series carry them. The reserved
 * `__tenant__` label is left out: it is never shown, and matchers on it see it absent.
 */
export function grafanaLabelsOfSeries(series: Pick<StoredSeries, 'name' | 'labels' | 'meta'>, type: ProfileTypeInfo): Record<string, string> {
  const { [TENANT_LABEL]: _tenant, ...labels } = series.labels;
  return {
    ...labels,
    service_name: splitSeriesName(series.name).app,
    __name__: type.name,
    [PROFILE_TYPE_LABEL]: type.id,
  };
}
