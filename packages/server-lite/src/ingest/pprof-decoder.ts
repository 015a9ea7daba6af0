import { growInt32 } from '../model/grow-array.js';
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

// Locations as read, in parallel arrays (no object per location): id, address, and function ids
// of their lines `functionIds[fnStart[i] .. fnStart[i + 1])`, callee first as pprof lists them.
interface LocationTable {
  readonly ids: number[];
  readonly addresses: number[];
  readonly fnStart: number[];
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
  // Function ids and their name string indices, in parallel.
  const functionIds: number[] = [];
  const functionNameIdx: number[] = [];
  const locations: LocationTable = { ids: [], addresses: [], fnStart: [0], functionIds: [] };
  let period = 0;
  let timeNanos = 0;
  let durationNanos = 0;

  // One reader each for the locations and functions, re-pointed at every message.
  const locationReader = new ProtobufReader(buf);
  const functionReader = new ProtobufReader(buf);
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
          if (locations.ids.length >= limits.maxLocations) throw tooMany('locations', limits.maxLocations, 'ingest.max-locations', 'KPROF_INGEST_TOO_MANY_LOCATIONS');
          readLocation(locationReader.at(start, end), locations);
          break;
        case 5:
          if (functionIds.length >= limits.maxLocations) throw tooMany('functions', limits.maxLocations, 'ingest.max-locations', 'KPROF_INGEST_TOO_MANY_LOCATIONS');
          readFunction(functionReader.at(start, end), functionIds, functionNameIdx);
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

  // Each distinct name string is decoded once; locations refer to it by index. A later function
  // or location with the same id replaces the earlier one.
  const names: string[] = [];
  const nameOfString = new Int32Array(strStart.length).fill(-1);
  const functionName = new IdIndex(functionIds);
  const fnNames = new Int32Array(functionIds.length);
  for (let i = 0; i < functionIds.length; i++) {
    const nameIdx = functionNameIdx[i]!;
    str(nameIdx, `function ${functionIds[i]}`);
    let n = nameOfString[nameIdx]!;
    if (n < 0) {
      n = names.length;
      names.push(strings[nameIdx]!);
      nameOfString[nameIdx] = n;
    }
    fnNames[i] = n;
  }
  const locationCount = locations.ids.length;
  const frameStart = new Int32Array(locationCount + 1);
  let frameNames = new Int32Array(Math.max(16, locationCount * 2));
  let frameCount = 0;
  const { fnStart, functionIds: locFunctions } = locations;
  for (let l = 0; l < locationCount; l++) {
    const first = fnStart[l]!;
    const end = fnStart[l + 1]!;
    const need = frameCount + Math.max(1, end - first);
    if (need > frameNames.length) frameNames = growInt32(frameNames, need);
    // pprof lists inlined frames callee first; the last line is the caller. Root first = reversed.
    for (let i = end - 1; i >= first; i--) {
      const fid = locFunctions[i]!;
      const f = functionName.get(fid);
      if (f < 0) throw r.error(`location ${locations.ids[l]} refers to function ${fid}, which is not in the profile`);
      frameNames[frameCount++] = fnNames[f]!;
    }
    if (end === first) {
      frameNames[frameCount++] = names.length;
      names.push(`0x${locations.addresses[l]!.toString(16)}`);
    }
    frameStart[l + 1] = frameCount;
  }
  const locationIndex = new IdIndex(locations.ids);

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
    readSample(sr, sampleRanges[2 * i + 1]!, i, out, locationIndex, sampleTypes.length, str);
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
  /** Label sets by their string-table indices (one pair packed in a number, more joined in a string), to give repeats the same index. */
  readonly labelSetIndex: Map<number | string, number>;
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

function readFunction(r: ProtobufReader, ids: number[], nameIdx: number[]): void {
  let id = 0;
  let name = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === 8) id = r.varint();
    else if (key === 16) name = r.varint();
    else r.skip(key & 7);
  }
  if (id === 0) throw r.error('a function has id 0');
  ids.push(id);
  nameIdx.push(name);
}

