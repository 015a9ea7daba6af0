/**
 * Go's `regexp.Expand` template semantics, which Prometheus relabeling uses for `target_label`
 * and `replacement`. JavaScript's `String.replace` differs: it reads `$1_x` as group 1 followed
 * by `_x` and leaves `${1}` literal, while Go reads `$1_x` as the (usually missing) group named
 * `1_x`.
 *
 * Rules (from the Go documentation of `Regexp.Expand`):
 * - `$$` is a literal `$`;
 * - `$name` takes the longest run of letters, digits and `_` as the name;
 * - `${name}` takes the name between braces;
 * - a name made only of digits, without a leading zero and below 10^8, is a group number;
 *   any other name is a group name;
 * - an unknown group or one that did not take part expands to the empty string;
 * - a `$` not followed by a valid name (or a `${` without its `}`) is copied literally.
 */
export function expandGoTemplate(
  template: string,
  groups: readonly (string | undefined)[],
  groupNames: ReadonlyMap<string, number>,
): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = readReference(rest);
    if (ref === undefined) {
      out += '$';
      continue;
    }
    rest = rest.slice(ref.length);
    const index = ref.number >= 0 ? ref.number : groupNames.get(ref.name);
    if (index !== undefined && index < groups.length) out += groups[index] ?? '';
  }
  return out + rest;
}

interface Reference {
  readonly name: string;
  /** Group number, or -1 when `name` is not a plain group number. */
  readonly number: number;
  /** Characters consumed after the `$`. */
  readonly length: number;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

function readReference(text: string): Reference | undefined {
  const braced = text.startsWith('{');
  let i = braced ? 1 : 0;
  const nameStart = i;
  while (i < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i) as number);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return undefined;
  const name = text.slice(nameStart, i);
  if (braced) {
    if (text[i] !== '}') return undefined;
    i++;
  }
  return { name, number: parseGroupNumber(name), length: i };
}

function parseGroupNumber(name: string): number {
  let n = 0;
  for (const ch of name) {
    if (ch < '0' || ch > '9' || n >= 1e8) return -1;
    n = n * 10 + (ch.charCodeAt(0) - 48);
  }
  if (name.length > 1 && name.startsWith('0')) return -1;
  return n;
}
