/**
 * Reads up to `limit` start times of one series, ascending, skipping the first `offset`.
 */
export type ReadStartTimes = (seriesId: number, limit: number, offset: number) => number[];

/**
 * How many of each series' oldest profiles make up the `count` oldest across all series: a
 * k-way merge over the series' start times, read in pages of `page` from the per-series index
 * (one seek per series, then about `count / page` more), with a binary heap so each pick costs
 * O(log series). Ties between series go to the series listed first. The store passes row-group
 * ids (schema v4): any ids with an ascending start-time index work.
 */
export function countOldestPerSeries(seriesIds: Iterable<number>, count: number, read: ReadStartTimes, page = 64): Map<number, number> {
  interface Head {
    readonly seriesId: number;
    readonly order: number;
    times: number[];
    pos: number;
    read: number;
  }
  const heap: Head[] = [];
  const before = (a: Head, b: Head): boolean => a.times[a.pos]! < b.times[b.pos]! || (a.times[a.pos] === b.times[b.pos] && a.order < b.order);
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  const take = new Map<number, number>();
  if (count <= 0) return take;
  const size = Math.max(1, Math.min(count, page));
  let order = 0;
  for (const seriesId of seriesIds) {
    const times = read(seriesId, size, 0);
    if (times.length > 0) heap.push({ seriesId, order: order++, times, pos: 0, read: times.length });
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let n = 0; n < count && heap.length > 0; n++) {
    const top = heap[0]!;
    take.set(top.seriesId, (take.get(top.seriesId) ?? 0) + 1);
    top.pos++;
    if (top.pos === top.times.length) {
      // A short page was the series' last one.
      top.times = top.times.length < size ? [] : read(top.seriesId, size, top.read);
      top.pos = 0;
      top.read += top.times.length;
      if (top.times.length === 0) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        if (last !== top) heap[0] = last;
      }
    }
    siftDown(0);
  }
  return take;
}
