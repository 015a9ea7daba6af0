import { describe, expect, it } from 'vitest';
import { foldedToProfile } from '../ingest/folded-to-profile.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { hashProfile, hashStacks } from '../model/stack-hash.js';
import { encodeProfileRows, type ProfileRow } from './row-encoder.js';
import { SeriesCatalog } from './series-catalog.js';
import { StackTree } from '../model/stack-tree.js';
import { StackInterner } from './stack-interner.js';

const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };

function folded(text: string): IngestProfile {
  return foldedToProfile(text, { app: 'p.cpu', labels: {} }, meta, { startMs: 0, endMs: 1, receivedBytes: text.length }, { maxSamples: 1000, maxStackDepth: 1000 });
}

// The same call paths as a pprof would give them: locations with inlined frames (a;b as one location).
function inlined(): IngestProfile {
  return {
    startMs: 0,
    endMs: 1,
    names: ['b', 'a', 'c'],
    // location 0: frames a, b (root first); location 1: c
    frameStart: Int32Array.from([0, 2, 3]),
    frameNames: Int32Array.from([1, 0, 2]),
    // stack 0: a;b;c (leaf first: location 1, location 0); stack 1: a;b
    stackStart: Int32Array.from([0, 2, 3]),
    stackLocs: Int32Array.from([1, 0, 0]),
    series: [{ series: { name: 'p.cpu', labels: {}, meta }, sampleIndices: Int32Array.from([0, 1]), values: Float64Array.from([1, 1]) }],
    receivedBytes: 0,
  };
}

// The paths of `p`'s stacks as the writer resolves them in `trie` (sorted), each found by its hash.
function storedStacks(p: IngestProfile, trie: StackInterner): string[] {
  const rows: ProfileRow[] = [];
  encodeProfileRows(p, trie, new SeriesCatalog(), { series: [], groups: [] }, rows);
  const ids: number[] = [];
  const { names, stacks: h } = hashProfile(p);
  for (let si = 0; si < p.stackStart.length - 1; si++) {
    const leafLoc = p.stackLocs[p.stackStart[si]!]!;
    const leaf = p.frameNames[p.frameStart[leafLoc + 1]! - 1]!;
    ids.push(trie.findStack(h[2 * si]!, h[2 * si + 1]!, names.h1[leaf]!, names.h2[leaf]!));
  }
  return ids.map((id) => trie.frames(id).join(';')).sort();
}

// Each stack's hash, in a canonical order.
function pairs(p: IngestProfile): string[] {
  const h = hashStacks(p);
  return Array.from({ length: h.length / 2 }, (_, i) => `${h[2 * i]}:${h[2 * i + 1]}`).sort();
}

describe('stack hashes', () => {
  it.each([
    { name: 'depends only on the frame names, root first, not on how locations group them', a: folded('a;b;c 1\na;b 1\n'), b: inlined(), equal: true },
    { name: 'frame order matters', a: folded('a;b 1\n'), b: folded('b;a 1\n'), equal: false },
    { name: 'a prefix differs from the whole path', a: folded('a;b 1\n'), b: folded('a;b;b 1\n'), equal: false },
    { name: 'names are compared whole, not concatenated', a: folded('ab;c 1\n'), b: folded('a;bc 1\n'), equal: false },
  ])('$name', ({ a, b, equal }) => {
    expect(pairs(a).join() === pairs(b).join()).toBe(equal);
  });
});

