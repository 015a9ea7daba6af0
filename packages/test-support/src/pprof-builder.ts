// Real pprof profiles for tests, built with pprof-format: one builder for every shape the tests
// need (CPU, wall, heap; labels; inlined frames; files and lines), plus the Go-shaped presets.
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { gzipSync } from 'node:zlib';

/** A frame: a function name, or a name with its file and line. */
export type FrameSpec = string | { readonly name: string; readonly file?: string; readonly line?: number };

/** A stack entry: one frame, or one location holding inlined frames (innermost first, as pprof's Line list). */
export type LocationSpec = FrameSpec | readonly FrameSpec[];

/** Options of {@link ProfileBuilder}. */
export interface ProfileBuilderOptions {
  /** The profile's `time_nanos`, in unix ms. Default: unset (0). */
  timeMs?: number;
  /** The profile's `duration_nanos`, in ms. Default: unset (0). */
  durationMs?: number;
  /** File of frames given by name only. Default: none (string 0). */
  file?: string;
  /** Line of frames given without one. Default 0 (unknown). */
  line?: number;
}

/**
 * Builds a pprof profile sample by sample, as Pyroscope's test-data ProfileBuilder does:
 *
 * ```ts
 * const bytes = new ProfileBuilder({ timeMs: Date.now() })
 *   .sampleType('cpu', 'nanoseconds').period('cpu', 'nanoseconds', 10_000_000)
 *   .sample(['handleA', 'main'], [30], { labels: { route: '/a' } })
 *   .encode();
 * ```
 *
 * Stacks are leaf first. Functions are shared by name and file, locations by their frames, strings
 * by value; ids count from 1 in the order first seen walking each stack from its root.
 */
export class ProfileBuilder {
  readonly #strings = new StringTable();
  readonly #sampleTypes: ValueType[] = [];
  readonly #samples: Sample[] = [];
  readonly #functions = new Map<string, PprofFunction>();
  readonly #locations = new Map<string, Location>();
  readonly #comments: number[] = [];
  #periodType: ValueType | undefined;
  #period = 0;

  constructor(private readonly options: ProfileBuilderOptions = {}) {}

  /** Appends a sample type (a value column), e.g. `('alloc_space', 'bytes')`. */
  sampleType(type: string, unit: string): this {
    this.#sampleTypes.push(this.#valueType(type, unit));
    return this;
  }

  /** Sets `period_type` and `period`, e.g. `('cpu', 'nanoseconds', 10_000_000)` for 100 Hz. */
  period(type: string, unit: string, period: number): this {
    this.#periodType = this.#valueType(type, unit);
    this.#period = period;
    return this;
  }

