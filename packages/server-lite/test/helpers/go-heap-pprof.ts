import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/**
 * A Go heap profile (alloc_objects, alloc_space, inuse_objects, inuse_space) with one stack
 * main.main → main.alloc whose values are `values`, cumulative as a Go process reports them;
 * encoded, not gzipped.
 */
export function goHeapPprof(values: [number, number, number, number], timeMs: number): Uint8Array {
  const st = new StringTable();
  const vt = (type: string, unit: string) => new ValueType({ type: st.dedup(type), unit: st.dedup(unit) });
  const fn = (id: number, name: string) => new PprofFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup('main.go') });
  const functions = [fn(1, 'main.main'), fn(2, 'main.alloc')];
  return new Profile({
    sampleType: [vt('alloc_objects', 'count'), vt('alloc_space', 'bytes'), vt('inuse_objects', 'count'), vt('inuse_space', 'bytes')],
    periodType: vt('space', 'bytes'),
    period: 524_288,
    timeNanos: BigInt(timeMs) * 1_000_000n,
    function: functions,
    location: functions.map((f) => new Location({ id: f.id, line: [new Line({ functionId: f.id, line: 1 })] })),
    sample: [new Sample({ locationId: [2, 1], value: values })],
    stringTable: st,
  }).encode();
}
