import { describe, expect, it } from 'vitest';
import { grafanaLabelsOfSeries, profileTypeOfSeries, splitSeriesName } from './profile-type.js';

const meta = (units: string, spyName = 'gospy') => ({ spyName, sampleRate: 100, units, aggregation: 'sum' as const });

describe('profileTypeOfSeries', () => {
  it.each([
    { name: 'Go CPU time', series: 'api.cpu', units: 'nanoseconds', id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' },
    { name: 'Go CPU samples', series: 'api.samples', units: 'samples', id: 'process_cpu:samples:count:cpu:nanoseconds' },
    { name: 'OG cpu in samples', series: 'api.cpu', units: 'samples', id: 'process_cpu:samples:count:cpu:nanoseconds' },
    { name: 'Node samples (nodespy)', series: 'web.samples', units: 'samples', spy: 'nodespy', id: 'wall:samples:count:wall:nanoseconds' },
    { name: 'Node wall', series: 'web.wall', units: 'nanoseconds', id: 'wall:wall:nanoseconds:wall:nanoseconds' },
    { name: '@datadog/pprof sample', series: 'web.sample', units: 'samples', id: 'wall:sample:count:wall:nanoseconds' },
    { name: 'heap alloc_space', series: 'api.alloc_space', units: 'bytes', id: 'memory:alloc_space:bytes:space:bytes' },
    { name: 'heap inuse_objects', series: 'api.inuse_objects', units: 'objects', id: 'memory:inuse_objects:count:space:bytes' },
    { name: 'goroutines', series: 'api.goroutines', units: 'goroutines', id: 'goroutine:goroutine:count:goroutine:count' },
    { name: 'mutex delay', series: 'api.mutex_duration', units: 'lock_nanoseconds', id: 'mutex:delay:nanoseconds:contentions:count' },
    { name: 'block contentions', series: 'api.block_count', units: 'lock_samples', id: 'block:contentions:count:contentions:count' },
    { name: 'unknown suffix', series: 'api.fgprof', units: 'samples', id: 'fgprof:fgprof:count:fgprof:count' },
    { name: 'no suffix', series: 'api', units: 'samples', id: 'unknown:unknown:count:unknown:count' },
    { name: 'colon in units', series: 'api.x', units: 'a:b', id: 'x:x:a_b:x:a_b' },
  ])('$name → $id', ({ series, units, spy, id }) => {
    expect(profileTypeOfSeries({ name: series, labels: {}, meta: meta(units, spy) }).id).toBe(id);
  });

  it('prefers the __profile_type__ a push stored, and ignores a malformed one', () => {
    const pushed = { name: 'api.delay', labels: { __profile_type__: 'block:delay:nanoseconds:contentions:count' }, meta: meta('lock_nanoseconds') };
    expect(profileTypeOfSeries(pushed)).toEqual({
      id: 'block:delay:nanoseconds:contentions:count',
      name: 'block',
      sampleType: 'delay',
      sampleUnit: 'nanoseconds',
      periodType: 'contentions',
      periodUnit: 'count',
    });
    expect(profileTypeOfSeries({ ...pushed, labels: { __profile_type__: 'block:delay' } }).id).toBe('delay:delay:lock_nanoseconds:delay:lock_nanoseconds');
  });

  it('gives Grafana service_name, __name__ and __profile_type__ beside the stored labels', () => {
    const series = { name: 'my.app.cpu', labels: { env: 'prod' }, meta: meta('nanoseconds') };
    expect(splitSeriesName(series.name)).toEqual({ app: 'my.app', suffix: 'cpu' });
    expect(grafanaLabelsOfSeries(series, profileTypeOfSeries(series))).toEqual({
      env: 'prod',
      service_name: 'my.app',
      __name__: 'process_cpu',
      __profile_type__: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
    });
  });
});
