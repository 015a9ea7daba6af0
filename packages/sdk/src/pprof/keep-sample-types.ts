import { Profile, Sample } from 'pprof-format';

/** `type/unit` of each sample type, e.g. `wall/nanoseconds`. */
export function sampleTypeNames(profile: Profile): string[] {
  const s = profile.stringTable.strings;
  return profile.sampleType.map((t) => `${s[Number(t.type)] ?? ''}/${s[Number(t.unit)] ?? ''}`);
}

/**
 * A copy of `profile` with only the sample types named in `keep` (in the profile's order), values projected to match.
 * Lets chunks recorded with and without CPU time (the settings changed mid-window) be merged on their common types.
 * Shares the string table, functions and locations with the input (read-only use).
 */
export function keepSampleTypes(profile: Profile, keep: readonly string[]): Profile {
  const names = sampleTypeNames(profile);
  const indices = names.flatMap((n, i) => (keep.includes(n) ? [i] : []));
  if (indices.length === names.length) return profile;
  return new Profile({
    ...profile,
    sampleType: indices.map((i) => profile.sampleType[i]).filter((t) => t !== undefined),
    sample: profile.sample.map((smp) => new Sample({ locationId: smp.locationId, label: smp.label, value: indices.map((i) => smp.value[i] ?? 0) })),
  });
}