function readLocation(r: ProtobufReader, out: LocationTable): void {
  let id = 0;
  let address = 0;
  const { functionIds } = out;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === 8) id = r.varint();
    else if (key === 24) address = r.varint();
    else if (key === 34) {
      const end = r.lengthEnd();
      let fid = 0;
      while (r.pos < end) {
        const k = r.key();
        if (k === 8) fid = r.varint();
        else r.skip(k & 7);
      }
      if (r.pos !== end) throw r.error(`line overruns its length at offset ${end}`);
      if (fid !== 0) functionIds.push(fid);
    } else r.skip(key & 7);
  }
  if (id === 0) throw r.error('a location has id 0');
  out.ids.push(id);
  out.addresses.push(address);
  out.fnStart.push(functionIds.length);
}

function readSample(
  r: ProtobufReader,
  end: number,
  sample: number,
  out: SampleArrays,
  locationIndex: IdIndex,
  valueCount: number,
  str: (i: number, what: string) => string,
): void {
  let valuesSeen = 0;
  const valueBase = sample * valueCount;
  let labelKey: number | string | undefined;
  let labels: [string, string][] | undefined;
  while (r.pos < end) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE_LEN) {
      const stop = r.lengthEnd();
      if (stop > end) throw r.error(`packed field overruns its sample at offset ${stop}`);
      readLocationIds(r, stop, out, locationIndex);
    } else if (field === 1 || field === 2) {
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
          const idx = locationIndex.get(v);
          if (idx < 0) throw r.error(`a sample refers to location ${v}, which is not in the profile`);
          if (out.locCount === out.stackLocs.length) out.stackLocs = growInt32(out.stackLocs, out.locCount + 1);
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
        // One pair of small string indices (the norm) packs exactly into a number; otherwise the
        // pairs join into a string.
        labelKey = labelKey === undefined && k < PAIR_SLOT && v < PAIR_SLOT ? k * PAIR_SLOT + v : `${labelKey ?? ''};${k},${v}`;
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

/**
 * A sample's packed location ids, `[r.pos, stop)`, appended to `out.stackLocs` as location
 * indices: the hot loop of a decode (one id per frame of every sample), so ids of one or two bytes
 * (below 16,384: the norm) are read inline and the rest through the reader.
 */
function readLocationIds(r: ProtobufReader, stop: number, out: SampleArrays, index: IdIndex): void {
  const buf = r.buf;
  let pos = r.pos;
  // A packed field of n bytes holds at most n ids.
  if (out.locCount + (stop - pos) > out.stackLocs.length) out.stackLocs = growInt32(out.stackLocs, out.locCount + (stop - pos));
  const locs = out.stackLocs;
  let n = out.locCount;
  const dense = index.dense;
  while (pos < stop) {
    const b = buf[pos]!;
    let id: number;
    if (b < 0x80) {
      id = b;
      pos++;
    } else if (pos + 1 < stop && buf[pos + 1]! < 0x80) {
      id = (b & 0x7f) | (buf[pos + 1]! << 7);
      pos += 2;
    } else {
      r.pos = pos;
      id = r.varint();
      pos = r.pos;
    }
    const idx = dense !== undefined ? (id < dense.length ? dense[id]! : -1) : index.get(id);
    if (idx < 0) throw r.error(`a sample refers to location ${id}, which is not in the profile`);
    locs[n++] = idx;
  }
  if (pos !== stop) throw r.error(`packed field overruns its length at offset ${stop}`);
  r.pos = pos;
  out.locCount = n;
}

const PAIR_SLOT = 2 ** 26;

/**
 * Position of each id in `ids` (the last one for a repeated id): a typed array indexed by id when
 * ids are small (the norm: 1..n), else a map.
 */
class IdIndex {
  /** Position by id when ids are small, else undefined. */
  readonly dense: Int32Array | undefined;
  readonly #map: Map<number, number> | undefined;

  constructor(ids: readonly number[]) {
    let max = 0;
    for (const id of ids) if (id > max) max = id;
    if (max <= 4 * ids.length + 1024) {
      const dense = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) dense[ids[i]!] = i;
      this.dense = dense;
    } else {
      this.#map = new Map();
      for (let i = 0; i < ids.length; i++) this.#map.set(ids[i]!, i);
    }
  }

  /** Position of `id`, or -1 when absent. */
  get(id: number): number {
    const dense = this.dense;
    if (dense !== undefined) return id >= 0 && id < dense.length ? dense[id]! : -1;
    return this.#map!.get(id) ?? -1;
  }
}

function tooMany(what: string, max: number, option: string, code: CodeOfKind<'LimitError'>): LimitError {
  return new LimitError(code, `profile has more than ${max} ${what}, over ${option} (${max}); raise it or send smaller profiles`);
}
