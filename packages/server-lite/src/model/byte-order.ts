/**
 * Compares two strings in UTF-8 byte order, the order Go's `bytes.Compare` gives and therefore
 * the order Pyroscope keeps tree children in. JavaScript's `<` compares UTF-16 code units, which
 * disagrees with UTF-8 order only when a surrogate pair (a character above U+FFFF) meets a
 * character in U+E000–U+FFFF at the first difference; that case is remapped here.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (U+D800–U+DFFF) start characters above U+FFFF, so they must sort after U+E000–U+FFFF.
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit <= 0xdfff) return unit + 0x2000;
  return unit - 0x800;
}
