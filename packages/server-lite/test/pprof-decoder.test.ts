import { readFileSync } from 'node:fs';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config/defaults.js';
import { decodePprof, decodePprofFlat } from '../src/ingest/pprof-decoder.js';
import { type DecodedPprof, toDecodedPprof, toFlatPprof } from '../src/ingest/pprof-forms.js';
import { pprofToProfile } from '../src/ingest/pprof-to-profile.js';
import { buildGoBurn, makeNodeProfile, makeTempDir, rawProfile } from './helpers/profiles.js';

const tmp = makeTempDir('kprof-decoder-');
const files: Record<string, string> = {};

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  files.go = await burn('go.pprof', 300);
  files.node = await makeNodeProfile(tmp.dir, 'node.pb.gz', 300);
});
afterAll(() => tmp.cleanup());

interface FlatSample {
  frames: string[];
  values: number[];
  labels: [string, string][];
}

// The same view built from pprof-format's full decode: frames root first, inlined callers first.
function viaPprofFormat(buf: Buffer): { types: string[]; period: number; samples: FlatSample[] } {
  const p = Profile.decode(buf);
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)]!;
  const fns = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l.line.map((ln) => fns.get(Number(ln.functionId))!).reverse()]));
  return {
    types: p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    period: Number(p.period),
    samples: p.sample.map((s) => ({
      frames: [...s.locationId].reverse().flatMap((id) => locs.get(Number(id))!),
      values: s.value.map(Number),
      labels: s.label.filter((l) => Number(l.str) !== 0).map((l) => [str(l.key), str(l.str)] as [string, string]),
    })),
  };
}

function viaDecoder(d: DecodedPprof): { types: string[]; period: number; samples: FlatSample[] } {
  return {
    types: d.sampleTypes.map((t) => `${t.type}/${t.unit}`),
    period: d.period,
    samples: d.samples.map((s) => ({
      frames: [...s.locations].reverse().flatMap((i) => d.locationFrames[i]!),
      values: s.values,
      labels: s.labels ?? [],
    })),
  };
}

