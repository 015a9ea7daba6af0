import { runGoToolPprof } from '@kprof/test-support';

/** What `go tool pprof -raw` prints: samples (values, location ids leaf first) and each location's frames. */
export interface PprofRaw {
  readonly samples: { values: number[]; locs: string[] }[];
  /** Frames of a location, the leaf (innermost inlined callee) first, as pprof's Line list. */
  readonly locations: Map<string, string[]>;
}

/**
 * Runs `go tool pprof -raw <args>` (e.g. `[file]` or `['-base', prev, cur]`). `home` becomes HOME
 * because `go tool pprof` writes fetched profiles under `$HOME/pprof` (default: a temp dir).
 */
export async function goPprofRaw(args: readonly string[], home?: string): Promise<PprofRaw> {
  const r = await runGoToolPprof(['-raw', ...args], home === undefined ? {} : { home });
  if (r.code !== 0) throw new Error(`go tool pprof -raw ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}`);
  return parsePprofRaw(r.stdout);
}

// Location lines are `id: address [M=n] name file:line s=n`, inlined frames follow on indented
// `name file:line s=n` lines. Node function names may contain spaces ("Garbage Collection"), so a
// name is everything before the last ` file:line s=n`.
const LOCATION_HEAD = /^\s*(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(.*) \S*:\d+ s=\d+$/;
const INLINED_FRAME = /^\s{10,}(\S.*) \S*:\d+ s=\d+$/;
const SAMPLE = /^\s*(-?\d+(?:\s+-?\d+)*):\s*([\d\s]*)$/;

/** Parses `go tool pprof -raw` output. */
export function parsePprofRaw(stdout: string): PprofRaw {
  const samples: { values: number[]; locs: string[] }[] = [];
  const locations = new Map<string, string[]>();
  let section = '';
  let last: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line === 'Samples:' || line === 'Locations' || line === 'Mappings') {
      section = line;
      continue;
    }
    if (section === 'Samples:') {
      const m = SAMPLE.exec(line);
      if (m !== null) samples.push({ values: m[1]!.trim().split(/\s+/).map(Number), locs: m[2]!.trim().split(/\s+/).filter(Boolean) });
    } else if (section === 'Locations') {
      const head = LOCATION_HEAD.exec(line);
      if (head !== null) locations.set(head[1]!, (last = [head[2]!]));
      else {
        const inlined = INLINED_FRAME.exec(line);
        if (inlined !== null && last !== undefined) last.push(inlined[1]!);
      }
    }
  }
  return { samples, locations };
}

/**
 * Sums of sample type `valueIndex` per stack (root-first frame names joined by `;`), keeping the
 * stacks whose sum is positive — what a server stores for the same profile.
 */
export function rawStackTotals(raw: PprofRaw, valueIndex: number, into = new Map<string, number>()): Map<string, number> {
  for (const s of raw.samples) {
    const frames: string[] = [];
    for (let i = s.locs.length - 1; i >= 0; i--) {
      const loc = raw.locations.get(s.locs[i]!) ?? [];
      for (let j = loc.length - 1; j >= 0; j--) frames.push(loc[j]!);
    }
    const key = frames.join(';');
    into.set(key, (into.get(key) ?? 0) + s.values[valueIndex]!);
  }
  for (const [k, v] of into) if (!(v > 0)) into.delete(k);
  return into;
}
