import { compareUtf8 } from './byte-order.js';
import { LimitError, ValidationError } from '../errors.js';

/** One stack and its value; `frames` are root first (caller before callee), like folded text. */
export interface StackSample {
  readonly frames: readonly string[];
  readonly value: number;
}

/** A node of a {@link StackTree}. Read-only to callers; `total` includes the children's totals. */
export interface StackTreeNode {
  readonly name: string;
  readonly self: number;
  readonly total: number;
  /** Children by frame name, in insertion order; use {@link sortedChildren} for Pyroscope's order. */
  readonly children: ReadonlyMap<string, StackTreeNode> | undefined;
}

interface MutableNode {
  name: string;
  self: number;
  total: number;
  children: Map<string, MutableNode> | undefined;
}

/** Options for {@link StackTree}. */
export interface StackTreeOptions {
  /**
   * Most nodes (distinct call paths, the root included) the tree may hold; adding past it throws
   * `LimitError` `KPROF_QUERY_TREE_TOO_LARGE`. Default {@link DEFAULT_MAX_TREE_NODES}.
   */
  readonly maxNodes?: number;
}

/** Default node limit of a {@link StackTree}: about 300–400 MB of heap at the limit. */
export const DEFAULT_MAX_TREE_NODES = 4_000_000;

/**
 * A merged call tree: every stack added walks from the root, adding its value to each node's
 * `total` and to the leaf's `self`. This is the shape Pyroscope's flamebearer, collapsed and
 * pprof outputs are built from.
 *
 * Values must be non-negative safe integers (Pyroscope stores uint64). A value of 0 adds nothing
 * and creates no nodes. An empty stack adds to the root's `self`.
 */
/** Call paths node by node, parents first: see {@link StackTree.addForest}. */
export interface Forest {
  /** Value of the empty call path (a sample without frames). */
  readonly rootSelf: number;
  readonly parents: Int32Array;
  readonly names: readonly string[];
  readonly self: Float64Array;
  readonly total: Float64Array;
}

export class StackTree {
  readonly #root: MutableNode = { name: '', self: 0, total: 0, children: undefined };
  readonly #maxNodes: number;
  #nodeCount = 1;

  constructor(options: StackTreeOptions = {}) {
    const maxNodes = options.maxNodes ?? DEFAULT_MAX_TREE_NODES;
    if (!Number.isSafeInteger(maxNodes) || maxNodes < 1) {
      throw new ValidationError(
        'KPROF_QUERY_BAD_TREE_LIMIT',
        `StackTree maxNodes is ${String(maxNodes)}; it must be a positive integer`,
      );
    }
    this.#maxNodes = maxNodes;
  }

  /** The root node (name `''`); its `total` is the tree's total. */
  get root(): StackTreeNode {
    return this.#root;
  }

