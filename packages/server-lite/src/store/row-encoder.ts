import type { IngestProfile } from '../model/ingest-profile.js';
import { encodeColumns, encodeMoreTotals, INLINE_TOTALS } from './column-blob.js';
import { type CatalogChanges, type SeriesCatalog, labelsKey } from './series-catalog.js';
import type { StackInterner } from './stack-interner.js';

// A row to insert: group id, start, end, the totals of columns 0–3 (null past the row's width),
// the further columns' totals, samples.
export type ProfileRow = [number, number, number, number, number | null, number | null, number | null, Buffer | null, Buffer];

// One series' merged samples in one profile: stack ids ascending, their values, the sum.
interface ColumnInput {
  readonly seriesId: number;
  readonly ids: number[];
  readonly values: number[];
  readonly total: number;
}

// Packing factor for (stack id, sample position) sort keys; see #encodeProfile.
const SAMPLE_SLOT = 2 ** 26;

/**
 * Encodes one profile into rows, one per label set (its sample types as columns): interns its
 * stacks in `interner`, finds or creates its series and row groups in `catalog` (new ones noted
 * in `changes`), sums samples per stack, and appends the rows to `rows`.
 */
export function encodeProfileRows(p: IngestProfile, interner: StackInterner, catalog: SeriesCatalog, changes: CatalogChanges, rows: ProfileRow[]): void {
  // Each of the profile's names is interned once (one map lookup), not once per frame, and only
  // when a stored stack uses it: a name of no stored sample never enters the block.
  const nameIds = new Int32Array(p.names.length).fill(-1);
  const nameIdOf = (i: number): number => {
    let id = nameIds[i]!;
    if (id < 0) nameIds[i] = id = interner.nameId(p.names[i]!);
    return id;
  };
  const { frameStart, frameNames, stackStart, stackLocs } = p;
  const locationCount = frameStart.length - 1;
  // Consecutive samples share their root-side locations, so a one-entry cache per location
  // (last parent stack → resulting stack) skips most trie lookups.
  const lastParent = new Int32Array(locationCount).fill(-1);
  const lastChild = new Int32Array(locationCount);
  // Stack ids are resolved lazily: a sample used by no series costs nothing.
  const stackIds = new Int32Array(stackStart.length - 1).fill(-1);
  const stackOf = (si: number): number => {
    let id = stackIds[si]!;
    if (id >= 0) return id;
    id = 0;
    for (let i = stackStart[si + 1]! - 1; i >= stackStart[si]!; i--) {
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
    stackIds[si] = id;
    return id;
  };
  // The series of one label set come from the same samples: they share one row (a column each).
  const byLabels = new Map<string, ColumnInput[]>();
  // Builders share one labels object among a label set's types: stringify each object once.
  const keyOf = new Map<Readonly<Record<string, string>>, string>();
  for (const s of p.series) {
    let labels = keyOf.get(s.series.labels);
    if (labels === undefined) keyOf.set(s.series.labels, (labels = labelsKey(s.series.labels)));
    const seriesId = catalog.seriesId(s.series, labels, changes);
    const n = s.sampleIndices.length;
    // Sort (stack id, sample position) pairs packed in one float: a native numeric sort, no
    // per-pair objects. Stack ids stay below 2^25 and positions below 2^26, so keys are exact.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = stackOf(s.sampleIndices[i]!) * SAMPLE_SLOT + i;
    keys.sort();
    const ids: number[] = [];
    const values: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const id = Math.floor(k / SAMPLE_SLOT);
      const v = s.values[k - id * SAMPLE_SLOT]!;
      total += v;
      if (ids.length > 0 && ids[ids.length - 1] === id) values[values.length - 1]! += v;
      else {
        ids.push(id);
        values.push(v);
      }
    }
    const column: ColumnInput = { seriesId, ids, values, total };
    const list = byLabels.get(labels);
    if (list === undefined) byLabels.set(labels, [column]);
    else list.push(column);
  }
  for (const columns of byLabels.values()) {
    // Columns in series id order, so a label set's group is the same whatever order the
    // types came in. The same series twice (two sample types named alike) gets a second row.
    columns.sort((a, b) => a.seriesId - b.seriesId);
    let rest = columns;
    while (rest.length > 0) {
      const take: ColumnInput[] = [];
      const later: ColumnInput[] = [];
      for (const c of rest) (take.length > 0 && take[take.length - 1]!.seriesId === c.seriesId ? later : take).push(c);
      rows.push(groupRow(take, p.startMs, p.endMs, catalog.groupId(take.map((c) => c.seriesId), changes)));
      rest = later;
    }
  }
}

function groupRow(columns: readonly ColumnInput[], startMs: number, endMs: number, groupId: number): ProfileRow {
  const totals = columns.map((c) => c.total);
  if (columns.length === 1) return [groupId, startMs, endMs, totals[0]!, null, null, null, null, encodeColumns(columns[0]!.ids, [columns[0]!.values])];
  // The union of the columns' stack ids (each ascending), and each column's value per id (0 = none).
  const union: number[] = [];
  const pos = columns.map(() => 0);
  for (;;) {
    let next = Infinity;
    for (let c = 0; c < columns.length; c++) {
      const ids = columns[c]!.ids;
      if (pos[c]! < ids.length && ids[pos[c]!]! < next) next = ids[pos[c]!]!;
    }
    if (next === Infinity) break;
    union.push(next);
    for (let c = 0; c < columns.length; c++) if (columns[c]!.ids[pos[c]!] === next) pos[c]!++;
  }
  const values = columns.map((c) => {
    const out = new Float64Array(union.length);
    for (let i = 0, j = 0; i < c.ids.length; i++) {
      while (union[j] !== c.ids[i]) j++;
      out[j] = c.values[i]!;
    }
    return out;
  });
  const inline = (c: number): number | null => (c < INLINE_TOTALS && c < totals.length ? totals[c]! : null);
  return [groupId, startMs, endMs, totals[0]!, inline(1), inline(2), inline(3), encodeMoreTotals(totals), encodeColumns(union, values)];
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
  forStoredSamples(p, (si) => {
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
