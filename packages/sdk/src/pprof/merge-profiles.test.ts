import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { mergeProfiles } from './merge-profiles.js';

interface SampleSpec { stack: string[]; values: number[]; labels?: Record<string, string | number> }
interface ProfileSpec { types?: Array<[string, string]>; samples: SampleSpec[]; timeNanos?: number; durationNanos?: number; period?: number; padStrings?: string[] }

/** Builds a profile the way an engine would: leaf-first location ids, frames named `fn` in `fn.js` at line = name length. */
function build(spec: ProfileSpec): Profile {
  const table = new StringTable();
  // Different profiles get different string-table layouts, so the merge must remap indices.
  for (const s of spec.padStrings ?? []) table.dedup(s);
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<string, Location>();
  const loc = (name: string): number => {
    let l = locations.get(name);
    if (!l) {
      let f = functions.get(name);
      if (!f) {
        f = new PprofFunction({ id: functions.size + 1, name: table.dedup(name), systemName: table.dedup(name), filename: table.dedup(`${name}.js`) });
        functions.set(name, f);
      }
      l = new Location({ id: locations.size + 1, line: [new Line({ functionId: f.id, line: name.length })] });
      locations.set(name, l);
    }
    return Number(l.id);
  };
  const types = (spec.types ?? [['samples', 'count'], ['wall', 'nanoseconds']]).map(
    ([t, u]) => new ValueType({ type: table.dedup(t), unit: table.dedup(u) }),
  );
  const samples = spec.samples.map((s) => new Sample({
    locationId: [...s.stack].reverse().map(loc),
    value: s.values,
    label: Object.entries(s.labels ?? {}).map(([k, v]) =>
      typeof v === 'number' ? new Label({ key: table.dedup(k), num: v }) : new Label({ key: table.dedup(k), str: table.dedup(v) })),
  }));
  return new Profile({
    sampleType: types, sample: samples, location: [...locations.values()], function: [...functions.values()], stringTable: table,
    timeNanos: spec.timeNanos ?? 0, durationNanos: spec.durationNanos ?? 0, period: spec.period ?? 10, periodType: types[1],
  });
}

