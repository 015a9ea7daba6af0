import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { ValidationError } from '../../errors.js';
import type { StackTree } from '../../model/stack-tree.js';

/** A pprof value type, e.g. `{ type: 'cpu', unit: 'nanoseconds' }`. */
export interface PprofValueType {
  readonly type: string;
  readonly unit: string;
}

/** Where a frame string came from, for {@link PprofExportOptions.describeFrame}. */
export interface FrameInfo {
  /** Function name shown by pprof. */
  readonly name: string;
  /** Source file; empty when unknown. */
  readonly filename?: string;
  /** Source line; 0 when unknown. */
  readonly line?: number;
}

/** Options for {@link buildPprofProfile}. */
export interface PprofExportOptions {
  /** The one sample type of the merged profile (Pyroscope's render exports one). */
  readonly sampleType: PprofValueType;
  /** Period type, e.g. `{ type: 'cpu', unit: 'nanoseconds' }`; omitted by default. */
  readonly periodType?: PprofValueType;
  /** Sampling period in `periodType` units; 0 by default. */
  readonly period?: number;
  /** Start of the merged range, unix ns; 0 by default. */
  readonly timeNanos?: bigint;
  /** Length of the merged range, ns; 0 by default. */
  readonly durationNanos?: bigint;
  /**
   * Splits a frame string into function name, file and line. Default: the whole frame is the
   * function name (what Pyroscope stores). {@link describeNodeFrame} reads `@pyroscope/nodejs`'
   * `<file>:<function>:<line>` names.
   */
  readonly describeFrame?: (frame: string) => FrameInfo;
}

/**
 * Builds a pprof `Profile` from a merged tree: one sample per call path with a non-zero self
 * value (locations leaf first, as pprof wants), one location and function per distinct frame,
 * no mappings (like Node.js profiles). Encode with `profile.encode()` (raw protobuf; gzip is the
 * caller's choice). `go tool pprof -raw`/`-traces` then report the tree's stacks and values.
 */
export function buildPprofProfile(tree: StackTree, opts: PprofExportOptions): Profile {
  const describe = opts.describeFrame ?? ((frame: string): FrameInfo => ({ name: frame }));
  const strings = new StringTable();
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const functionIds = new Map<string, number>();
  const locationIds = new Map<string, number>();

  const locationOf = (frame: string): number => {
    let id = locationIds.get(frame);
    if (id !== undefined) return id;
    const info = describe(frame);
    const filename = info.filename ?? '';
    const line = info.line ?? 0;
    if (!Number.isSafeInteger(line) || line < 0) {
      throw new ValidationError('KPROF_PPROF_BAD_FRAME', `frame ${JSON.stringify(frame)} has line ${line}; it must be a non-negative integer`);
    }
    const functionKey = `${info.name}\u0000${filename}`;
    let functionId = functionIds.get(functionKey);
    if (functionId === undefined) {
      functionId = functions.length + 1;
      functionIds.set(functionKey, functionId);
      const name = strings.dedup(info.name);
      functions.push(new PprofFunction({ id: functionId, name, systemName: name, filename: strings.dedup(filename) }));
    }
    id = locations.length + 1;
    locationIds.set(frame, id);
    locations.push(new Location({ id, line: [new Line({ functionId, line })] }));
    return id;
  };

  const samples: Sample[] = [];
  for (const { frames, value } of tree.stacks()) {
    const locationId: number[] = new Array<number>(frames.length);
    for (let i = 0; i < frames.length; i++) locationId[frames.length - 1 - i] = locationOf(frames[i] as string);
    samples.push(new Sample({ locationId, value: [value] }));
  }

  const sampleType = new ValueType({ type: strings.dedup(opts.sampleType.type), unit: strings.dedup(opts.sampleType.unit) });
  const periodType =
    opts.periodType === undefined
      ? undefined
      : new ValueType({ type: strings.dedup(opts.periodType.type), unit: strings.dedup(opts.periodType.unit) });
  return new Profile({
    sampleType: [sampleType],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    ...(periodType === undefined ? {} : { periodType }),
    period: opts.period ?? 0,
    timeNanos: opts.timeNanos ?? 0n,
    durationNanos: opts.durationNanos ?? 0n,
  });
}

/**
 * Reads a `@pyroscope/nodejs` frame name `<file>:<function>:<line>` (the file may itself hold
 * colons, e.g. `node:internal/timers`); anything else is returned as a bare function name.
 */
export function describeNodeFrame(frame: string): FrameInfo {
  const m = /^(.*):([^:]*):(\d+)$/.exec(frame);
  if (m === null) return { name: frame };
  const line = Number(m[3]);
  if (!Number.isSafeInteger(line)) return { name: frame };
  return { name: m[2] === '' ? '(anonymous)' : (m[2] as string), filename: m[1] as string, line };
}
