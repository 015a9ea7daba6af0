import { ValidationError } from '../../errors.js';

/** `maxNodes` value meaning "no cut-off", as in Pyroscope's `max-nodes=-1`. */
export const UNLIMITED_MAX_NODES = -1;

/**
 * Checks a flamegraph `maxNodes` option: a positive integer, or {@link UNLIMITED_MAX_NODES}.
 * Throws `ValidationError` `KPROF_QUERY_BAD_MAX_NODES` otherwise (0 is not "default" here: the HTTP
 * layer maps a missing or 0 parameter to its default before calling the builders).
 */
export function checkMaxNodes(maxNodes: number): void {
  if (maxNodes === UNLIMITED_MAX_NODES) return;
  if (!Number.isSafeInteger(maxNodes) || maxNodes < 1) {
    throw new ValidationError(
      'KPROF_QUERY_BAD_MAX_NODES',
      `maxNodes is ${String(maxNodes)}; it must be a positive integer or -1 (no limit)`,
    );
  }
}

/**
 * Pyroscope's flamegraph cut-off: the `maxNodes`-th largest node total (the root counts), or the
 * smallest total when the tree has fewer nodes. Nodes whose total is at least this value are
 * kept; smaller siblings merge into `other`.
 *
 * Feed totals with {@link offer} in any parent-before-child order; when it returns false the
 * node's subtree can be skipped, since a child's total never exceeds its parent's.
 */
export class NodeThreshold {
  readonly #capacity: number;
  // Min-heap of the largest totals seen so far.
  readonly #heap: number[] = [];

  constructor(maxNodes: number) {
    this.#capacity = maxNodes;
  }

  /** Records one node total; false when neither it nor its descendants can change the result. */
  offer(total: number): boolean {
    const heap = this.#heap;
    if (heap.length < this.#capacity) {
      heap.push(total);
      siftUp(heap, heap.length - 1);
      return true;
    }
    if (total <= (heap[0] as number)) return false;
    heap[0] = total;
    siftDown(heap, 0);
    return true;
  }

  /** The cut-off value (0 when nothing was offered). */
  value(): number {
    return this.#heap.length === 0 ? 0 : (this.#heap[0] as number);
  }
}

function siftUp(heap: number[], index: number): void {
  const value = heap[index] as number;
  let i = index;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as number;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
}

function siftDown(heap: number[], index: number): void {
  const n = heap.length;
  const value = heap[index] as number;
  let i = index;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    let smallest = left;
    if (right < n && (heap[right] as number) < (heap[left] as number)) smallest = right;
    if ((heap[smallest] as number) >= value) break;
    heap[i] = heap[smallest] as number;
    i = smallest;
  }
  heap[i] = value;
}
