import { growInt32 } from '../model/grow-array.js';
import { LimitError } from '../errors.js';
import type { Forest } from '../model/stack-tree.js';
import { ROOT_HASH_1, ROOT_HASH_2, childHash1, childHash2, nameHash1, nameHash2 } from '../model/stack-hash.js';

const NAME_ID_LIMIT = 2 ** 30;
/** Most stack trie nodes one database holds (bounds the node table at 2^26 slots). */
export const MAX_STACK_NODES = 30_000_000;

/**
 * In-memory copy of the interned function names and the stack trie. Stack ids are dense
 * (1..n; 0 is the root), so queries can index arrays by stack id. New names/nodes are queued in
 * {@link pending} for the writer to insert in the same transaction as the profiles that
 * use them; {@link rollback} forgets them when that transaction fails.
 *
 * A trie opened for writing indexes every node by its path's content hash (model/stack-hash.ts),
 * so a whole stack whose hash a decode worker computed is found with one lookup
 * ({@link findStack}); a node's child is found the same way, from the parent's hash and the
 * name's. Lookups by (parent, name) compare both exactly, so a hash collision costs a probe,
 * never a wrong node.
 */
export class StackInterner {
  readonly names: string[] = [''];
  readonly #nameIds = new Map<string, number>();
  #parents = new Int32Array(1024);
  #nameOf = new Int32Array(1024);
  #count = 1;
  // Writing only: each name's and node's hash halves, and the node table.
  #nameHash1 = new Int32Array(1024);
  #nameHash2 = new Int32Array(1024);
  #nodeHash1 = new Int32Array(1024);
  #nodeHash2 = new Int32Array(1024);
  readonly #nodes = new NodeTable();
  #committedNames = 1;
  #committedStacks = 1;
  // UTF-16 code units of every name, for {@link bytes}.
  #nameChars = 0;
  // False for a trie only read (queries): no name map, hashes or node table, which only interning needs.
  readonly #indexed: boolean;

  constructor(options: { readonly forWriting?: boolean } = {}) {
    this.#indexed = options.forWriting ?? true;
    this.#nodeHash1[0] = ROOT_HASH_1;
    this.#nodeHash2[0] = ROOT_HASH_2;
  }

  /** Number of trie nodes, the root included; stack ids are below it. */
  get stackCount(): number {
    return this.#count;
  }

  /**
   * Approximate memory held, bytes: the node arrays and table by capacity, and per name its
   * characters plus the array slot, hashes and map entry that index it.
   */
  get bytes(): number {
    const index = this.#indexed ? this.#nodes.capacity * 12 + this.#parents.length * 8 + this.names.length * 56 : 0;
    return this.#parents.length * 8 + index + this.#nameChars * 2 + this.names.length * 16;
  }

