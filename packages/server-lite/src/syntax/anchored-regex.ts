import { RE2JS } from 're2js';

/**
 * A regular expression in Go's RE2 syntax, anchored at both ends the way Prometheus 3 anchors
 * relabel regexes and label matchers: `^(?s:RE)$`. Matching is linear-time (re2js), so a
 * pattern from an untrusted user cannot stall the process.
 */
export interface AnchoredRegex {
  /** The pattern as the user wrote it, without the anchors. */
  readonly source: string;
  /** Number of capture groups, not counting group 0. */
  readonly groupCount: number;
  /** Capture group names → index (RE2 `(?P<name>…)` and `(?<name>…)`). */
  readonly groupNames: ReadonlyMap<string, number>;
  /** True when the whole of `value` matches. */
  test(value: string): boolean;
  /**
   * Matches the whole of `value`; returns the groups (index 0 = whole match, `undefined` for a
   * group that did not take part) or `null` when there is no match.
   */
  match(value: string): (string | undefined)[] | null;
}

/** Result of {@link parseAnchoredRegex}: the regex, or a message naming the pattern and the problem. */
export type AnchoredRegexResult =
  | { readonly ok: true; readonly regex: AnchoredRegex }
  | { readonly ok: false; readonly message: string };

/** Longest pattern accepted; RE2 programs grow with pattern size and configs are small. */
export const MAX_REGEX_SOURCE_CHARS = 16_384;

/**
 * Compiles `source` as `^(?s:source)$` with RE2 semantics. Never throws: a bad pattern yields
 * `{ ok: false, message }` so callers can report it as a config or request error.
 */
export function parseAnchoredRegex(source: string): AnchoredRegexResult {
  if (source.length > MAX_REGEX_SOURCE_CHARS) {
    return {
      ok: false,
      message: `regex is ${source.length} characters, over the limit of ${MAX_REGEX_SOURCE_CHARS}; shorten it`,
    };
  }
  let compiled: RE2JS;
  try {
    // Compile the bare pattern first: its error message quotes only what the user wrote. It
    // also rejects a pattern like `a)|(b`, which Go accepts only because the wrapper's
    // parentheses balance it (turning it into two half-anchored alternatives) — a deliberate
    // divergence: such a pattern never means what its author intended.
    RE2JS.compile(source);
    compiled = RE2JS.compile(`^(?s:${source})$`);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `invalid regex ${JSON.stringify(source)}: ${text.replace(/^error parsing regexp: /, '')}` };
  }
  return { ok: true, regex: wrap(source, compiled) };
}

function wrap(source: string, compiled: RE2JS): AnchoredRegex {
  const groupCount = compiled.groupCount();
  const groupNames = new Map(Object.entries(compiled.namedGroups()));
  return {
    source,
    groupCount,
    groupNames,
    test: (value) => compiled.testExact(value),
    match(value) {
      const m = compiled.matcher(value);
      if (!m.matches()) return null;
      const groups: (string | undefined)[] = [];
      for (let i = 0; i <= groupCount; i++) groups.push(m.group(i) ?? undefined);
      return groups;
    },
  };
}
