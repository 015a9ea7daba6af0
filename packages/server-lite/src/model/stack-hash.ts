/**
 * 64-bit content hashes of call paths, as two independent 32-bit halves: a stack's hash depends
 * only on its frame names, root first, so a decode worker can compute it for every sample and the
 * store finds the stack's trie node with one table lookup instead of one per frame. Hashes are
 * never stored: a block's table is rebuilt from its names and stack rows when its trie loads, so
 * these functions may change between releases (the worker and the writer always run the same).
 */

/** The parts of a profile (model/ingest-profile.ts) its hashes read. */
export interface StackTables {
  readonly names: readonly string[];
  readonly frameStart: Int32Array;
  readonly frameNames: Int32Array;
  readonly stackStart: Int32Array;
  readonly stackLocs: Int32Array;
}

/** Hash of the empty path (the trie's root), halves 1 and 2. */
export const ROOT_HASH_1 = 0x2545f491;
export const ROOT_HASH_2 = 0x6c8e9cf5;

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** First half of a name's hash (its UTF-16 code units). */
export function nameHash1(name: string): number {
  let h = 0x811c9dc5 ^ name.length;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** Second half of a name's hash, independent of the first. */
export function nameHash2(name: string): number {
  let h = 0x9747b28c ^ Math.imul(name.length, 0x5bd1e995);
  for (let i = 0; i < name.length; i++) h = Math.imul((h << 5) | (h >>> 27), 0x5bd1e995) ^ name.charCodeAt(i);
  return fmix(h);
}

// Extending a path by one frame is one murmur3 block step per half (the name hashes are already
// mixed); the rotations carry high bits down, so the low bits depend on frame order too.

/** First half of the hash of a path extended by one frame: parent's half 1, the frame name's half 1. */
export function childHash1(parent: number, name: number): number {
  const h = parent ^ name;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** Second half: parent's half 2, the frame name's half 2. */
export function childHash2(parent: number, name: number): number {
  const h = parent ^ name;
  return (Math.imul((h << 17) | (h >>> 15), 0x1b873593) + 0x7f4a7c15) | 0;
}

/** Content hash halves of each of a profile's names, in its order. */
export interface NameHashes {
  readonly h1: Int32Array;
  readonly h2: Int32Array;
}

/** A profile's name hashes, and its stacks' (halves 1 and 2 of stack `i` at `[2i]`, `[2i + 1]`). */
export interface ProfileHashes {
  readonly names: NameHashes;
  readonly stacks: Int32Array;
}

/** {@link ProfileHashes} of `profile`, its names' hashes given when known. */
export function hashProfile(profile: StackTables, names: NameHashes = hashNames(profile.names)): ProfileHashes {
  return { names, stacks: hashStacks(profile, names) };
}

/** {@link NameHashes} of `names`. */
export function hashNames(names: readonly string[]): NameHashes {
  const h1 = new Int32Array(names.length);
  const h2 = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) {
    h1[i] = nameHash1(names[i]!);
    h2[i] = nameHash2(names[i]!);
  }
  return { h1, h2 };
}

/**
 * The hash of every stack of `profile` (its names' hashes given when known): halves 1 and 2 of
 * stack `i` at `[2i]` and `[2i + 1]`. One step per frame of every sample: measured cheaper than
 * remembering per location what its last parent gave (samples rarely repeat a parent in a row).
 */
export function hashStacks(
  profile: StackTables,
  { h1: n1, h2: n2 }: NameHashes = hashNames(profile.names),
): Int32Array {
  const { frameStart, frameNames, stackStart, stackLocs } = profile;
  const stacks = stackStart.length - 1;
  const out = new Int32Array(2 * stacks);
  for (let s = 0; s < stacks; s++) {
    let h1 = ROOT_HASH_1;
    let h2 = ROOT_HASH_2;
    for (let i = stackStart[s + 1]! - 1; i >= stackStart[s]!; i--) {
      const li = stackLocs[i]!;
      for (let j = frameStart[li]!; j < frameStart[li + 1]!; j++) {
        const f = frameNames[j]!;
        h1 = childHash1(h1, n1[f]!);
        h2 = childHash2(h2, n2[f]!);
      }
    }
    out[2 * s] = h1;
    out[2 * s + 1] = h2;
  }
  return out;
}
