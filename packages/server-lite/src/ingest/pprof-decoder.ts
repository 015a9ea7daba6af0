import type { CodeOfKind } from '../error-codes.js';
import { LimitError } from '../errors.js';
import { type DecodedPprof, type FlatPprof, type ValueTypeText, toDecodedPprof } from './pprof-forms.js';
import { ProtobufReader, WIRE_LEN, WIRE_VARINT } from './protobuf-reader.js';

/** Bounds applied while decoding. */
export interface PprofDecodeLimits {
  readonly maxSamples: number;
  /** Bounds locations and functions, each. */
  readonly maxLocations: number;
  readonly maxStringBytes: number;
}

interface LocationRecord {
  readonly address: number;
  readonly functionIds: number[];
}

/**
 * Decodes the fields of a raw (not gzipped) pprof `Profile` that storage needs, in two passes
 * over the bytes: tables first (strings, functions, locations — which may come after the
 * samples), then samples. Much cheaper than a full decode: strings are sliced from the buffer
 * only when a function name or label uses them.
 *
 * Throws `UnprocessableError` `KPROF_INGEST_BAD_PPROF` for malformed bytes or dangling ids, and
 * `LimitError` `KPROF_INGEST_TOO_MANY_SAMPLES` / `KPROF_INGEST_TOO_MANY_LOCATIONS` /
 * `KPROF_INGEST_STRING_TOO_LONG` past `limits`.
 */
