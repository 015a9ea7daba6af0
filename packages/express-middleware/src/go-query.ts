/**
 * Query parameters read the way Go's net/http/pprof reads them (`r.FormValue` = first value, `strconv.Atoi` /
 * `strconv.ParseInt` = optional sign and decimal digits only, so `1.5`, ` 1` and `0x1` are errors).
 */

/** The first value of `name` in the raw query of `originalUrl`, or '' (Go's FormValue for a missing key). */
export function firstQueryValue(originalUrl: string, name: string): string {
  const q = originalUrl.indexOf('?');
  if (q < 0) return '';
  return new URLSearchParams(originalUrl.slice(q + 1)).get(name) ?? '';
}

const GO_INT = /^[+-]?[0-9]+$/;

/** Go's `strconv.ParseInt(s, 10, 64)`: the integer, or undefined where Go returns an error (including overflow). */
export function parseGoInt(s: string): number | undefined {
  if (!GO_INT.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9_223_372_036_854_775_807n || n < -9_223_372_036_854_775_808n) return undefined;
  // Out-of-safe-range values only need to compare as "huge"; Number keeps their sign and size.
  return Number(n);
}

/** Go's `v, _ := strconv.Atoi(s)`: errors read as 0. */
export function atoiOrZero(s: string): number {
  return parseGoInt(s) ?? 0;
}
