import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { subtractHeapProfiles } from './heap-delta.js';
import { renderHeapText } from './heap-text.js';

/** A heap profile with one sample per entry: a one-frame stack `fn` (in app.js) and [objects, bytes]. */
function heapProfile(entries: Record<string, [number, number]>): Profile {
  const st = new StringTable();
  const file = st.dedup('app.js');
  const fns: PprofFunction[] = [];
  const locs: Location[] = [];
  const samples: Sample[] = [];
  for (const [name, values] of Object.entries(entries)) {
    const id = fns.length + 1;
    fns.push(new PprofFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: file }));
    locs.push(new Location({ id, line: [new Line({ functionId: id, line: 7 })] }));
    samples.push(new Sample({ locationId: [id], value: values }));
  }
  return new Profile({
    sampleType: [new ValueType({ type: st.dedup('inuse_objects'), unit: st.dedup('count') }), new ValueType({ type: st.dedup('inuse_space'), unit: st.dedup('bytes') })],
    periodType: new ValueType({ type: st.dedup('space'), unit: st.dedup('bytes') }),
    period: 524_288,
    sample: samples,
    location: locs,
    function: fns,
    stringTable: st,
  });
}

function byFunction(p: Profile): Record<string, number[]> {
  const s = p.stringTable.strings;
  const names = new Map(p.function.map((f) => [String(f.id), s[Number(f.name)]!]));
  const locs = new Map(p.location.map((l) => [String(l.id), names.get(String(l.line[0]!.functionId))!]));
  return Object.fromEntries(p.sample.map((smp) => [locs.get(String(smp.locationId[0]))!, smp.value.map(Number)]));
}

describe('subtractHeapProfiles (Go heap?seconds=N)', () => {
  it('after − before per stack: growth positive, freed negative, unchanged dropped; time and duration set', () => {
    const before = heapProfile({ grows: [2, 200], freed: [5, 500], same: [1, 100] });
    const after = heapProfile({ same: [1, 100], grows: [3, 350], fresh: [1, 64] });
    const delta = subtractHeapProfiles(before, after, 1_000, 3_500);
    expect(byFunction(delta)).toEqual({ grows: [1, 150], freed: [-5, -500], fresh: [1, 64] });
    expect(Number(delta.timeNanos)).toBe(3_500_000_000);
    expect(Number(delta.durationNanos)).toBe(2_500_000_000);
    // Inputs are left alone.
    expect(byFunction(before)).toEqual({ grows: [2, 200], freed: [5, 500], same: [1, 100] });
  });
});

describe('renderHeapText (heap?debug=1)', () => {
  it('header totals, then stacks largest first with function and file:line', () => {
    const text = renderHeapText(heapProfile({ small: [1, 10], big: [2, 2_000] }), 'heap');
    expect(text.split('\n').slice(0, 7)).toEqual([
      'heap (Node.js in-use heap, sampled by V8 every 524288 bytes on average): 3 objects, 2010 bytes in 2 stacks',
      '',
      '2: 2000',
      '#\tbig\tapp.js:7',
      '',
      '1: 10',
      '#\tsmall\tapp.js:7',
    ]);
  });
});