export function decodePprofFlat(buf: Buffer, limits: PprofDecodeLimits): FlatPprof {
  const r = new ProtobufReader(buf);
  const strStart: number[] = [];
  const strEnd: number[] = [];
  const sampleTypeRanges: number[] = [];
  const sampleRanges: number[] = [];
  let periodTypeRange: [number, number] | undefined;
  const functions = new Map<number, number>();
  const locations = new Map<number, LocationRecord>();
  let period = 0;
  let timeNanos = 0;
  let durationNanos = 0;

  while (r.pos < r.end) {
    const key = r.key();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === WIRE_LEN && (field === 1 || field === 2 || field === 4 || field === 5 || field === 6 || field === 11)) {
      const end = r.lengthEnd();
      const start = r.pos;
      switch (field) {
        case 1:
          sampleTypeRanges.push(start, end);
          break;
        case 2:
          if (sampleRanges.length / 2 >= limits.maxSamples) throw tooMany('samples', limits.maxSamples, 'ingest.max-samples', 'KPROF_INGEST_TOO_MANY_SAMPLES');
          sampleRanges.push(start, end);
          break;
        case 4:
          if (locations.size >= limits.maxLocations) throw tooMany('locations', limits.maxLocations, 'ingest.max-locations', 'KPROF_INGEST_TOO_MANY_LOCATIONS');
          readLocation(new ProtobufReader(buf, start, end), locations);
          break;
        case 5:
          if (functions.size >= limits.maxLocations) throw tooMany('functions', limits.maxLocations, 'ingest.max-locations', 'KPROF_INGEST_TOO_MANY_LOCATIONS');
          readFunction(new ProtobufReader(buf, start, end), functions);
          break;
        case 6:
          if (end - start > limits.maxStringBytes) {
            throw new LimitError(
              'KPROF_INGEST_STRING_TOO_LONG',
              `pprof string ${strStart.length} is ${end - start} bytes, over ingest.max-string-bytes (${limits.maxStringBytes}); raise it or send shorter names`,
            );
          }
          strStart.push(start);
          strEnd.push(end);
          break;
        default:
          periodTypeRange = [start, end];
      }
      r.pos = end;
    } else if (wire === WIRE_VARINT && (field === 9 || field === 10 || field === 12)) {
      const v = r.varint();
      if (field === 9) timeNanos = v;
      else if (field === 10) durationNanos = v;
      else period = v;
    } else {
      r.skip(wire);
    }
  }

  const strings = new Array<string | undefined>(strStart.length);
  const str = (i: number, what: string): string => {
    if (!Number.isInteger(i) || i < 0 || i >= strStart.length) throw r.error(`${what} refers to string ${i}, but the table has ${strStart.length}`);
    let s = strings[i];
    if (s === undefined) {
      s = buf.toString('utf8', strStart[i], strEnd[i]);
      strings[i] = s;
    }
    return s;
  };

  const sampleTypes: ValueTypeText[] = [];
  for (let i = 0; i < sampleTypeRanges.length; i += 2) {
    sampleTypes.push(readValueType(new ProtobufReader(buf, sampleTypeRanges[i], sampleTypeRanges[i + 1]), str));
  }
  const periodType = periodTypeRange === undefined ? undefined : readValueType(new ProtobufReader(buf, periodTypeRange[0], periodTypeRange[1]), str);

  // Each distinct name string is decoded once; locations refer to it by index.
  const names: string[] = [];
  const nameOfString = new Int32Array(strStart.length).fill(-1);
  const functionNames = new Map<number, number>();
  for (const [id, nameIdx] of functions) {
    str(nameIdx, `function ${id}`);
    let n = nameOfString[nameIdx]!;
    if (n < 0) {
      n = names.length;
      names.push(strings[nameIdx]!);
      nameOfString[nameIdx] = n;
    }
    functionNames.set(id, n);
  }
  const locationIndex = new Map<number, number>();
  const frameStart = new Int32Array(locations.size + 1);
  let frameNames = new Int32Array(Math.max(16, locations.size * 2));
  let frameCount = 0;
  for (const [id, loc] of locations) {
    const need = frameCount + Math.max(1, loc.functionIds.length);
    if (need > frameNames.length) frameNames = grow(frameNames, need);
    // pprof lists inlined frames callee first; the last line is the caller. Root first = reversed.
    for (let i = loc.functionIds.length - 1; i >= 0; i--) {
      const fid = loc.functionIds[i] as number;
      const name = functionNames.get(fid);
      if (name === undefined) throw r.error(`location ${id} refers to function ${fid}, which is not in the profile`);
      frameNames[frameCount++] = name;
    }
    if (loc.functionIds.length === 0) {
      frameNames[frameCount++] = names.length;
      names.push(`0x${loc.address.toString(16)}`);
    }
    frameStart[locationIndex.size + 1] = frameCount;
    locationIndex.set(id, locationIndex.size);
  }

  // Location ids are usually 1..n; then a typed array replaces the map on the hot path.
  let maxId = 0;
  for (const id of locationIndex.keys()) if (id > maxId) maxId = id;
  let dense: Int32Array | undefined;
  if (maxId <= 4 * locationIndex.size + 1024) {
    dense = new Int32Array(maxId + 1).fill(-1);
    for (const [id, idx] of locationIndex) dense[id] = idx;
  }
  const lookup = dense === undefined ? (id: number): number => locationIndex.get(id) ?? -1 : (id: number): number => (id >= 0 && id < dense.length ? dense[id]! : -1);

  const sampleCount = sampleRanges.length / 2;
  const out: SampleArrays = {
    stackStart: new Int32Array(sampleCount + 1),
    stackLocs: new Int32Array(Math.max(64, sampleCount * 16)),
    locCount: 0,
    values: new Float64Array(sampleCount * sampleTypes.length),
    labelSetOf: new Int32Array(sampleCount).fill(-1),
    labelSets: [],
    labelSetIndex: new Map(),
  };
  const sr = new ProtobufReader(buf);
  for (let i = 0; i < sampleCount; i++) {
    sr.pos = sampleRanges[2 * i]!;
    readSample(sr, sampleRanges[2 * i + 1]!, i, out, lookup, sampleTypes.length, str);
    out.stackStart[i + 1] = out.locCount;
  }
  return {
    sampleTypes,
    periodType,
    period,
    timeNanos,
    durationNanos,
    names,
    frameStart,
    // Copies, so each array owns its buffer exactly (they are transferred between threads).
    frameNames: frameNames.slice(0, frameCount),
    sampleCount,
    stackStart: out.stackStart,
    stackLocs: out.stackLocs.slice(0, out.locCount),
    values: out.values,
    labelSetOf: out.labelSetOf,
    labelSets: out.labelSets,
  };
}

/**
 * {@link decodePprofFlat} in object form — one object per sample, frames as strings per location
 * — for code that edits samples (deltas, sample-type selection). Same checks and errors.
 */
export function decodePprof(buf: Buffer, limits: PprofDecodeLimits): DecodedPprof {
  return toDecodedPprof(decodePprofFlat(buf, limits));
}

interface SampleArrays {
  readonly stackStart: Int32Array;
  stackLocs: Int32Array<ArrayBuffer>;
  locCount: number;
  readonly values: Float64Array;
  readonly labelSetOf: Int32Array;
  readonly labelSets: [string, string][][];
  /** Label sets by their string-table indices joined, to give repeats the same index. */
  readonly labelSetIndex: Map<string, number>;
}

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function readValueType(r: ProtobufReader, str: (i: number, what: string) => string): ValueTypeText {
  let type = 0;
  let unit = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === 8) type = r.varint();
    else if (key === 16) unit = r.varint();
    else r.skip(key & 7);
  }
  return { type: str(type, 'a value type'), unit: str(unit, 'a value type') };
}

