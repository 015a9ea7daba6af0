/**
 * Pyroscope's per-sample-type settings, as `/ingest`'s multipart `sample_type_config` JSON and
 * pull mode's `sample-types` config write them (kebab-case keys).
 */
export interface SampleTypeConfig {
  readonly units?: string;
  readonly 'display-name'?: string;
  readonly aggregation?: string;
  readonly cumulative?: boolean;
  readonly sampled?: boolean;
}

// A display name becomes part of a series name: the characters an app name allows.
const DISPLAY_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_UNITS_LENGTH = 64;

/**
 * Reads one type's settings from decoded JSON/YAML, keeping the fields of the right type and
 * dropping the rest (as Pyroscope's decoder ignores them): a display name outside
 * `[A-Za-z0-9_.-]{1,128}` is dropped, units are cut to 64 characters. `null` (a type listed
 * with no settings) reads as no settings.
 */
export function readSampleTypeConfig(raw: unknown): SampleTypeConfig {
  const c = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const displayName = c['display-name'];
  return {
    ...(typeof c.units === 'string' ? { units: c.units.slice(0, MAX_UNITS_LENGTH) } : {}),
    ...(typeof displayName === 'string' && DISPLAY_NAME.test(displayName) ? { 'display-name': displayName } : {}),
    ...(typeof c.aggregation === 'string' ? { aggregation: c.aggregation } : {}),
    ...(typeof c.cumulative === 'boolean' ? { cumulative: c.cumulative } : {}),
    ...(typeof c.sampled === 'boolean' ? { sampled: c.sampled } : {}),
  };
}

/** {@link readSampleTypeConfig} for each entry of a `type → settings` mapping. */
export function readSampleTypeConfigs(raw: Readonly<Record<string, unknown>>): Record<string, SampleTypeConfig> {
  const out: Record<string, SampleTypeConfig> = {};
  for (const [type, settings] of Object.entries(raw)) out[type] = readSampleTypeConfig(settings);
  return out;
}
