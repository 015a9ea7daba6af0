import type { IngestProfile, SeriesSamples } from '../model/ingest-profile.js';
import { hashProfile } from '../model/stack-hash.js';
import { packBlob } from './blob-packing.js';
import { encodeColumns, encodeMoreTotals, INLINE_TOTALS } from './column-blob.js';
import { type CatalogChanges, type SeriesCatalog, labelsKey } from './series-catalog.js';
import type { StackInterner } from './stack-interner.js';

// A row to insert: group id, start, end, the totals of columns 0–3 (null past the row's width),
// the further columns' totals, samples.
export type ProfileRow = [number, number, number, number, number | null, number | null, number | null, Buffer | null, Buffer];

// Packing factor for (stack id, sample index) sort keys; see #encodeGroup.
const SAMPLE_SLOT = 2 ** 26;

/**
 * Encodes one profile into rows, one per label set (its sample types as columns): interns its
 * stacks in `interner`, finds or creates its series and row groups in `catalog` (new ones noted
 * in `changes`), sums samples per stack, and appends the rows to `rows`.
 */
export function encodeProfileRows(p: IngestProfile, interner: StackInterner, catalog: SeriesCatalog, changes: CatalogChanges, rows: ProfileRow[]): void {
  const resolve = stackResolver(p, interner);
  // Stack ids are resolved lazily: a sample used by no series costs nothing.
  const stackIds = new Int32Array(p.stackStart.length - 1).fill(-1);
  const stackOf = (si: number): number => {
    let id = stackIds[si]!;
    if (id < 0) stackIds[si] = id = resolve(si);
    return id;
  };
  // The series of one label set come from the same samples: they share one row (a column each).
  const byLabels = new Map<string, { seriesId: number; samples: SeriesSamples }[]>();
  // Builders share one labels object among a label set's types: stringify each object once.
  const keyOf = new Map<Readonly<Record<string, string>>, string>();
  for (const s of p.series) {
    let labels = keyOf.get(s.series.labels);
    if (labels === undefined) keyOf.set(s.series.labels, (labels = labelsKey(s.series.labels)));
    const column = { seriesId: catalog.seriesId(s.series, labels, changes), samples: s };
    const list = byLabels.get(labels);
    if (list === undefined) byLabels.set(labels, [column]);
    else list.push(column);
  }
  const scratch = new Float64Array(p.stackStart.length - 1);
  for (const columns of byLabels.values()) {
    // Columns in series id order, so a label set's group is the same whatever order the
    // types came in. The same series twice (two sample types named alike) gets a second row.
    columns.sort((a, b) => a.seriesId - b.seriesId);
    let rest = columns;
    while (rest.length > 0) {
      const take: typeof columns = [];
      const later: typeof columns = [];
      for (const c of rest) (take.length > 0 && take[take.length - 1]!.seriesId === c.seriesId ? later : take).push(c);
      const groupId = catalog.groupId(take.map((c) => c.seriesId), changes);
      rows.push(encodeGroup(take.map((c) => c.samples), stackOf, scratch, p.startMs, p.endMs, groupId));
      rest = later;
    }
  }
}

/**
 * One row: the columns' samples summed per stack id, stack ids ascending. The samples any column
 * uses are sorted by stack id once for the whole row (one sort, not one per column); each column
 * then reads its values in that order through `scratch` (one slot per sample, left zeroed).
 */
function encodeGroup(columns: readonly SeriesSamples[], stackOf: (si: number) => number, scratch: Float64Array, startMs: number, endMs: number, groupId: number): ProfileRow {
  let samples: Int32Array;
  if (columns.length === 1) samples = columns[0]!.sampleIndices;
  else {
    // The union of the columns' samples (each sample once).
    const seen = new Uint8Array(scratch.length);
    const union: number[] = [];
    for (const c of columns) {
      for (const si of c.sampleIndices) {
        if (seen[si] === 0) {
          seen[si] = 1;
          union.push(si);
        }
      }
    }
    samples = Int32Array.from(union);
  }
  // Sort (stack id, sample index) pairs packed in one float: a native numeric sort, no per-pair
  // objects. Stack ids stay below 2^25 and sample indices below 2^26, so keys are exact.
  const keys = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) keys[i] = stackOf(samples[i]!) * SAMPLE_SLOT + samples[i]!;
  keys.sort();
  const ids: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const id = Math.floor(keys[i]! / SAMPLE_SLOT);
    if (ids.length === 0 || ids[ids.length - 1] !== id) ids.push(id);
  }
  const totals: number[] = [];
  const values = columns.map((c) => {
    for (let i = 0; i < c.sampleIndices.length; i++) scratch[c.sampleIndices[i]!]! += c.values[i]!;
    const out = new Float64Array(ids.length);
    let total = 0;
    for (let i = 0, j = -1, last = -1; i < keys.length; i++) {
      const k = keys[i]!;
      const id = Math.floor(k / SAMPLE_SLOT);
      const si = k - id * SAMPLE_SLOT;
      if (id !== last) {
        j++;
        last = id;
      }
      out[j]! += scratch[si]!;
      total += scratch[si]!;
      scratch[si] = 0;
    }
    totals.push(total);
    return out;
  });
  const inline = (c: number): number | null => (c < INLINE_TOTALS && c < totals.length ? totals[c]! : null);
  const more = columns.length === 1 ? null : encodeMoreTotals(totals);
  return [groupId, startMs, endMs, totals[0]!, inline(1), inline(2), inline(3), more, packBlob(encodeColumns(ids, values))];
}

