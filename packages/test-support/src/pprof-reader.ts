// Reading pprof profiles in assertions: decode a file or a body, and ask what a server would show
// (sample types, each sample's frames and labels, totals of a function by label).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

/** A frame of {@link ProfileSample}. `file` is '' and `line` 0 where the profile has none. */
export interface Frame {
  name: string;
  file: string;
  line: number;
}

/** A sample with its ids resolved. */
export interface ProfileSample {
  /** Leaf first; a location's inlined frames innermost first, as pprof lists them. */
  frames: Frame[];
  /** Label key → string value (a numeric label: its number as a string). */
  labels: Record<string, string>;
  values: number[];
}

/** Which value of a sample to read: its index, or the name of its sample type (e.g. `'cpu'`). */
export type ValueColumn = number | string;

/** The bytes of a profile file, gunzipped when gzipped (pprof files may be either). */
export function rawProfile(file: string): Buffer {
  const buf = readFileSync(file);
  return isGzip(buf) ? gunzipSync(buf) : buf;
}

/** Decodes a gzipped profile file, as a server would (throws if it is not gzipped). */
export function readProfile(file: string): Profile {
  return decodeGzippedProfile(readFileSync(file));
}

/** Decodes a gzipped profile body (an HTTP answer or a push); throws if it is not gzipped. */
export function decodeGzippedProfile(body: Uint8Array): Profile {
  return Profile.decode(gunzipSync(body));
}

function isGzip(b: Uint8Array): boolean {
  return b[0] === 0x1f && b[1] === 0x8b;
}

/** Sample types as `type/unit`, e.g. `['samples/count', 'wall/nanoseconds', 'cpu/nanoseconds']`. */
export function sampleTypes(p: Profile): string[] {
  const s = p.stringTable.strings;
  return p.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`);
}

/** Sample type names, e.g. `['samples', 'wall', 'cpu']`. */
export function sampleTypeNames(p: Profile): string[] {
  return p.sampleType.map((t) => p.stringTable.strings[Number(t.type)] ?? '');
}

/** Every sample with its frames, labels and values. */
export function samples(p: Profile): ProfileSample[] {
  const s = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [String(f.id), f]));
  const locs = new Map(p.location.map((l) => [String(l.id), l]));
  return p.sample.map((smp) => ({
    frames: smp.locationId.flatMap((id) =>
      (locs.get(String(id))?.line ?? []).map((line) => {
        const f = fns.get(String(line.functionId));
        return { name: s[Number(f?.name)] ?? '', file: s[Number(f?.filename)] ?? '', line: Number(line.line ?? 0) };
      })),
    labels: Object.fromEntries(smp.label.map((l) => [s[Number(l.key)] ?? '', Number(l.str) ? (s[Number(l.str)] ?? '') : String(l.num)])),
    values: smp.value.map(Number),
  }));
}

function valueIndex(p: Profile, column: ValueColumn): number {
  if (typeof column === 'number') return column;
  const i = sampleTypeNames(p).indexOf(column);
  if (i < 0) throw new Error(`the profile has no sample type ${column}; it has ${sampleTypeNames(p).join(', ')}`);
  return i;
}

function hasFunction(smp: ProfileSample, fn: string | readonly string[]): boolean {
  return smp.frames.some((f) => (typeof fn === 'string' ? f.name === fn : fn.includes(f.name)));
}

/**
 * Sum of value `column` (default 0, the first) over the samples with `fn` (or any of several
 * names) anywhere in the stack: the function's inclusive total.
 */
export function inclusiveTotal(p: Profile, fn: string | readonly string[], column: ValueColumn = 0): number {
  const i = valueIndex(p, column);
  return samples(p).filter((smp) => hasFunction(smp, fn)).reduce((a, smp) => a + (smp.values[i] ?? 0), 0);
}

/**
 * As {@link inclusiveTotal}, grouped by the value of label `label` ('' for samples without it),
 * e.g. `{ 'GET /a': 120, '': 3 }`.
 */
export function totalsByLabel(p: Profile, fn: string | readonly string[], label: string, column: ValueColumn = 0): Record<string, number> {
  const i = valueIndex(p, column);
  const out: Record<string, number> = {};
  for (const smp of samples(p)) {
    if (!hasFunction(smp, fn)) continue;
    const key = smp.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + (smp.values[i] ?? 0);
  }
  return out;
}

/** The file of function `fn` as the profile names it, or undefined if it has no such function. */
export function fileOfFunction(p: Profile, fn: string): string | undefined {
  const s = p.stringTable.strings;
  const f = p.function.find((x) => s[Number(x.name)] === fn);
  return f ? (s[Number(f.filename)] ?? '') : undefined;
}
