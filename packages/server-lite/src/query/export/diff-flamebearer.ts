import { compareUtf8 } from '../../model/byte-order.js';
import type { Flamebearer, FlamebearerOptions } from './flamebearer.js';
import { finishLevels } from './level-encoding.js';
import { NodeThreshold, UNLIMITED_MAX_NODES, checkMaxNodes } from './node-threshold.js';
import { type StackTree, type StackTreeNode, sortedChildren } from '../../model/stack-tree.js';

/**
 * Pyroscope's two-sided ("double") flamebearer for `/render-diff`: 7 ints per node
 * `[xLeft, totalLeft, selfLeft, xRight, totalRight, selfRight, nameIndex]`, both x slots
 * delta-encoded per side; `numTicks` = left + right.
 */
export interface DiffFlamebearer extends Flamebearer {
  leftTicks: number;
  rightTicks: number;
}

// One node of the union of both trees; a side that lacks the call path has zeros.
interface PairNode {
  readonly name: string;
  readonly leftTotal: number;
  readonly leftSelf: number;
  readonly rightTotal: number;
  readonly rightSelf: number;
  children: PairNode[];
}

const OTHER = 'other';

/**
 * Encodes the union of `left` and `right` as Pyroscope OG's diff flamebearer, node for node:
 * children in UTF-8 byte order, names deduplicated in visit order (depth first, last child
 * first), the cut-off taken over max(left, right) totals, and cut-off children summed per side
 * into one `other` node after the kept siblings. Unlike the single format, Pyroscope's diff keys
 * the root by its empty name, so a frame named `total` gets its own name index, and a real frame
 * named `other` is kept like any other frame.
 */
export function buildDiffFlamebearer(left: StackTree, right: StackTree, opts: FlamebearerOptions): DiffFlamebearer {
  checkMaxNodes(opts.maxNodes);
  const { root, nodeCount } = unionTrees(left.root, right.root);
  const minTotal = cutOff(root, nodeCount, opts.maxNodes);

  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const levels: number[][] = [];
  let maxSelf = 0;

  const nodes: PairNode[] = [root];
  const leftXs: number[] = [0];
  const rightXs: number[] = [0];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop() as PairNode;
    const leftX = leftXs.pop() as number;
    const rightX = rightXs.pop() as number;
    const depth = depths.pop() as number;

    let index = nameIndex.get(node.name);
    if (index === undefined) {
      index = names.length;
      names.push(index === 0 ? 'total' : node.name);
      nameIndex.set(node.name, index);
    }
    let row = levels[depth];
    if (row === undefined) {
      row = [];
      levels[depth] = row;
    }
    row.push(leftX, node.leftTotal, node.leftSelf, rightX, node.rightTotal, node.rightSelf, index);
    maxSelf = Math.max(maxSelf, node.leftSelf, node.rightSelf);

    let childLeftX = leftX + node.leftSelf;
    let childRightX = rightX + node.rightSelf;
    let otherLeft = 0;
    let otherRight = 0;
    for (const child of node.children) {
      if (child.leftTotal >= minTotal || child.rightTotal >= minTotal) {
        nodes.push(child);
        leftXs.push(childLeftX);
        rightXs.push(childRightX);
        depths.push(depth + 1);
        childLeftX += child.leftTotal;
        childRightX += child.rightTotal;
      } else {
        otherLeft += child.leftTotal;
        otherRight += child.rightTotal;
      }
    }
    if (otherLeft !== 0 || otherRight !== 0) {
      nodes.push({
        name: OTHER,
        leftTotal: otherLeft,
        leftSelf: otherLeft,
        rightTotal: otherRight,
        rightSelf: otherRight,
        children: [],
      });
      leftXs.push(childLeftX);
      rightXs.push(childRightX);
      depths.push(depth + 1);
    }
  }

  finishLevels(levels, 7, [0, 3]);
  const leftTicks = left.total();
  const rightTicks = right.total();
  return { names, levels, numTicks: leftTicks + rightTicks, maxSelf, leftTicks, rightTicks };
}

function unionTrees(left: StackTreeNode, right: StackTreeNode): { root: PairNode; nodeCount: number } {
  const root = pairNode(left, right);
  let nodeCount = 1;
  const pending: [PairNode, StackTreeNode | undefined, StackTreeNode | undefined][] = [[root, left, right]];
  while (pending.length > 0) {
    const [pair, l, r] = pending.pop() as [PairNode, StackTreeNode | undefined, StackTreeNode | undefined];
    const ls = l === undefined ? [] : sortedChildren(l);
    const rs = r === undefined ? [] : sortedChildren(r);
    let i = 0;
    let j = 0;
    while (i < ls.length || j < rs.length) {
      const a = ls[i];
      const b = rs[j];
      const order = a === undefined ? 1 : b === undefined ? -1 : compareUtf8(a.name, b.name);
      const lc = order <= 0 ? a : undefined;
      const rc = order >= 0 ? b : undefined;
      if (lc !== undefined) i++;
      if (rc !== undefined) j++;
      const child = pairNode(lc, rc);
      pair.children.push(child);
      pending.push([child, lc, rc]);
      nodeCount++;
    }
  }
  return { root, nodeCount };
}

function pairNode(l: StackTreeNode | undefined, r: StackTreeNode | undefined): PairNode {
  return {
    name: (l ?? r)?.name ?? '',
    leftTotal: l?.total ?? 0,
    leftSelf: l?.self ?? 0,
    rightTotal: r?.total ?? 0,
    rightSelf: r?.self ?? 0,
    children: [],
  };
}

function cutOff(root: PairNode, nodeCount: number, maxNodes: number): number {
  if (maxNodes === UNLIMITED_MAX_NODES || nodeCount <= maxNodes) return 0;
  const threshold = new NodeThreshold(maxNodes);
  const pending: PairNode[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as PairNode;
    if (!threshold.offer(Math.max(node.leftTotal, node.rightTotal))) continue;
    for (const child of node.children) pending.push(child);
  }
  return threshold.value();
}