function readFunction(r: ProtobufReader, out: Map<number, number>): void {
  let id = 0;
  let name = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === 8) id = r.varint();
    else if (key === 16) name = r.varint();
    else r.skip(key & 7);
  }
  if (id === 0) throw r.error('a function has id 0');
  out.set(id, name);
}

function readLocation(r: ProtobufReader, out: Map<number, LocationRecord>): void {
  let id = 0;
  let address = 0;
  const functionIds: number[] = [];
  while (r.pos < r.end) {
    const key = r.key();
    if (key === 8) id = r.varint();
    else if (key === 24) address = r.varint();
    else if (key === 34) {
      const end = r.lengthEnd();
      const line = new ProtobufReader(r.buf, r.pos, end);
      let fid = 0;
      while (line.pos < end) {
        const k = line.key();
        if (k === 8) fid = line.varint();
        else line.skip(k & 7);
      }
      if (fid !== 0) functionIds.push(fid);
      r.pos = end;
    } else r.skip(key & 7);
  }
  if (id === 0) throw r.error('a location has id 0');
  out.set(id, { address, functionIds });
}

function readSample(
  r: ProtobufReader,
  end: number,
  sample: number,
  out: SampleArrays,
  lookup: (id: number) => number,
  valueCount: number,
  str: (i: number, what: string) => string,
): void {
  let valuesSeen = 0;
  const valueBase = sample * valueCount;
  let labelKey: string | undefined;
  let labels: [string, string][] | undefined;
  while (r.pos < end) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 || field === 2) {
      // Packed (the norm) or a single unpacked value; read inline, no callback per value.
      const stop = wire === WIRE_LEN ? r.lengthEnd() : -1;
      if (wire !== WIRE_LEN && wire !== WIRE_VARINT) throw r.error(`repeated integer field has wire type ${wire} at offset ${r.pos}`);
      if (stop >= 0 && stop > end) throw r.error(`packed field overruns its sample at offset ${stop}`);
      do {
        const v = r.varint();
        if (field === 2) {
          if (valuesSeen < valueCount) out.values[valueBase + valuesSeen] = v;
          valuesSeen++;
        } else {
          const idx = lookup(v);
          if (idx < 0) throw r.error(`a sample refers to location ${v}, which is not in the profile`);
          if (out.locCount === out.stackLocs.length) out.stackLocs = grow(out.stackLocs, out.locCount + 1);
          out.stackLocs[out.locCount++] = idx;
        }
      } while (stop >= 0 && r.pos < stop);
      if (stop >= 0 && r.pos !== stop) throw r.error(`packed field overruns its length at offset ${stop}`);
    } else if (field === 3 && wire === WIRE_LEN) {
      const lend = r.lengthEnd();
      let k = 0;
      let v = 0;
      while (r.pos < lend) {
        const lk = r.key();
        if (lk === 8) k = r.varint();
        else if (lk === 16) v = r.varint();
        else r.skip(lk & 7);
      }
      if (r.pos !== lend) throw r.error(`label overruns its length at offset ${lend}`);
      // Numeric labels (str = 0) do not split series; Pyroscope ignores them too.
      if (v !== 0) {
        (labels ??= []).push([str(k, 'a label key'), str(v, 'a label value')]);
        labelKey = labelKey === undefined ? `${k},${v}` : `${labelKey};${k},${v}`;
      }
    } else {
      r.skip(wire);
    }
  }
  if (r.pos !== end) throw r.error(`sample overruns its length at offset ${end}`);
  if (valuesSeen !== valueCount) {
    throw r.error(`a sample has ${valuesSeen} values but the profile has ${valueCount} sample types`);
  }
  if (labelKey !== undefined && labels !== undefined) {
    let set = out.labelSetIndex.get(labelKey);
    if (set === undefined) {
      set = out.labelSets.length;
      out.labelSets.push(labels);
      out.labelSetIndex.set(labelKey, set);
    }
    out.labelSetOf[sample] = set;
  }
}

function tooMany(what: string, max: number, option: string, code: CodeOfKind<'LimitError'>): LimitError {
  return new LimitError(code, `profile has more than ${max} ${what}, over ${option} (${max}); raise it or send smaller profiles`);
}