describe('StackInterner', () => {
  it('finds a whole stored stack by its hash, and each node by (parent, name)', () => {
    const trie = new StackInterner();
    const p = folded('a;b;c 3\na;b 1\nx 2\n');
    expect(storedStacks(p, trie)).toEqual(['a;b', 'a;b;c', 'x']);
    const a = trie.findChild(0, trie.findName('a'));
    const b = trie.findChild(a, trie.findName('b'));
    expect(trie.frames(trie.findChild(b, trie.findName('c')))).toEqual(['a', 'b', 'c']);
    expect(trie.findChild(b, trie.findName('x'))).toBe(-1);
    // The same paths from another profile's layout resolve to the same nodes, adding none.
    const before = trie.stackCount;
    expect(storedStacks(inlined(), trie)).toEqual(['a;b', 'a;b;c']);
    expect(trie.stackCount).toBe(before);
  });

  it('a hash whose leaf name differs is not taken: the walk stores the frames the profile has', () => {
    const trie = new StackInterner();
    const known = folded('a;b 1\n');
    storedStacks(known, trie);
    // A profile claiming a;b's hash for the path a;c (a worker bug or a collision).
    const other = folded('a;c 1\n');
    const lying = { ...other, hashes: { names: hashProfile(other).names, stacks: hashStacks(known) } };
    const rows: ProfileRow[] = [];
    encodeProfileRows(lying, trie, new SeriesCatalog(), { series: [], groups: [] }, rows);
    expect(trie.frames(trie.stackCount - 1)).toEqual(['a', 'c']);
  });

  it('rollback forgets new nodes, and their hashes no longer find them', () => {
    const trie = new StackInterner();
    storedStacks(folded('a;b 1\n'), trie);
    trie.commit();
    const p = folded('a;b;c 1\n');
    storedStacks(p, trie);
    expect(trie.stackCount).toBe(4);
    trie.rollback();
    expect(trie.stackCount).toBe(3);
    const { names, stacks: h } = hashProfile(p);
    // c is the leaf of the only stack, a;b;c.
    const c = p.names.indexOf('c');
    expect(trie.findStack(h[0]!, h[1]!, names.h1[c]!, names.h2[c]!)).toBe(-1);
    expect(storedStacks(folded('a;b 1\n'), trie)).toEqual(['a;b']);
  });

  it('a trie loaded from rows indexes them like one built by interning', () => {
    const built = new StackInterner();
    storedStacks(folded('a;b;c 1\nx;y 1\n'), built);
    const loaded = new StackInterner();
    const { names, stacks } = built.pending();
    for (const [id, name] of names) loaded.loadName(id, name);
    for (const [id, parent, nameId] of stacks) loaded.loadStack(id, parent, nameId);
    expect(storedStacks(folded('x;y 1\na;b;c 1\n'), loaded)).toEqual(['a;b;c', 'x;y']);
    expect(loaded.stackCount).toBe(built.stackCount);
  });

  it.each([
    { name: 'stacks sharing prefixes, one a prefix of another', text: 'a;b;c 3\na;b 1\na;d 2\nx 5\n' },
    { name: 'deep and wide', text: Array.from({ length: 40 }, (_, i) => `root;f${i % 4};g${i % 7};h${i} ${i + 1}`).join('\n') },
  ])('forest(): merged by addForest, the same tree as adding every stack by frames ($name)', ({ text }) => {
    const trie = new StackInterner();
    const rows: ProfileRow[] = [];
    encodeProfileRows(folded(text), trie, new SeriesCatalog(), { series: [], groups: [] }, rows);
    // Stack id → value, as a merge returns them (plus the empty path).
    const values = new Map<number, number>([[0, 4]]);
    const byFrames = new StackTree();
    byFrames.add([], 4);
    for (const { frames, value } of treeOf(text).stacks()) {
      const id = idOf(trie, frames);
      values.set(id, (values.get(id) ?? 0) + value);
      byFrames.add(frames, value);
    }
    const viaForest = new StackTree();
    viaForest.addForest(trie.forest([...values.keys()], (id) => values.get(id)!));
    // A second block's forest on top: the same paths merge by name.
    viaForest.addForest(trie.forest([...values.keys()], (id) => values.get(id)!));
    byFrames.addTree(byFrames);
    expect([...viaForest.stacks()]).toEqual([...byFrames.stacks()]);
    expect(viaForest.total()).toBe(byFrames.total());
    expect(viaForest.nodeCount()).toBe(byFrames.nodeCount());
  });
});

function treeOf(text: string): StackTree {
  const tree = new StackTree();
  for (const line of text.trim().split('\n')) {
    const [stack, v] = line.split(' ') as [string, string];
    tree.add(stack.split(';'), Number(v));
  }
  return tree;
}

// The trie node of a path, walking it by (parent, name).
function idOf(trie: StackInterner, frames: readonly string[]): number {
  let id = 0;
  for (const f of frames) id = trie.findChild(id, trie.findName(f));
  return id;
}
