import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { ValidationError } from '../errors.js';

type Numeric = number | bigint;

function addNumeric(a: Numeric, b: Numeric): Numeric {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum) || !Number.isInteger(sum)) return sum;
  }
  return BigInt(a) + BigInt(b);
}

function isZero(v: Numeric): boolean {
  return v === 0 || v === 0n;
}

function maxNumeric(a: Numeric, b: Numeric): Numeric {
  return BigInt(a) >= BigInt(b) ? a : b;
}

function describeTypes(p: Profile): string {
  const s = p.stringTable.strings;
  return p.sampleType.map((t) => `${s[Number(t.type)] ?? '?'}/${s[Number(t.unit)] ?? '?'}`).join(',');
}

/**
 * Merges profiles of the same kind into one, as `go tool pprof` does when given several files: sample values of equal
 * (location stack, label set) pairs are summed, functions/locations/mappings are de-duplicated by content, the string
 * table is rebuilt. Header: time = earliest non-zero start, duration = sum, period = largest, period type, comments
 * and default sample type from the first profile. Samples whose values are all zero are dropped (they add nothing to
 * any view). Inputs are not modified.
 * @throws ValidationError `KPROF_MERGE_INCOMPATIBLE` when the sample types differ.
 */
export function mergeProfiles(profiles: readonly Profile[]): Profile {
  const first = profiles[0];
  if (first === undefined) throw new ValidationError('KPROF_MERGE_INCOMPATIBLE', 'mergeProfiles needs at least one profile');
  const types = describeTypes(first);
  for (const p of profiles) {
    const t = describeTypes(p);
    if (t !== types) {
      throw new ValidationError('KPROF_MERGE_INCOMPATIBLE', `cannot merge profiles with sample types [${t}] and [${types}]`);
    }
  }

  const table = new StringTable();
  const str = (src: Profile, idx: Numeric): number => table.dedup(src.stringTable.strings[Number(idx)] ?? '');
  const optStr = (src: Profile, idx: Numeric): number => (isZero(idx) ? 0 : str(src, idx));

  const mappings: Mapping[] = [];
  const mappingIds = new Map<string, number>();
  const functions: PprofFunction[] = [];
  const functionIds = new Map<string, number>();
  const locations: Location[] = [];
  const locationIds = new Map<string, number>();
  const samples = new Map<string, Sample>();
  const comments = new Set<number>();

  let timeNanos: Numeric = 0;
  let durationNanos: Numeric = 0;
  let period: Numeric = 0;

  for (const src of profiles) {
    if (!isZero(src.timeNanos) && (isZero(timeNanos) || BigInt(src.timeNanos) < BigInt(timeNanos))) timeNanos = src.timeNanos;
    durationNanos = addNumeric(durationNanos, src.durationNanos);
    period = maxNumeric(period, src.period);
    for (const c of src.comment) comments.add(str(src, c));

    const mappingMap = new Map<string, number>();
    for (const m of src.mapping) {
      const fields = {
        memoryStart: m.memoryStart, memoryLimit: m.memoryLimit, fileOffset: m.fileOffset,
        filename: optStr(src, m.filename), buildId: optStr(src, m.buildId),
        hasFunctions: m.hasFunctions, hasFilenames: m.hasFilenames, hasLineNumbers: m.hasLineNumbers, hasInlineFrames: m.hasInlineFrames,
      };
      const key = JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      let id = mappingIds.get(key);
      if (id === undefined) {
        id = mappings.length + 1;
        mappingIds.set(key, id);
        mappings.push(new Mapping({ id, ...fields }));
      }
      mappingMap.set(String(m.id), id);
    }

    const functionMap = new Map<string, number>();
    for (const f of src.function) {
      const name = optStr(src, f.name);
      const systemName = optStr(src, f.systemName);
      const filename = optStr(src, f.filename);
      const key = `${name}|${systemName}|${filename}|${f.startLine}`;
      let id = functionIds.get(key);
      if (id === undefined) {
        id = functions.length + 1;
        functionIds.set(key, id);
        functions.push(new PprofFunction({ id, name, systemName, filename, startLine: f.startLine }));
      }
      functionMap.set(String(f.id), id);
    }

    const locationMap = new Map<string, number>();
    for (const loc of src.location) {
      const mappingId = isZero(loc.mappingId) ? 0 : (mappingMap.get(String(loc.mappingId)) ?? 0);
      const lines = loc.line.map((l) => ({ functionId: functionMap.get(String(l.functionId)) ?? 0, line: l.line, column: l.column }));
      const key = `${mappingId}|${loc.address}|${loc.isFolded ? 1 : 0}|${lines.map((l) => `${l.functionId}:${l.line}:${l.column}`).join(';')}`;
      let id = locationIds.get(key);
      if (id === undefined) {
        id = locations.length + 1;
        locationIds.set(key, id);
        locations.push(new Location({ id, mappingId, address: loc.address, isFolded: loc.isFolded, line: lines.map((l) => new Line(l)) }));
      }
      locationMap.set(String(loc.id), id);
    }

    for (const s of src.sample) {
      if (s.value.every(isZero)) continue;
      const stack = s.locationId.map((id) => locationMap.get(String(id)) ?? 0);
      const labels = s.label
        .map((l) => ({ key: str(src, l.key), str: optStr(src, l.str), num: l.num, numUnit: optStr(src, l.numUnit) }))
        .sort((a, b) => a.key - b.key || a.str - b.str || Number(BigInt(a.num) - BigInt(b.num)));
      const key = `${stack.join(',')}|${labels.map((l) => `${l.key}=${l.str}:${l.num}:${l.numUnit}`).join(',')}`;
      const existing = samples.get(key);
      if (existing) {
        existing.value = existing.value.map((v, i) => addNumeric(v, s.value[i] ?? 0));
      } else {
        samples.set(key, new Sample({ locationId: stack, value: [...s.value], label: labels.map((l) => new Label(l)) }));
      }
    }
  }

  const copyType = (t: ValueType | undefined): ValueType | undefined =>
    t === undefined ? undefined : new ValueType({ type: str(first, t.type), unit: str(first, t.unit) });
  return new Profile({
    sampleType: first.sampleType.map((t) => copyType(t) as ValueType),
    sample: [...samples.values()],
    mapping: mappings,
    location: locations,
    function: functions,
    stringTable: table,
    dropFrames: optStr(first, first.dropFrames),
    keepFrames: optStr(first, first.keepFrames),
    timeNanos,
    durationNanos,
    periodType: copyType(first.periodType),
    period,
    comment: [...comments],
    defaultSampleType: optStr(first, first.defaultSampleType),
    docUrl: optStr(first, first.docUrl),
  });
}
