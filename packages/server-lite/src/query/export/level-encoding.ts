/**
 * Finishes flamebearer rows. Builders append a row's nodes right to left (the order Pyroscope's
 * depth-first walk reaches them) with absolute x offsets; this puts each row left to right and
 * delta-encodes the x slots: each x becomes the gap between the previous node's end (x + total)
 * and this node's start, per side for the two-sided diff format.
 *
 * `xSlots` lists the offsets inside a node's chunk that hold an x; the slot after each is its
 * total. Rows are rewritten in place.
 */
export function finishLevels(levels: number[][], chunk: number, xSlots: readonly number[]): void {
  for (const row of levels) {
    reverseChunks(row, chunk);
    for (const slot of xSlots) {
      let prevEnd = 0;
      for (let i = slot; i < row.length; i += chunk) {
        const x = row[i] as number;
        const total = row[i + 1] as number;
        row[i] = x - prevEnd;
        prevEnd = x + total;
      }
    }
  }
}

function reverseChunks(row: number[], chunk: number): void {
  const count = row.length / chunk;
  for (let a = 0, b = count - 1; a < b; a++, b--) {
    const ia = a * chunk;
    const ib = b * chunk;
    for (let k = 0; k < chunk; k++) {
      const t = row[ia + k] as number;
      row[ia + k] = row[ib + k] as number;
      row[ib + k] = t;
    }
  }
}
