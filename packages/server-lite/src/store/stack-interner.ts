import { LimitError } from '../errors.js';

const NAME_ID_LIMIT = 2 ** 30;
/** Most stack trie nodes one database holds (bounds the edge table at 2^26 slots). */
export const MAX_STACK_NODES = 30_000_000;

/**
 * In-memory copy of the interned function names and the stack trie. Stack ids are dense
 * (1..n; 0 is the root), so queries can index arrays by stack id. New names/nodes are queued in
 * `newNames`/`newStacks` for the writer to insert in the same transaction as the profiles that
 * use them; {@link rollback} forgets them when that transaction fails.
 */
export class StackInterner {
  readonly names: string[] = [''];
  readonly #nameIds = new Map<string, number>();
  #parents = new Int32Array(1024);
  #nameOf = new Int32Array(1024);
  #count = 1;
  readonly #edges = new EdgeTable();
  #committedNames = 1;
  #committedStacks = 1;
  // UTF-16 code units of every name, for {@link bytes}.
  #nameChars = 0;
  // False for a trie only read (queries): no name map and no edge table, which only interning needs.
  readonly #indexed: boolean;

  constructor(options: { readonly forWriting?: boolean } = {}) {
    this.#indexed = options.forWriting ?? true;
  }

  /** Number of trie nodes, the root included; stack ids are below it. */
  get stackCount(): number {
    return this.#count;
  }

  /**
   * Approximate memory held, bytes: the node arrays and edge table by capacity, and per name its
   * characters plus the array slot and map entry that index it.
   */
  get bytes(): number {
    const index = this.#indexed ? this.#edges.capacity * 12 + this.names.length * 48 : 0;
    return this.#parents.length * 8 + index + this.#nameChars * 2 + this.names.length * 16;
  }

  /** Loads a name row (ids must arrive in ascending order, as from the database). */
  loadName(id: number, name: string): void {
    this.#nameChars += name.length;
    this.names[id] = name;
    if (this.#indexed) this.#nameIds.set(name, id);
    this.#committedNames = Math.max(this.#committedNames, id + 1);
  }

  /** Loads a stack row (ids ascending). */
  loadStack(id: number, parent: number, nameId: number): void {
    this.#ensure(id + 1);
    this.#parents[id] = parent;
    this.#nameOf[id] = nameId;
    if (this.#indexed) this.#edges.set(parent, nameId, id);
    this.#count = Math.max(this.#count, id + 1);
    this.#committedStacks = this.#count;
  }

  /** Id of `name`, or -1 when the trie does not have it (nothing is interned). */
  findName(name: string): number {
    return this.#nameIds.get(name) ?? -1;
  }

  /** Id of `parent`'s child for frame `nameId`, or -1 when there is none (nothing is created). */
  findChild(parent: number, nameId: number): number {
    return this.#edges.get(parent, nameId);
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
      this.#nameIds.set(name, id);
      this.#nameChars += name.length;
    }
    return id;
  }

  /** Id of the child of `parent` for frame `nameId`, creating the node if new. */
  child(parent: number, nameId: number): number {
    let id = this.#edges.get(parent, nameId);
    if (id < 0) {
      id = this.#count;
      if (id >= MAX_STACK_NODES) {
        throw new LimitError('KPROF_STORE_TOO_MANY_STACKS', `the store holds ${id} distinct call paths, its limit; lower storage.max-age or use a new data-dir`);
      }
      this.#ensure(id + 1);
      this.#parents[id] = parent;
      this.#nameOf[id] = nameId;
      this.#edges.set(parent, nameId, id);
      this.#count++;
    }
    return id;
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
      // Open addressing cannot simply delete; rebuild the edges from the committed nodes.
      this.#edges.clear();
      for (let i = 1; i < this.#count; i++) this.#edges.set(this.#parents[i]!, this.#nameOf[i]!, i);
    }
  }

  #ensure(n: number): void {
    if (n <= this.#parents.length) return;
    let size = this.#parents.length;
    while (size < n) size *= 2;
    const p = new Int32Array(size);
    p.set(this.#parents);
    this.#parents = p;
    const q = new Int32Array(size);
    q.set(this.#nameOf);
    this.#nameOf = q;
  }
}

/**
 * Hash table of trie edges (parent, nameId) → child id, open addressing with linear probing in
 * typed arrays: no per-entry objects and small-integer keys, which a `Map` keyed by a combined
 * 53-bit number would box.
 */
class EdgeTable {
  #parents = new Int32Array(1 << 12);
  #names = new Int32Array(1 << 12);
  #children = new Int32Array(1 << 12).fill(-1);
  #size = 0;

  /** Slots of the table (a power of two). */
  get capacity(): number {
    return this.#children.length;
  }

  get(parent: number, nameId: number): number {
    const mask = this.#children.length - 1;
    let i = hash(parent, nameId) & mask;
    for (;;) {
      const child = this.#children[i]!;
      if (child < 0) return -1;
      if (this.#parents[i] === parent && this.#names[i] === nameId) return child;
      i = (i + 1) & mask;
    }
  }

  set(parent: number, nameId: number, child: number): void {
    if ((this.#size + 1) * 2 > this.#children.length) this.#grow();
    this.#insert(parent, nameId, child);
  }

  clear(): void {
    this.#children.fill(-1);
    this.#size = 0;
  }

  #insert(parent: number, nameId: number, child: number): void {
    const mask = this.#children.length - 1;
    let i = hash(parent, nameId) & mask;
    while (this.#children[i]! >= 0) {
      if (this.#parents[i] === parent && this.#names[i] === nameId) {
        this.#children[i] = child;
        return;
      }
      i = (i + 1) & mask;
    }
    this.#parents[i] = parent;
    this.#names[i] = nameId;
    this.#children[i] = child;
    this.#size++;
  }

  #grow(): void {
    const parents = this.#parents;
    const names = this.#names;
    const children = this.#children;
    const size = children.length * 2;
    this.#parents = new Int32Array(size);
    this.#names = new Int32Array(size);
    this.#children = new Int32Array(size).fill(-1);
    this.#size = 0;
    for (let i = 0; i < children.length; i++) if (children[i]! >= 0) this.#insert(parents[i]!, names[i]!, children[i]!);
  }
}

function hash(parent: number, nameId: number): number {
  return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(nameId, 0x85ebca77)) >>> 0;
}
