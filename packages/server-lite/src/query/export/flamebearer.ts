import { finishLevels } from './level-encoding.js';
import { NodeThreshold, UNLIMITED_MAX_NODES, checkMaxNodes } from './node-threshold.js';
import { type StackTree, type StackTreeNode, sortNodes } from '../../model/stack-tree.js';


/**
 * Pyroscope's flamebearer (`flamebearer` in `/render` JSON, `FlameGraph` in querier.v1).
 *
 * `levels[d]` is row d (row 0 = the root, named `total`); each node is 4 ints
 * `[x, total, self, nameIndex]`, x delta-encoded against the previous node's end in the row.
 */
export interface Flamebearer {
  names: string[];
  levels: number[][];
  numTicks: number;
  maxSelf: number;
}

/** Options for {@link buildFlamebearer}. */
export interface FlamebearerOptions {
  /**
   * Most nodes to keep (the root counts), or -1 for all. Nodes below the cut-off merge into an
   * `other` child of their parent. The HTTP layer maps Pyroscope's 0/missing to its default (8192).
   */
  readonly maxNodes: number;
}

/** Name Pyroscope gives the merged remainder of a node's cut-off children. */
export const OTHER_NODE_NAME = 'other';

/** Name of the root node in a flamebearer. */
export const ROOT_NODE_NAME = 'total';

interface RenderNode {
  readonly name: string;
  readonly self: number;
  readonly total: number;
  readonly children: StackTreeNode['children'];
}

/**
 * Encodes `tree` as Pyroscope OG's single-format flamebearer, node for node:
 * - children are laid out in UTF-8 byte order of their names, after the parent's self;
 * - names are deduplicated in the order Pyroscope's walk visits nodes (depth first, last child
 *   first), so `names[0]` is `total`;
 * - with a cut-off, children whose total is under the `maxNodes`-th largest total are summed
 *   into one `other` node (self = total) placed after the kept siblings. A real frame literally
 *   named `other` is folded into that node too, as Pyroscope does.
 */
export function buildFlamebearer(tree: StackTree, opts: FlamebearerOptions): Flamebearer {
  checkMaxNodes(opts.maxNodes);
  const minTotal = cutOff(tree, opts.maxNodes);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const levels: number[][] = [];
  let maxSelf = 0;

  // Explicit stack (no recursion) so stacks thousands of frames deep cannot overflow.
  const nodes: RenderNode[] = [tree.root];
  const xs: number[] = [0];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop() as RenderNode;
    const x = xs.pop() as number;
    const depth = depths.pop() as number;

    // Pyroscope keys the root as `total`, so a frame named `total` shares index 0.
    const name = depth === 0 ? ROOT_NODE_NAME : node.name;
    let index = nameIndex.get(name);
    if (index === undefined) {
      index = names.length;
      names.push(name);
      nameIndex.set(name, index);
    }
    let row = levels[depth];
    if (row === undefined) {
      row = [];
      levels[depth] = row;
    }
    row.push(x, node.total, node.self, index);
    if (node.self > maxSelf) maxSelf = node.self;

    let childX = x + node.self;
    let otherTotal = 0;
    // Only the kept children need Pyroscope's name order; the rest are summed into `other`
    // first, so a wide profile does not sort thousands of children that are cut off anyway.
    const kept: StackTreeNode[] = [];
    if (node.children !== undefined) {
      for (const child of node.children.values()) {
        if (child.name !== OTHER_NODE_NAME && child.total >= minTotal) kept.push(child);
        else otherTotal += child.total;
      }
    }
    for (const child of sortNodes(kept)) {
      nodes.push(child);
      xs.push(childX);
      depths.push(depth + 1);
      childX += child.total;
    }
    if (otherTotal !== 0) {
      nodes.push({ name: OTHER_NODE_NAME, self: otherTotal, total: otherTotal, children: undefined });
      xs.push(childX);
      depths.push(depth + 1);
    }
  }

  finishLevels(levels, 4, [0]);
  return { names, levels, numTicks: tree.total(), maxSelf };
}

function cutOff(tree: StackTree, maxNodes: number): number {
  if (maxNodes === UNLIMITED_MAX_NODES || tree.nodeCount() <= maxNodes) return 0;
  const threshold = new NodeThreshold(maxNodes);
  const pending: StackTreeNode[] = [tree.root];
  while (pending.length > 0) {
    const node = pending.pop() as StackTreeNode;
    if (!threshold.offer(node.total) || node.children === undefined) continue;
    for (const child of node.children.values()) pending.push(child);
  }
  return threshold.value();
}
