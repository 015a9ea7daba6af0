/** `a`'s entries in a new array of at least `n` entries and at least twice `a`'s length (amortised appends). */
export function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}