  /**
   * Adds a sample: `stack` leaf first (may be empty), one value per sample type (negative allowed:
   * int64), and labels (a number is a numeric label).
   */
  sample(stack: readonly LocationSpec[], values: readonly number[], { labels = {} }: { labels?: Readonly<Record<string, string | number>> } = {}): this {
    const locationIds = [...stack].reverse().map((loc) => this.#location(loc)).reverse();
    const label = Object.entries(labels).map(([key, v]) =>
      typeof v === 'number' ? new Label({ key: this.#strings.dedup(key), num: v }) : new Label({ key: this.#strings.dedup(key), str: this.#strings.dedup(v) }));
    this.#samples.push(new Sample({ locationId: locationIds, value: [...values], label }));
    return this;
  }

  /** Adds a comment string (e.g. incompressible padding that sets the encoded size). */
  comment(text: string): this {
    this.#comments.push(this.#strings.dedup(text));
    return this;
  }

  /** The profile as pprof-format's object. */
  build(): Profile {
    return new Profile({
      sampleType: this.#sampleTypes,
      sample: this.#samples,
      location: [...this.#locations.values()],
      function: [...this.#functions.values()],
      stringTable: this.#strings,
      comment: this.#comments,
      ...(this.#periodType ? { periodType: this.#periodType, period: this.#period } : {}),
      ...(this.options.timeMs !== undefined ? { timeNanos: BigInt(this.options.timeMs) * 1_000_000n } : {}),
      ...(this.options.durationMs !== undefined ? { durationNanos: BigInt(this.options.durationMs) * 1_000_000n } : {}),
    });
  }

  /** The encoded profile (protobuf, not gzipped), as Go's `debug=0` body before gzip. */
  encode(): Uint8Array {
    return this.build().encode();
  }

  /** The encoded profile gzipped, as `/debug/pprof/*` and pushes send it. */
  encodeGzipped(): Buffer {
    return gzipSync(this.encode());
  }

  #valueType(type: string, unit: string): ValueType {
    return new ValueType({ type: this.#strings.dedup(type), unit: this.#strings.dedup(unit) });
  }

  #frame(spec: FrameSpec): { name: string; file: string | undefined; line: number } {
    if (typeof spec === 'string') return { name: spec, file: this.options.file, line: this.options.line ?? 0 };
    return { name: spec.name, file: spec.file ?? this.options.file, line: spec.line ?? this.options.line ?? 0 };
  }

  #function(name: string, file: string | undefined): PprofFunction {
    const key = `${name}\0${file ?? ''}`;
    let fn = this.#functions.get(key);
    if (fn === undefined) {
      const nameId = this.#strings.dedup(name);
      fn = new PprofFunction({ id: this.#functions.size + 1, name: nameId, systemName: nameId, ...(file !== undefined ? { filename: this.#strings.dedup(file) } : {}) });
      this.#functions.set(key, fn);
    }
    return fn;
  }

  #location(spec: LocationSpec): number {
    const frames = (Array.isArray(spec) ? spec : [spec]).map((f: FrameSpec) => this.#frame(f));
    const key = JSON.stringify(frames);
    let loc = this.#locations.get(key);
    if (loc === undefined) {
      // Inlined frames: register the outermost function first, so ids grow from the root.
      const lines = [...frames].reverse().map((f) => new Line({ functionId: this.#function(f.name, f.file).id, line: f.line })).reverse();
      loc = new Location({ id: this.#locations.size + 1, line: lines });
      this.#locations.set(key, loc);
    }
    return Number(loc.id);
  }
}

/** Values of one Go heap sample: alloc_objects, alloc_space, inuse_objects, inuse_space. */
export type GoHeapValues = readonly [number, number, number, number];

/**
 * A builder set up as Go's heap profile: sample types alloc_objects/count, alloc_space/bytes,
 * inuse_objects/count, inuse_space/bytes; period space/bytes 524288 (512 KiB); frames in
 * `main.go` at line 1 unless given.
 */
export function goHeapProfile(options: ProfileBuilderOptions = {}): ProfileBuilder {
  return new ProfileBuilder({ file: 'main.go', line: 1, ...options })
    .sampleType('alloc_objects', 'count').sampleType('alloc_space', 'bytes')
    .sampleType('inuse_objects', 'count').sampleType('inuse_space', 'bytes')
    .period('space', 'bytes', 524_288);
}

/**
 * A builder set up as Go's CPU profile: sample types samples/count and cpu/nanoseconds, period
 * cpu/nanoseconds 10,000,000 (100 Hz); frames in `main.go` at line 1 unless given.
 */
export function goCpuProfile(options: ProfileBuilderOptions = {}): ProfileBuilder {
  return new ProfileBuilder({ file: 'main.go', line: 1, ...options })
    .sampleType('samples', 'count').sampleType('cpu', 'nanoseconds')
    .period('cpu', 'nanoseconds', 10_000_000);
}

/**
 * A Go heap profile with one stack main.main → main.alloc whose values are `values`, cumulative as
 * a Go process reports them, at `timeMs`; encoded, not gzipped.
 */
export function goHeapPprof(values: GoHeapValues, timeMs: number): Uint8Array {
  return goHeapPprofStacks([{ leaf: 'main.alloc', values }], timeMs);
}

/** As {@link goHeapPprof}, with one stack main.main → `leaf` per entry of `stacks` (leaves distinct). */
export function goHeapPprofStacks(stacks: ReadonlyArray<{ readonly leaf: string; readonly values: GoHeapValues }>, timeMs: number): Uint8Array {
  const b = goHeapProfile({ timeMs });
  for (const s of stacks) b.sample([s.leaf, 'main.main'], s.values);
  return b.encode();
}
