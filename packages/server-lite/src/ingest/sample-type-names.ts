import type { SeriesMeta } from '../model/ingest-profile.js';
import type { SampleTypeConfig } from '../model/sample-type-config.js';
import type { ValueTypeText } from './pprof-forms.js';

// Pyroscope OG's default mapping of Go pprof sample types (display name, units, aggregation).
const DEFAULT_SAMPLE_TYPES: Readonly<Record<string, SampleTypeConfig>> = {
  samples: { 'display-name': 'cpu', units: 'samples' },
  inuse_objects: { units: 'objects', aggregation: 'average' },
  alloc_objects: { units: 'objects' },
  inuse_space: { units: 'bytes', aggregation: 'average' },
  alloc_space: { units: 'bytes' },
  goroutine: { 'display-name': 'goroutines', units: 'goroutines', aggregation: 'average' },
  contentions: { 'display-name': 'mutex_count', units: 'lock_samples' },
  delay: { 'display-name': 'mutex_duration', units: 'lock_nanoseconds' },
};

/** How one sample type of a profile is stored. */
export interface SampleTypeSeries {
  /** Suffix after the app name: `myapp.<suffix>`. */
  readonly suffix: string;
  readonly units: string;
  readonly aggregation: SeriesMeta['aggregation'];
}

/**
 * Names each sample type's series the way Pyroscope does — the `sample_type_config`
 * display-name, else OG's default display name (`samples` → `cpu`, `goroutine` →
 * `goroutines`, …), else the type itself — with one kprof rule on top: every sample type is
 * kept (OG dropped types it had no mapping for, such as Node's `wall`), and a default display
 * name that equals another sample type of the same profile is not applied. So a Go CPU profile
 * (`samples`, `cpu`) and a Node time profile (`samples`, `wall`, `cpu`) store `app.samples` and
 * `app.cpu` (nanoseconds) instead of two different series both called `app.cpu`.
 */
export function nameSampleTypes(
  types: readonly ValueTypeText[],
  config: Readonly<Record<string, SampleTypeConfig>> | undefined,
): SampleTypeSeries[] {
  const own = new Set(types.map((t) => t.type));
  return types.map((t) => {
    const custom = config?.[t.type];
    const fallback = DEFAULT_SAMPLE_TYPES[t.type];
    let suffix = custom?.['display-name'] ?? t.type;
    if (custom?.['display-name'] === undefined && fallback?.['display-name'] !== undefined && !own.has(fallback['display-name'])) {
      suffix = fallback['display-name'];
    }
    const units = custom?.units ?? fallback?.units ?? unitsOf(t.unit);
    const agg = custom?.aggregation ?? fallback?.aggregation;
    return { suffix, units, aggregation: agg === 'average' || agg === 'avg' ? 'average' : 'sum' };
  });
}

function unitsOf(pprofUnit: string): string {
  return pprofUnit === 'count' || pprofUnit === '' ? 'samples' : pprofUnit;
}