describe('decodePprof', () => {
  it.each(['go', 'node'])('matches pprof-format on a real %s profile', (kind) => {
    const raw = rawProfile(files[kind]!);
    const got = viaDecoder(decodePprof(raw, DEFAULTS.ingest));
    expect(got.samples.length).toBeGreaterThan(0);
    expect(got).toEqual(viaPprofFormat(raw));
  });

  it('reads inlined frames, labels and negative int64 values like pprof-format', () => {
    const st = new StringTable();
    const fn = (id: number, name: string): PprofFunction => new PprofFunction({ id, name: st.dedup(name) });
    const p = new Profile({
      sampleType: [new ValueType({ type: st.dedup('alloc_space'), unit: st.dedup('bytes') })],
      sample: [
        new Sample({ locationId: [1, 2], value: [-5], label: [new Label({ key: st.dedup('k'), str: st.dedup('v') }), new Label({ key: st.dedup('n'), num: 3 })] }),
        new Sample({ locationId: [2], value: [2 ** 40] }),
      ],
      location: [
        new Location({ id: 1, line: [new Line({ functionId: 3 }), new Line({ functionId: 2 })] }),
        new Location({ id: 2, line: [new Line({ functionId: 1 })] }),
      ],
      function: [fn(1, 'root'), fn(2, 'caller'), fn(3, 'inlinedCallee')],
      stringTable: st,
    });
    const raw = Buffer.from(p.encode());
    const got = viaDecoder(decodePprof(raw, DEFAULTS.ingest));
    // pprof-format reads int64 values as unsigned, so only frames and labels are compared with it.
    const want = viaPprofFormat(raw);
    expect(got.samples.map((s) => [s.frames, s.labels])).toEqual(want.samples.map((s) => [s.frames, s.labels]));
    expect(got.samples[0]).toEqual({ frames: ['root', 'caller', 'inlinedCallee'], values: [-5], labels: [['k', 'v']] });
    expect(got.samples[1]?.values).toEqual([2 ** 40]);
  });

  it('reads unpacked repeated fields', () => {
    // Profile{sample_type:{type:1,unit:2}, sample:{location_id:1 (unpacked), value:7 (unpacked)},
    //   location:{id:1, line:{function_id:1}}, function:{id:1,name:3}, string_table:["","t","u","f"]}
    const bytes = Buffer.from([
      0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,
      0x12, 0x04, 0x08, 0x01, 0x10, 0x07,
      0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x01,
      0x2a, 0x04, 0x08, 0x01, 0x10, 0x03,
      0x32, 0x00, 0x32, 0x01, 0x74, 0x32, 0x01, 0x75, 0x32, 0x01, 0x66,
    ]);
    const d = decodePprof(bytes, DEFAULTS.ingest);
    expect(viaDecoder(d)).toEqual({ types: ['t/u'], period: 0, samples: [{ frames: ['f'], values: [7], labels: [] }] });
  });

  it.each([
    { name: 'truncated', bytes: () => rawProfile(files.go!).subarray(0, 100), code: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'length past the end', bytes: () => Buffer.from([0x0a, 0x7f, 0x08]), code: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'varint over 10 bytes', bytes: () => Buffer.from([0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), code: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'group wire type', bytes: () => Buffer.from([0x0b]), code: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'dangling location', bytes: () => Buffer.from([0x0a, 0x00, 0x12, 0x04, 0x08, 0x09, 0x10, 0x01, 0x32, 0x00]), code: 'KPROF_INGEST_BAD_PPROF' },
    { name: 'string index out of range', bytes: () => Buffer.from([0x0a, 0x02, 0x08, 0x05, 0x32, 0x00]), code: 'KPROF_INGEST_BAD_PPROF' },
  ])('rejects $name with $code', ({ bytes, code }) => {
    expect(() => decodePprof(bytes(), DEFAULTS.ingest)).toThrow(expect.objectContaining({ code }));
  });

  it('enforces sample and location limits', () => {
    const raw = rawProfile(files.node!);
    expect(() => decodePprof(raw, { ...DEFAULTS.ingest, maxSamples: 1 })).toThrow(expect.objectContaining({ code: 'KPROF_INGEST_TOO_MANY_SAMPLES' }));
    expect(() => decodePprof(raw, { ...DEFAULTS.ingest, maxLocations: 1 })).toThrow(expect.objectContaining({ code: 'KPROF_INGEST_TOO_MANY_LOCATIONS' }));
    expect(() => decodePprof(raw, { ...DEFAULTS.ingest, maxStringBytes: 4 })).toThrow(expect.objectContaining({ code: 'KPROF_INGEST_STRING_TOO_LONG' }));
  });

  it.each(['go', 'node'])('flat and object forms of a real %s profile convert to the same IngestProfile', (kind) => {
    const raw = rawProfile(files[kind]!);
    const flat = decodePprofFlat(raw, DEFAULTS.ingest);
    const object = decodePprof(raw, DEFAULTS.ingest);
    expect(toDecodedPprof(toFlatPprof(object))).toEqual(object);
    const ctx = { name: { app: 'svc', labels: { env: 'x' } }, startMs: 1, endMs: 2, spyName: 's', sampleRate: 100, sampleTypeConfig: undefined, receivedBytes: 1 };
    const fromFlat = pprofToProfile(flat, ctx, DEFAULTS.ingest);
    const fromObject = pprofToProfile(object, ctx, DEFAULTS.ingest);
    expect(fromFlat.series.length).toBeGreaterThan(0);
    // Names may be numbered differently; the frames each stack resolves to must not.
    const stacks = (p: typeof fromFlat): string[][] =>
      p.series.map((s) =>
        [...s.sampleIndices].map((si, i) => {
          const frames: string[] = [];
          for (let j = p.stackStart[si + 1]! - 1; j >= p.stackStart[si]!; j--) {
            const loc = p.stackLocs[j]!;
            for (let f = p.frameStart[loc]!; f < p.frameStart[loc + 1]!; f++) frames.push(p.names[p.frameNames[f]!]!);
          }
          return `${s.series.name}${JSON.stringify(s.series.labels)} ${frames.join(';')} ${s.values[i]}`;
        }),
      );
    expect(stacks(fromFlat)).toEqual(stacks(fromObject));
    // Deep stacks keep their leaf-most frames.
    const shallow = pprofToProfile(flat, ctx, { ...DEFAULTS.ingest, maxStackDepth: 2 });
    for (let i = 0; i < flat.sampleCount; i++) {
      const depth = Math.min(2, flat.stackStart[i + 1]! - flat.stackStart[i]!);
      expect(shallow.stackStart[i + 1]! - shallow.stackStart[i]!).toBe(depth);
      expect([...shallow.stackLocs.subarray(shallow.stackStart[i]!, shallow.stackStart[i + 1]!)]).toEqual([...flat.stackLocs.subarray(flat.stackStart[i]!, flat.stackStart[i]! + depth)]);
    }
  });

  it('the file from disk is real', () => {
    expect(readFileSync(files.node!)[0]).toBe(0x1f);
  });
});
