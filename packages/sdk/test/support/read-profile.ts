import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

/** Decodes a gzipped pprof file, as a server would. */
export function readProfile(file: string): Profile {
  return Profile.decode(gunzipSync(readFileSync(file)));
}

export function sampleTypes(p: Profile): string[] {
  const s = p.stringTable.strings;
  return p.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`);
}

export interface Frame { name: string; file: string; line: number }

/** Each sample as its frames (leaf first), labels and values. */
export function samples(p: Profile): Array<{ frames: Frame[]; labels: Record<string, string>; values: number[] }> {
  const s = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [String(f.id), f]));
  const locs = new Map(p.location.map((l) => [String(l.id), l]));
  return p.sample.map((smp) => ({
    frames: smp.locationId.map((id) => {
      const line = locs.get(String(id))?.line[0];
      const f = fns.get(String(line?.functionId));
      return { name: s[Number(f?.name)] ?? '', file: s[Number(f?.filename)] ?? '', line: Number(line?.line ?? 0) };
    }),
    labels: Object.fromEntries(smp.label.map((l) => [s[Number(l.key)] ?? '', s[Number(l.str)] ?? String(l.num)])),
    values: smp.value.map(Number),
  }));
}

/** Sum of value `index` over samples with `fn` in the stack, grouped by the value of label `label` ('' = none). */
export function totalsByLabel(p: Profile, fn: string, label: string, index = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (const smp of samples(p)) {
    if (!smp.frames.some((f) => f.name === fn)) continue;
    const key = smp.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + (smp.values[index] ?? 0);
  }
  return out;
}

/** Sum of value `index` over samples with `fn` anywhere in the stack. */
export function inclusiveTotal(p: Profile, fn: string, index = 0): number {
  return samples(p).filter((smp) => smp.frames.some((f) => f.name === fn)).reduce((a, smp) => a + (smp.values[index] ?? 0), 0);
}
