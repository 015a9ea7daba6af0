import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/** Values of one Go heap sample: alloc_objects, alloc_space, inuse_objects, inuse_space. */
export type GoHeapValues = readonly [number, number, number, number];

/**
 * A Go heap profile (alloc_objects, alloc_space, inuse_objects, inuse_space) with one stack
 * main.main → main.alloc whose values are `values`, cumulative as a Go process reports them;
 * encoded, not gzipped.
 */
export function goHeapPprof(values: GoHeapValues, timeMs: number): Uint8Array {
  return goHeapPprofStacks([{ leaf: 'main.alloc', values }], timeMs);
}

/** As {@link goHeapPprof}, with one stack main.main → `leaf` per entry of `stacks` (leaves distinct). */
export function goHeapPprofStacks(stacks: ReadonlyArray<{ readonly leaf: string; readonly values: GoHeapValues }>, timeMs: number): Uint8Array {
  const st = new StringTable();
  const vt = (type: string, unit: string) => new ValueType({ type: st.dedup(type), unit: st.dedup(unit) });
  const functions = ['main.main', ...stacks.map((s) => s.leaf)].map(
    (name, i) => new PprofFunction({ id: i + 1, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup('main.go') }),
  );
  return new Profile({
    sampleType: [vt('alloc_objects', 'count'), vt('alloc_space', 'bytes'), vt('inuse_objects', 'count'), vt('inuse_space', 'bytes')],
    periodType: vt('space', 'bytes'),
    period: 524_288,
    timeNanos: BigInt(timeMs) * 1_000_000n,
    function: functions,
    location: functions.map((f) => new Location({ id: f.id, line: [new Line({ functionId: f.id, line: 1 })] })),
    sample: stacks.map((s, i) => new Sample({ locationId: [i + 2, 1], value: [...s.values] })),
    stringTable: st,
  }).encode();
}
