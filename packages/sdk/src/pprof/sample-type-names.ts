import type { Profile } from 'pprof-format';

/**
 * `@datadog/pprof` names the time profile's count type `sample`; Go's CPU profile and `@pyroscope/nodejs` 0.6.4 (which
 * renames it before pushing) call it `samples`, and Pyroscope's pull mode reads only `samples`. Heap types from 5.20.0
 * are already `inuse_objects`/`inuse_space` (5.14 said `objects`/`space`; those are mapped too, as the Pyroscope
 * client does). Renames in place.
 */
const RENAMES: Readonly<Record<string, string>> = { sample: 'samples', objects: 'inuse_objects', space: 'inuse_space' };

export function applyPyroscopeSampleTypeNames(profile: Profile): Profile {
  const strings = profile.stringTable.strings;
  for (const vt of profile.sampleType) {
    const renamed = RENAMES[strings[Number(vt.type)] ?? ''];
    if (renamed !== undefined) vt.type = profile.stringTable.dedup(renamed);
  }
  return profile;
}