/** Reads a profile back as `root;…;leaf {labels} -> values`, sorted: independent of ids and string-table layout. */
function flatten(p: Profile): string[] {
  const s = p.stringTable.strings;
  const fnById = new Map(p.function.map((f) => [String(f.id), f]));
  const locById = new Map(p.location.map((l) => [String(l.id), l]));
  return p.sample.map((smp) => {
    const frames = smp.locationId.map((id) => {
      const line = locById.get(String(id))?.line[0];
      const f = fnById.get(String(line?.functionId));
      return `${s[Number(f?.name)]}@${s[Number(f?.filename)]}:${line?.line}`;
    }).reverse();
    const labels = smp.label.map((l) => `${s[Number(l.key)]}=${Number(l.str) ? s[Number(l.str)] : `#${l.num}`}`).sort();
    return `${frames.join(';')} {${labels.join(',')}} -> ${smp.value.join(',')}`;
  }).sort();
}

describe('mergeProfiles', () => {
  it.each([
    {
      name: 'sums equal stacks with equal labels across profiles',
      inputs: [
        { samples: [{ stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } }] },
        { samples: [{ stack: ['main', 'foo'], values: [2, 20], labels: { route: 'a' } }], padStrings: ['x', 'route', 'zz'] },
      ],
      want: ['main@main.js:4;foo@foo.js:3 {route=a} -> 3,30'],
    },
    {
      name: 'sums equal stacks within one profile (the engine emits one sample per labelled hit)',
      inputs: [{ samples: [
        { stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } },
        { stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } },
        { stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } },
      ] }],
      want: ['main@main.js:4;foo@foo.js:3 {route=a} -> 3,30'],
    },
    {
      name: 'keeps equal stacks with different labels apart',
      inputs: [{ samples: [
        { stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } },
        { stack: ['main', 'foo'], values: [1, 10], labels: { route: 'b' } },
        { stack: ['main', 'foo'], values: [1, 10] },
      ] }],
      want: ['main@main.js:4;foo@foo.js:3 {route=a} -> 1,10', 'main@main.js:4;foo@foo.js:3 {route=b} -> 1,10', 'main@main.js:4;foo@foo.js:3 {} -> 1,10'].sort(),
    },
    {
      name: 'treats label order as irrelevant',
      inputs: [
        { samples: [{ stack: ['main'], values: [1, 10], labels: { a: '1', b: '2' } }] },
        { samples: [{ stack: ['main'], values: [1, 10], labels: { b: '2', a: '1' } }], padStrings: ['b'] },
      ],
      want: ['main@main.js:4 {a=1,b=2} -> 2,20'],
    },
    {
      name: 'keeps numeric labels',
      inputs: [{ samples: [{ stack: ['main'], values: [1, 10], labels: { shard: 3 } }, { stack: ['main'], values: [1, 10], labels: { shard: 3 } }] }],
      want: ['main@main.js:4 {shard=#3} -> 2,20'],
    },
    {
      name: 'keeps different stacks sharing a leaf apart',
      inputs: [
        { samples: [{ stack: ['main', 'foo'], values: [1, 10] }] },
        { samples: [{ stack: ['other', 'foo'], values: [1, 10] }] },
      ],
      want: ['main@main.js:4;foo@foo.js:3 {} -> 1,10', 'other@other.js:5;foo@foo.js:3 {} -> 1,10'],
    },
    {
      name: 'drops samples whose values are all zero',
      inputs: [{ samples: [{ stack: ['idle'], values: [0, 0] }, { stack: ['main'], values: [0, 5] }] }],
      want: ['main@main.js:4 {} -> 0,5'],
    },
    {
      name: 'merges three-valued profiles (samples, wall, cpu)',
      inputs: [
        { types: [['samples', 'count'], ['wall', 'nanoseconds'], ['cpu', 'nanoseconds']] as Array<[string, string]>, samples: [{ stack: ['main'], values: [1, 10, 7] }] },
        { types: [['samples', 'count'], ['wall', 'nanoseconds'], ['cpu', 'nanoseconds']] as Array<[string, string]>, samples: [{ stack: ['main'], values: [1, 10, 3] }] },
      ],
      want: ['main@main.js:4 {} -> 2,20,10'],
    },
  ])('$name', ({ inputs, want }) => {
    expect(flatten(mergeProfiles(inputs.map(build)))).toEqual(want);
  });

  it('de-duplicates functions and locations', () => {
    const merged = mergeProfiles([
      build({ samples: [{ stack: ['main', 'foo'], values: [1, 1] }] }),
      build({ samples: [{ stack: ['main', 'bar'], values: [1, 1] }], padStrings: ['q'] }),
    ]);
    expect(merged.function).toHaveLength(3);
    expect(merged.location).toHaveLength(3);
  });

  it('merges headers like go tool pprof: earliest start, summed duration, largest period', () => {
    const merged = mergeProfiles([
      build({ samples: [], timeNanos: 2_000, durationNanos: 100, period: 10 }),
      build({ samples: [], timeNanos: 1_000, durationNanos: 50, period: 12 }),
      build({ samples: [], timeNanos: 0, durationNanos: 1, period: 11 }),
    ]);
    expect(Number(merged.timeNanos)).toBe(1_000);
    expect(Number(merged.durationNanos)).toBe(151);
    expect(Number(merged.period)).toBe(12);
    const s = merged.stringTable.strings;
    expect(merged.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`)).toEqual(['samples/count', 'wall/nanoseconds']);
    expect(s[Number(merged.periodType?.type)]).toBe('wall');
  });

  it('refuses profiles with different sample types', () => {
    expect(() => mergeProfiles([
      build({ samples: [] }),
      build({ types: [['inuse_objects', 'count'], ['inuse_space', 'bytes']], samples: [] }),
    ])).toThrow(expect.objectContaining({ code: 'KPROF_MERGE_INCOMPATIBLE' }));
    expect(() => mergeProfiles([])).toThrow(expect.objectContaining({ code: 'KPROF_MERGE_INCOMPATIBLE' }));
  });

  it('does not modify its inputs, and its output survives an encode/decode round trip', () => {
    const a = build({ samples: [{ stack: ['main', 'foo'], values: [1, 10], labels: { route: 'a' } }] });
    const b = build({ samples: [{ stack: ['main', 'foo'], values: [2, 20], labels: { route: 'a' } }], padStrings: ['pad'] });
    const before = [Buffer.from(a.encode()).toString('hex'), Buffer.from(b.encode()).toString('hex')];
    const merged = mergeProfiles([a, b]);
    expect([Buffer.from(a.encode()).toString('hex'), Buffer.from(b.encode()).toString('hex')]).toEqual(before);
    const decoded = Profile.decode(merged.encode());
    expect(decoded.stringTable.strings[0]).toBe('');
    expect(flatten(decoded)).toEqual(flatten(merged));
  });
});