/**
 * Stack id of each of `p`'s stacks in `interner`, interning what is new: first by the stack's
 * content hash (computed by the decode worker; here when absent), one lookup for the whole path;
 * else frame by frame from the root. Each of the profile's names is looked up once, not once per
 * frame, and interned only when a stored stack uses it: a name of no stored sample never enters
 * the block.
 */
function stackResolver(p: IngestProfile, interner: StackInterner): (si: number) => number {
  const { frameStart, frameNames, stackStart, stackLocs } = p;
  const { names: nameHashes, stacks: hashes } = p.hashes ?? hashProfile(p);
  const nameIds = new Int32Array(p.names.length).fill(-1);
  const nameIdOf = (i: number): number => {
    let id = nameIds[i]!;
    if (id < 0) nameIds[i] = id = interner.nameId(p.names[i]!);
    return id;
  };
  // Consecutive samples share their root-side locations, so a one-entry cache per location
  // (last parent stack → resulting stack) skips most of the walk's lookups.
  const locationCount = frameStart.length - 1;
  const lastParent = new Int32Array(locationCount).fill(-1);
  const lastChild = new Int32Array(locationCount);
  return (si) => {
    const first = stackStart[si]!;
    const end = stackStart[si + 1]!;
    if (first === end) return 0;
    const leaf = frameNames[frameStart[stackLocs[first]! + 1]! - 1]!;
    let id = interner.findStack(hashes[2 * si]!, hashes[2 * si + 1]!, nameHashes.h1[leaf]!, nameHashes.h2[leaf]!);
    if (id >= 0) return id;
    id = 0;
    for (let i = end - 1; i >= first; i--) {
      const li = stackLocs[i]!;
      if (lastParent[li] === id) {
        id = lastChild[li]!;
        continue;
      }
      const parent = id;
      for (let j = frameStart[li]!; j < frameStart[li + 1]!; j++) id = interner.child(id, nameIdOf(frameNames[j]!));
      lastParent[li] = parent;
      lastChild[li] = id;
    }
    return id;
  };
}

/** Names and stack nodes a profile adds to a block. */
export interface NewSymbols {
  names: number;
  stacks: number;
}

// Calls `each(sample)` once per sample some series of `p` stores.
function forStoredSamples(p: IngestProfile, each: (sample: number) => void): void {
  const seen = new Uint8Array(p.stackStart.length - 1);
  for (const s of p.series) {
    for (const i of s.sampleIndices) {
      if (seen[i] === 0) {
        seen[i] = 1;
        each(i);
      }
    }
  }
}

/**
 * At most how many names and stack nodes `p` can add to any block: its names, and the frames of
 * the stacks its series store. Cheap (no trie walk), so a profile far below its application's
 * budget needs no exact count.
 */
export function newSymbolBound(p: IngestProfile): NewSymbols {
  let stacks = 0;
  forStoredSamples(p, (si) => {
    for (let i = p.stackStart[si]!; i < p.stackStart[si + 1]!; i++) {
      const li = p.stackLocs[i]!;
      stacks += p.frameStart[li + 1]! - p.frameStart[li]!;
    }
  });
  return { names: p.names.length, stacks };
}

/**
 * Exactly how many names and stack nodes writing `p` would add to `interner`, interning nothing:
 * the trie walk {@link encodeProfileRows} does, with the new nodes kept aside.
 */
export function countNewSymbols(p: IngestProfile, interner: StackInterner): NewSymbols {
  const nameIds = new Int32Array(p.names.length).fill(0);
  let newNames = 0;
  // Existing names keep their id; new ones get negative ids, as do new nodes.
  const nameIdOf = (i: number): number => {
    if (nameIds[i] === 0) {
      const id = interner.findName(p.names[i]!);
      nameIds[i] = id >= 0 ? id : -++newNames;
    }
    return nameIds[i]!;
  };
  const newNodes = new Map<string, number>();
  const { names: nameHashes, stacks: hashes } = p.hashes ?? hashProfile(p);
  forStoredSamples(p, (si) => {
    const first = p.stackStart[si]!;
    if (first === p.stackStart[si + 1]!) return;
    // A stack the trie has, found by its hash, adds nothing.
    const leaf = p.frameNames[p.frameStart[p.stackLocs[first]! + 1]! - 1]!;
    if (interner.findStack(hashes[2 * si]!, hashes[2 * si + 1]!, nameHashes.h1[leaf]!, nameHashes.h2[leaf]!) >= 0) return;
    let id = 0;
    for (let i = p.stackStart[si + 1]! - 1; i >= p.stackStart[si]!; i--) {
      const li = p.stackLocs[i]!;
      for (let j = p.frameStart[li]!; j < p.frameStart[li + 1]!; j++) {
        const nameId = nameIdOf(p.frameNames[j]!);
        const existing = id >= 0 && nameId >= 0 ? interner.findChild(id, nameId) : -1;
        if (existing >= 0) {
          id = existing;
          continue;
        }
        const key = `${id},${nameId}`;
        let child = newNodes.get(key);
        if (child === undefined) newNodes.set(key, (child = -(newNodes.size + 1)));
        id = child;
      }
    }
  });
  return { names: newNames, stacks: newNodes.size };
}
