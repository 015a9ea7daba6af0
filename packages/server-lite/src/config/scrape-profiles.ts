import { type SampleTypeConfig, readSampleTypeConfigs } from '../model/sample-type-config.js';
import { type ConfigProblems, type KeySpec, readBoolean, readObject, readString, readStringList, readStringMap } from './config-reader.js';

/** One profile the scraper can fetch. */
export interface ProfileConfig {
  /** URL path on the target, e.g. `/debug/pprof/heap`. */
  readonly path: string;
  /** Query parameters (`seconds` for CPU is fitted inside the scrape interval). */
  readonly params: Readonly<Record<string, readonly string[]>>;
  /**
   * Compute deltas of cumulative sample types on the scraper side (the first scrape is the
   * baseline). Defaults: `mem` true (alloc_* are cumulative), others false.
   */
  readonly delta: boolean;
  /** Pyroscope OG `sample-types` overrides (type → naming, units, aggregation, cumulative). */
  readonly sampleTypes: Readonly<Record<string, SampleTypeConfig>>;
  /** Pyroscope OG `all-sample-types`. Default `false`. */
  readonly allSampleTypes: boolean;
}

/** Built-in profiles (Pyroscope OG's defaults, plus kprof's `delta` flag). */
export const DEFAULT_PROFILES: Readonly<Record<string, ProfileConfig>> = Object.freeze({
  cpu: profile('/debug/pprof/profile', { seconds: ['10'] }, false),
  mem: profile('/debug/pprof/heap', {}, true),
  goroutines: profile('/debug/pprof/goroutine', {}, false),
  mutex: profile('/debug/pprof/mutex', { seconds: ['10'] }, false),
  block: profile('/debug/pprof/block', { seconds: ['10'] }, false),
});

// godeltaprof serves deltas itself, so scraper-side deltas are off for these paths.
const DELTA_PROFILE_PATHS: Readonly<Record<string, string>> = {
  mem: '/debug/pprof/delta_heap',
  mutex: '/debug/pprof/delta_mutex',
  block: '/debug/pprof/delta_block',
};

function profile(path: string, params: Record<string, string[]>, delta: boolean): ProfileConfig {
  return Object.freeze({ path, params: Object.freeze(params), delta, sampleTypes: Object.freeze({}), allSampleTypes: false });
}

const PROFILE_KEYS: readonly KeySpec[] = [
  { name: 'path' },
  { name: 'params' },
  { name: 'delta' },
  { name: 'sample-types' },
  { name: 'all-sample-types' },
];

export function parseProfiles(raw: unknown, path: string, problems: ConfigProblems, useDeltaProfiles: boolean): Readonly<Record<string, ProfileConfig>> {
  const merged = new Map<string, ProfileConfig>(Object.entries(DEFAULT_PROFILES));
  if (useDeltaProfiles) {
    for (const [name, deltaPath] of Object.entries(DELTA_PROFILE_PATHS)) {
      const base = merged.get(name) as ProfileConfig;
      merged.set(name, Object.freeze({ ...base, path: deltaPath, params: Object.freeze({}), delta: false }));
    }
  }
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.add(path, 'expected a mapping of profile name → settings');
    } else {
      for (const [name, value] of Object.entries(raw)) {
        const p = parseProfile(value, `${path}.${name}`, problems, merged.get(name));
        if (p !== undefined) merged.set(name, p);
      }
    }
  }
  return Object.freeze(Object.fromEntries(merged));
}

function parseProfile(raw: unknown, path: string, problems: ConfigProblems, base: ProfileConfig | undefined): ProfileConfig | undefined {
  // `mem: {}` or `mem:` keeps the built-in settings, as Pyroscope's defaults merge did.
  const o = raw === null ? new Map<string, unknown>() : readObject(raw, path, problems, PROFILE_KEYS);
  if (o === undefined) return undefined;
  let profilePath = base?.path;
  if (o.has('path')) {
    const p = readString(o.get('path'), `${path}.path`, problems);
    if (p !== undefined && !p.startsWith('/')) problems.add(`${path}.path`, `must start with "/", got ${JSON.stringify(p)}`);
    else if (p !== undefined) profilePath = p;
  }
  if (profilePath === undefined) return problems.add(`${path}.path`, 'is required for a profile that is not built in (cpu, mem, goroutines, mutex, block)');
  let params = base?.params ?? {};
  if (o.has('params')) {
    const p = o.get('params');
    if (p !== null && (typeof p !== 'object' || Array.isArray(p))) {
      problems.add(`${path}.params`, 'expected a mapping of parameter → value or list of values');
    } else {
      const out: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(p ?? {})) {
        const values = Array.isArray(v) ? readStringList(v, `${path}.params.${k}`, problems) : [readString(v, `${path}.params.${k}`, problems)];
        if (values !== undefined && values.every((x): x is string => x !== undefined)) out[k] = values;
      }
      params = Object.freeze(out);
    }
  }
  const delta = o.has('delta') ? readBoolean(o.get('delta'), `${path}.delta`, problems) ?? false : base?.delta ?? false;
  const allSampleTypes = o.has('all-sample-types') ? readBoolean(o.get('all-sample-types'), `${path}.all-sample-types`, problems) ?? false : base?.allSampleTypes ?? false;
  let sampleTypes = base?.sampleTypes ?? {};
  if (o.has('sample-types')) {
    const st = o.get('sample-types');
    if (st !== null && (typeof st !== 'object' || Array.isArray(st))) problems.add(`${path}.sample-types`, 'expected a mapping of sample type → settings');
    else sampleTypes = Object.freeze(readSampleTypeConfigs((st ?? {}) as Record<string, unknown>));
  }
  return Object.freeze({ path: profilePath, params, delta, sampleTypes, allSampleTypes });
}

