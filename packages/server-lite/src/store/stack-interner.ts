import { LimitError } from '../errors.js';

// Trie edges are keyed parent * 2^26 + nameId in one Map; both bounds keep the key exact.
const NAME_ID_LIMIT = 2 ** 26;
/** Most stack trie nodes one database holds (a JS Map holds at most 2^24 entries). */
export const MAX_STACK_NODES = 16_000_000;

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
  readonly #edges = new Map<number, number>();
  #committedNames = 1;
  #committedStacks = 1;

  /** Number of trie nodes, the root included; stack ids are below it. */
  get stackCount(): number {
    return this.#count;
  }

  /** Loads a name row (ids must arrive in ascending order, as from the database). */
  loadName(id: number, name: string): void {
    this.names[id] = name;
    this.#nameIds.set(name, id);
    this.#committedNames = Math.max(this.#committedNames, id + 1);
  }

  /** Loads a stack row (ids ascending). */
  loadStack(id: number, parent: number, nameId: number): void {
    this.#ensure(id + 1);
    this.#parents[id] = parent;
    this.#nameOf[id] = nameId;
    this.#edges.set(parent * NAME_ID_LIMIT + nameId, id);
    this.#count = Math.max(this.#count, id + 1);
    this.#committedStacks = this.#count;
  }

  /** Id of `name`, interning it if new. */
  nameId(name: string): number {
    let id = this.#nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      if (id >= NAME_ID_LIMIT) {
        throw new LimitError('KPROF_STORE_TOO_MANY_NAMES', `the store holds ${id} distinct function names, its limit; use a new data-dir`);
      }
      this.names.push(name);
      this.#nameIds.set(name, id);
    }
    return id;
  }

  /** Id of the child of `parent` for frame `nameId`, creating the node if new. */
  child(parent: number, nameId: number): number {
    const key = parent * NAME_ID_LIMIT + nameId;
    let id = this.#edges.get(key);
    if (id === undefined) {
      id = this.#count;
      if (id >= MAX_STACK_NODES) {
        throw new LimitError('KPROF_STORE_TOO_MANY_STACKS', `the store holds ${id} distinct call paths, its limit; lower storage.max-age or use a new data-dir`);
      }
      this.#ensure(id + 1);
      this.#parents[id] = parent;
      this.#nameOf[id] = nameId;
      this.#edges.set(key, id);
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
    for (let i = this.#committedNames; i < this.names.length; i++) this.#nameIds.delete(this.names[i]!);
    this.names.length = this.#committedNames;
    for (let i = this.#committedStacks; i < this.#count; i++) {
      this.#edges.delete(this.#parents[i]! * NAME_ID_LIMIT + this.#nameOf[i]!);
    }
    this.#count = this.#committedStacks;
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
