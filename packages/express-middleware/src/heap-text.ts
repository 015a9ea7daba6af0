import type { Profile } from 'pprof-format';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';

const MAX_TEXT_STACKS = MIDDLEWARE_DEFAULTS.router.maxHeapTextStacks;

/**
 * Human-readable heap text for `heap|allocs?debug=1`. Deliberately not Go's legacy `heap profile: … @ 0xPC` format:
 * Node.js frames have no addresses, and text that parsed as a Go legacy profile would claim data we do not have
 * (alloc_* counts). One header, then `<objects>: <bytes> [<sites>]` per stack with one `#\tfunction\tfile:line` per frame.
 */
export function renderHeapText(profile: Profile, name: string): string {
  const strings = profile.stringTable.strings;
  const str = (i: number | bigint): string => strings[Number(i)] ?? '';
  const typeIndex = (t: string): number => profile.sampleType.findIndex((vt) => str(vt.type) === t);
  const objIdx = typeIndex('inuse_objects');
  const spaceIdx = typeIndex('inuse_space');
  const value = (vals: readonly (number | bigint)[], i: number): number => (i < 0 ? 0 : Number(vals[i] ?? 0));

  const functions = new Map(profile.function.map((f) => [String(f.id), f]));
  const locations = new Map(profile.location.map((l) => [String(l.id), l]));
  const frame = (locationId: number | bigint): string[] => {
    const loc = locations.get(String(locationId));
    if (!loc) return [`#\t(unknown location ${String(locationId)})`];
    return loc.line.map((ln) => {
      const fn = functions.get(String(ln.functionId));
      const fnName = fn ? str(fn.name) || '(anonymous)' : '(unknown)';
      const file = fn ? str(fn.filename) : '';
      return `#\t${fnName}\t${file}${file ? `:${String(ln.line)}` : ''}`;
    });
  };

  const samples = [...profile.sample].sort((a, b) => value(b.value, spaceIdx) - value(a.value, spaceIdx));
  let objects = 0;
  let bytes = 0;
  for (const s of samples) {
    objects += value(s.value, objIdx);
    bytes += value(s.value, spaceIdx);
  }
  const out = [
    `${name} (Node.js in-use heap, sampled by V8 every ${String(profile.period)} bytes on average): ${objects} objects, ${bytes} bytes in ${samples.length} stacks`,
    '',
  ];
  for (const s of samples.slice(0, MAX_TEXT_STACKS)) {
    out.push(`${value(s.value, objIdx)}: ${value(s.value, spaceIdx)}`);
    for (const id of s.locationId) out.push(...frame(id));
    out.push('');
  }
  if (samples.length > MAX_TEXT_STACKS) out.push(`… ${samples.length - MAX_TEXT_STACKS} smaller stacks not shown`);
  return `${out.join('\n')}\n`;
}