  /** Adds `value` along `frames` (root first). */
  add(frames: readonly string[], value: number): void {
    checkValue(value);
    if (value === 0) return;
    // The walk to count missing nodes only matters when the limit is within reach.
    if (this.#nodeCount + frames.length > this.#maxNodes) this.#reserve(frames);
    let node = this.#root;
    node.total += value;
    for (let i = 0; i < frames.length; i++) {
      node = this.#child(node, frames[i] as string);
      node.total += value;
    }
    node.self += value;
  }

  /**
   * Adds a forest of call paths given node by node (parents before children): node `i` is the
   * child named `names[i]` of node `parents[i]` (-1: of the root), with its `self` and `total`
   * (self plus its children's totals). One map lookup per node, where {@link add} takes one per
   * frame of every stack. If this throws `KPROF_QUERY_TREE_TOO_LARGE` the tree is left partly
   * merged; discard it.
   */
  addForest(forest: Forest): void {
    const { rootSelf, parents, names, self, total } = forest;
    this.#root.self += rootSelf;
    this.#root.total += rootSelf;
    const nodes = new Array<MutableNode>(names.length);
    for (let i = 0; i < names.length; i++) {
      const p = parents[i]!;
      const node = this.#child(p < 0 ? this.#root : nodes[p]!, names[i]!);
      node.self += self[i]!;
      node.total += total[i]!;
      if (p < 0) this.#root.total += total[i]!;
      nodes[i] = node;
    }
  }

  /**
   * Adds every node of `other` into this tree (sums self and total per call path). If this
   * throws `KPROF_QUERY_TREE_TOO_LARGE` the tree is left partly merged; discard it.
   */
  addTree(other: StackTree): void {
    const src: StackTreeNode[] = [other.root];
    const dst: MutableNode[] = [this.#root];
    while (src.length > 0) {
      const s = src.pop() as StackTreeNode;
      const d = dst.pop() as MutableNode;
      d.self += s.self;
      d.total += s.total;
      if (s.children === undefined) continue;
      for (const child of s.children.values()) {
        src.push(child);
        dst.push(this.#child(d, child.name));
      }
    }
  }

  /**
   * Divides every node's `self` and `total` by `divisor`, each rounded down on its own — how
   * Pyroscope OG averages a merged tree (`aggregationType=average`: a clone scaled by 1/n, per
   * node in integers). So a parent's total may exceed its self plus its children's totals, and
   * nodes that drop to 0 stay in the tree (OG's flamebearer still lists them).
   */
  divide(divisor: number): void {
    if (!Number.isSafeInteger(divisor) || divisor < 1) {
      throw new ValidationError('KPROF_QUERY_BAD_DIVISOR', `StackTree divisor is ${String(divisor)}; it must be a positive integer`);
    }
    if (divisor === 1) return;
    const pending: MutableNode[] = [this.#root];
    while (pending.length > 0) {
      const node = pending.pop() as MutableNode;
      node.self = Math.floor(node.self / divisor);
      node.total = Math.floor(node.total / divisor);
      if (node.children !== undefined) for (const child of node.children.values()) pending.push(child);
    }
  }

  /** Sum of every value added (the root's total). */
  total(): number {
    return this.#root.total;
  }

  /** Number of nodes, the root included. */
  nodeCount(): number {
    return this.#nodeCount;
  }

  /**
   * Every call path with a non-zero `self`, as a stack (root first) and that self value, in
   * depth-first order with siblings in UTF-8 byte order. Summing them gives {@link total}.
   */
  *stacks(): IterableIterator<StackSample> {
    const path: string[] = [];
    // Each entry is a node and the depth it sits at; the root is depth 0 and has no frame.
    const nodes: StackTreeNode[] = [this.#root];
    const depths: number[] = [0];
    while (nodes.length > 0) {
      const node = nodes.pop() as StackTreeNode;
      const depth = depths.pop() as number;
      path.length = Math.max(depth - 1, 0);
      if (depth > 0) path.push(node.name);
      if (node.self > 0) yield { frames: path.slice(), value: node.self };
      const children = sortedChildren(node);
      for (let i = children.length - 1; i >= 0; i--) {
        nodes.push(children[i] as StackTreeNode);
        depths.push(depth + 1);
      }
    }
  }

  // Throws before any change when `frames` would need more new nodes than the limit leaves.
  #reserve(frames: readonly string[]): void {
    let node: MutableNode | undefined = this.#root;
    let depth = 0;
    while (depth < frames.length) {
      node = node.children?.get(frames[depth] as string);
      if (node === undefined) break;
      depth++;
    }
    if (this.#nodeCount + (frames.length - depth) > this.#maxNodes) throw this.#tooLarge();
  }

  #tooLarge(): LimitError {
    return new LimitError(
      'KPROF_QUERY_TREE_TOO_LARGE',
      `merged call tree reached ${this.#maxNodes} nodes, its limit; narrow the query (labels or time range) or raise the tree node limit`,
    );
  }

  #child(parent: MutableNode, name: string): MutableNode {
    let children = parent.children;
    if (children === undefined) {
      children = new Map();
      parent.children = children;
    }
    let child = children.get(name);
    if (child === undefined) {
      if (this.#nodeCount >= this.#maxNodes) throw this.#tooLarge();
      child = { name, self: 0, total: 0, children: undefined };
      children.set(name, child);
      this.#nodeCount++;
    }
    return child;
  }
}

/** Children of `node` in UTF-8 byte order of their names — the order Pyroscope's trees keep. */
export function sortedChildren(node: StackTreeNode): StackTreeNode[] {
  if (node.children === undefined) return [];
  return sortNodes(Array.from(node.children.values()));
}

/** Sorts `nodes` in place by name in UTF-8 byte order (Pyroscope's order); returns it. */
export function sortNodes(nodes: StackTreeNode[]): StackTreeNode[] {
  if (nodes.length < 2) return nodes;
  // Without code units from U+D800 up, UTF-16 order (JavaScript's `<`, a native compare) is
  // UTF-8 byte order; checking the names once per sort is cheaper than comparing every pair
  // a character at a time (a quarter of a 10,000-node flamebearer build's time).
  for (const n of nodes) if (SURROGATE_OR_ABOVE.test(n.name)) return nodes.sort(compareNodes);
  return nodes.sort(compareNodesUtf16);
}

const SURROGATE_OR_ABOVE = /[\uD800-\uFFFF]/;

function compareNodes(a: StackTreeNode, b: StackTreeNode): number {
  return compareUtf8(a.name, b.name);
}

function compareNodesUtf16(a: StackTreeNode, b: StackTreeNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      'KPROF_QUERY_BAD_SAMPLE_VALUE',
      `sample value ${String(value)} is not a non-negative integer up to 2^53-1`,
    );
  }
}