  /** Loads a name row (ids must arrive in ascending order, as from the database). */
  loadName(id: number, name: string): void {
    this.#nameChars += name.length;
    this.names[id] = name;
    if (this.#indexed) this.#indexName(id, name);
    this.#committedNames = Math.max(this.#committedNames, id + 1);
  }

  /** Loads a stack row (ids ascending). */
  loadStack(id: number, parent: number, nameId: number): void {
    this.#ensure(id + 1);
    this.#parents[id] = parent;
    this.#nameOf[id] = nameId;
    if (this.#indexed) this.#indexNode(id);
    this.#count = Math.max(this.#count, id + 1);
    this.#committedStacks = this.#count;
  }

  /** Id of `name`, or -1 when the trie does not have it (nothing is interned). */
  findName(name: string): number {
    return this.#nameIds.get(name) ?? -1;
  }

  /**
   * Id of the stack whose path hashes to (`h1`, `h2`) and whose leaf frame's name hashes to
   * (`leaf1`, `leaf2`), or -1 when there is none (nothing is created). The leaf check makes a
   * wrong match need two 64-bit collisions at once.
   */
  findStack(h1: number, h2: number, leaf1: number, leaf2: number): number {
    const nameOf = this.#nameOf;
    const n1 = this.#nameHash1;
    const n2 = this.#nameHash2;
    return this.#nodes.find(h1, h2, (id) => n1[nameOf[id]!] === leaf1 && n2[nameOf[id]!] === leaf2);
  }

  /** Id of `parent`'s child for frame `nameId`, or -1 when there is none (nothing is created). */
  findChild(parent: number, nameId: number): number {
    const parents = this.#parents;
    const nameOf = this.#nameOf;
    const h1 = childHash1(this.#nodeHash1[parent]!, this.#nameHash1[nameId]!);
    const h2 = childHash2(this.#nodeHash2[parent]!, this.#nameHash2[nameId]!);
    return this.#nodes.find(h1, h2, (id) => parents[id] === parent && nameOf[id] === nameId);
  }

  /** Id of `name`, interning it if new. */
  nameId(name: string): number {
    if (!this.#indexed) throw new Error('StackInterner: interning into a trie opened for reading');
    let id = this.#nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      if (id >= NAME_ID_LIMIT) {
        throw new LimitError('KPROF_STORE_TOO_MANY_NAMES', `the store holds ${id} distinct function names, its limit; use a new data-dir`);
      }
      this.names.push(name);
      this.#indexName(id, name);
      this.#nameChars += name.length;
    }
    return id;
  }

  /** Id of the child of `parent` for frame `nameId`, creating the node if new. */
  child(parent: number, nameId: number): number {
    let id = this.findChild(parent, nameId);
    if (id < 0) {
      id = this.#count;
      if (id >= MAX_STACK_NODES) {
        throw new LimitError('KPROF_STORE_TOO_MANY_STACKS', `the store holds ${id} distinct call paths, its limit; lower storage.max-age or use a new data-dir`);
      }
      this.#ensure(id + 1);
      this.#parents[id] = parent;
      this.#nameOf[id] = nameId;
      this.#indexNode(id);
      this.#count++;
    }
    return id;
  }

  /**
   * The nodes on the paths of `stackIds` as a {@link Forest} (ids ascending, so parents come
   * first), each stack's `valueOf(id)` as its node's self and the subtree sums as totals: what
   * `StackTree.addForest` takes to merge a block's result by frame names with one lookup
   * per node.
   */
  forest(stackIds: readonly number[], valueOf: (id: number) => number): Forest {
    // Every node on a path, found by walking up until a node already seen; `local` (shared
    // scratch, all -1 between calls) maps a node to its place in the forest.
    if (forestScratch.length < this.#count) forestScratch = new Int32Array(Math.max(this.#count, 2 * forestScratch.length)).fill(-1);
    const local = forestScratch;
    const parentsOf = this.#parents;
    const nodes: number[] = [];
    let rootSelf = 0;
    for (const id of stackIds) {
      if (id === 0) rootSelf += valueOf(0);
      for (let n = id; n > 0 && local[n] === -1; n = parentsOf[n]!) {
        local[n] = 0;
        nodes.push(n);
      }
    }
    const ids = Int32Array.from(nodes).sort();
    for (let i = 0; i < ids.length; i++) local[ids[i]!] = i;
    const parents = new Int32Array(ids.length);
    const names = new Array<string>(ids.length);
    const self = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const p = parentsOf[id]!;
      parents[i] = p === 0 ? -1 : local[p]!;
      names[i] = this.names[this.#nameOf[id]!]!;
    }
    for (const id of stackIds) if (id > 0) self[local[id]!]! += valueOf(id);
    for (let i = 0; i < ids.length; i++) local[ids[i]!] = -1;
    // Children have higher ids than their parents: one pass from the end sums subtrees.
    const total = Float64Array.from(self);
    for (let i = ids.length - 1; i >= 0; i--) if (parents[i]! >= 0) total[parents[i]!]! += total[i]!;
    return { rootSelf, parents, names, self, total };
  }

  /** Frames of stack `id`, root first. */
  frames(id: number): string[] {
    const out: string[] = [];
    while (id > 0) {
      out.push(this.names[this.#nameOf[id]!]!);
      id = this.#parents[id]!;
    }
    return out.reverse();
  }

  /** Parent of stack `id` (0 = root). */
  parentOf(id: number): number {
    return this.#parents[id]!;
  }

  /** Name id of stack `id`'s leaf frame. */
  nameOf(id: number): number {
    return this.#nameOf[id]!;
  }

  /** Names and stacks created since the last {@link commit}, to insert. */
  pending(): { names: [number, string][]; stacks: [number, number, number][] } {
    const names: [number, string][] = [];
    for (let i = this.#committedNames; i < this.names.length; i++) names.push([i, this.names[i]!]);
    const stacks: [number, number, number][] = [];
    for (let i = this.#committedStacks; i < this.#count; i++) stacks.push([i, this.#parents[i]!, this.#nameOf[i]!]);
    return { names, stacks };
  }

  /** Marks everything pending as stored. */
  commit(): void {
    this.#committedNames = this.names.length;
    this.#committedStacks = this.#count;
  }

  /** Forgets names and stacks created since the last {@link commit} (their transaction failed). */
  rollback(): void {
    for (let i = this.#committedNames; i < this.names.length; i++) {
      this.#nameIds.delete(this.names[i]!);
      this.#nameChars -= this.names[i]!.length;
    }
    this.names.length = this.#committedNames;
    if (this.#count > this.#committedStacks) {
      this.#count = this.#committedStacks;
      // Open addressing cannot simply delete; rebuild the table from the committed nodes.
      this.#nodes.clear();
      for (let i = 1; i < this.#count; i++) this.#nodes.add(this.#nodeHash1[i]!, this.#nodeHash2[i]!, i);
    }
  }

  #indexName(id: number, name: string): void {
    this.#nameIds.set(name, id);
    if (id >= this.#nameHash1.length) {
      this.#nameHash1 = growInt32(this.#nameHash1, id + 1);
      this.#nameHash2 = growInt32(this.#nameHash2, id + 1);
    }
    this.#nameHash1[id] = nameHash1(name);
    this.#nameHash2[id] = nameHash2(name);
  }

  // Hashes node `id` (its parent's hash is known: parents have lower ids) and adds it to the table.
  #indexNode(id: number): void {
    const parent = this.#parents[id]!;
    const nameId = this.#nameOf[id]!;
    const h1 = childHash1(this.#nodeHash1[parent]!, this.#nameHash1[nameId]!);
    const h2 = childHash2(this.#nodeHash2[parent]!, this.#nameHash2[nameId]!);
    this.#nodeHash1[id] = h1;
    this.#nodeHash2[id] = h2;
    this.#nodes.add(h1, h2, id);
  }

  #ensure(n: number): void {
    if (n <= this.#parents.length) return;
    this.#parents = growInt32(this.#parents, n);
    this.#nameOf = growInt32(this.#nameOf, n);
    if (this.#indexed) {
      this.#nodeHash1 = growInt32(this.#nodeHash1, n);
      this.#nodeHash2 = growInt32(this.#nodeHash2, n);
    }
  }
}


// Node → forest index scratch of {@link StackInterner.forest}, shared by every trie (calls are
// synchronous); -1 everywhere between calls.
let forestScratch = new Int32Array(0);

/**
 * Hash table of trie nodes by their path hash → node id, open addressing with linear probing in
 * typed arrays (no per-entry objects). Equal hashes may hold several ids; {@link find} returns the
 * first one its check accepts.
 */
class NodeTable {
  #h1 = new Int32Array(1 << 12);
  #h2 = new Int32Array(1 << 12);
  #ids = new Int32Array(1 << 12).fill(-1);
  // Slot = the top `bits` bits of half 1 times the golden ratio (Fibonacci hashing).
  #shift = 32 - 12;
  #size = 0;

  /** Slots of the table (a power of two). */
  get capacity(): number {
    return this.#ids.length;
  }

  find(h1: number, h2: number, accept: (id: number) => boolean): number {
    const mask = this.#ids.length - 1;
    for (let i = Math.imul(h1, 0x9e3779b1) >>> this.#shift; ; i = (i + 1) & mask) {
      const id = this.#ids[i]!;
      if (id < 0) return -1;
      if (this.#h1[i] === h1 && this.#h2[i] === h2 && accept(id)) return id;
    }
  }

  add(h1: number, h2: number, id: number): void {
    if ((this.#size + 1) * 2 > this.#ids.length) this.#grow();
    this.#insert(h1, h2, id);
  }

  clear(): void {
    this.#ids.fill(-1);
    this.#size = 0;
  }

  #insert(h1: number, h2: number, id: number): void {
    const mask = this.#ids.length - 1;
    let i = Math.imul(h1, 0x9e3779b1) >>> this.#shift;
    while (this.#ids[i]! >= 0) i = (i + 1) & mask;
    this.#h1[i] = h1;
    this.#h2[i] = h2;
    this.#ids[i] = id;
    this.#size++;
  }

  #grow(): void {
    const h1 = this.#h1;
    const h2 = this.#h2;
    const ids = this.#ids;
    const size = ids.length * 2;
    this.#h1 = new Int32Array(size);
    this.#h2 = new Int32Array(size);
    this.#ids = new Int32Array(size).fill(-1);
    this.#shift--;
    this.#size = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) this.#insert(h1[i]!, h2[i]!, ids[i]!);
  }
}
