import { Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { keepSampleTypes, sampleTypeNames } from './keep-sample-types.js';
import { mergeProfiles } from './merge-profiles.js';

function timeProfile(withCpu: boolean, values: number[]): Profile {
  const t = new StringTable();
  const vt = (a: string, b: string): ValueType => new ValueType({ type: t.dedup(a), unit: t.dedup(b) });
  const types = [vt('samples', 'count'), vt('wall', 'nanoseconds'), ...(withCpu ? [vt('cpu', 'nanoseconds')] : [])];
  return new Profile({ sampleType: types, sample: [new Sample({ locationId: [], value: values })], stringTable: t, periodType: types[1], period: 10 });
}

describe('keepSampleTypes', () => {
  it('projects values onto the kept types so profiles with and without CPU time merge', () => {
    const withCpu = timeProfile(true, [1, 10, 7]);
    const withoutCpu = timeProfile(false, [2, 20]);
    const common = sampleTypeNames(withoutCpu);
    const projected = keepSampleTypes(withCpu, common);
    expect(sampleTypeNames(projected)).toEqual(['samples/count', 'wall/nanoseconds']);
    expect(projected.sample[0]?.value).toEqual([1, 10]);
    expect(withCpu.sample[0]?.value).toEqual([1, 10, 7]);
    const merged = mergeProfiles([projected, withoutCpu]);
    expect(merged.sample.map((s) => s.value.map(Number))).toEqual([[3, 30]]);
  });

  it('returns the profile itself when every type is kept', () => {
    const p = timeProfile(true, [1, 1, 1]);
    expect(keepSampleTypes(p, sampleTypeNames(p))).toBe(p);
  });
});
