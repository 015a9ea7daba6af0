import { RE2JS } from 're2js';
import { parseAnchoredRegex } from '../syntax/anchored-regex.js';
import { LimitError, ValidationError } from '../errors.js';
import { readGoStringLiteral } from '../syntax/go-string-literal.js';

/** Label match operators, as in FlameQL and PromQL. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One `name op "value"` selector term. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  /** The value or regex source as written (after unquoting). */
  readonly value: string;
  /**
   * True when a series whose label `name` has value `v` (`undefined` = label absent) passes.
   * FlameQL (unanchored mode): an absent label passes only `!=` and `!~`. Prometheus (anchored
   * mode): an absent label is matched as the empty string, so `k=""` selects series without `k`.
   */
  matches(v: string | undefined): boolean;
}

/** A parsed selector: the optional name before the braces and the matchers inside them. */
export interface ParsedQuery {
  readonly name?: string;
  readonly matchers: LabelMatcher[];
}

/** Options for {@link parseQuery}. */
export interface ParseQueryOptions {
  /**
   * false = Pyroscope OG FlameQL (`app.cpu{k="v"}`): values are raw double-quoted text, non-empty,
   * regexes match anywhere in the value, label names `[A-Za-z0-9_.]+`, `__name__` is reserved.
   * true = Prometheus/Grafana selectors (`{service_name="x"}`, `type:id{…}`): Go string
   * literals, regexes anchored as `^(?s:RE)$`, label names `[A-Za-z_][A-Za-z0-9_]*` or quoted.
   */
  readonly anchored: boolean;
  /** Require a name before the braces. Default: true when unanchored (FlameQL), false when anchored. */
  readonly requireName?: boolean;
  /** Most matchers accepted. Default {@link DEFAULT_MAX_MATCHERS}. */
  readonly maxMatchers?: number;
  /** Longest regex accepted, in characters. Default {@link DEFAULT_MAX_REGEX_CHARS}. */
  readonly maxRegexChars?: number;
  /** Longest query accepted, in characters. Default {@link DEFAULT_MAX_QUERY_CHARS}. */
  readonly maxQueryChars?: number;
}

/** Default {@link ParseQueryOptions.maxMatchers}. */
export const DEFAULT_MAX_MATCHERS = 64;
/** Default {@link ParseQueryOptions.maxRegexChars} (1 KiB). */
export const DEFAULT_MAX_REGEX_CHARS = 1024;
/** Default {@link ParseQueryOptions.maxQueryChars} (16 KiB). */
export const DEFAULT_MAX_QUERY_CHARS = 16_384;

const OG_NAME_CHAR = /[A-Za-z0-9_.\/-]/;
const ANCHORED_NAME_CHAR = /[A-Za-z0-9_.:\/-]/;
const OG_LABEL = /^[A-Za-z0-9_.]+/;
const PROM_LABEL = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Parses a FlameQL or Prometheus-style selector: `name`, `name{…}` or `{…}` with comma-separated
 * `label op "value"` matchers (`=`, `!=`, `=~`, `!~`; whitespace around tokens allowed, a
 * trailing comma allowed). Matchers keep their written order.
 *
 * Errors: `ValidationError` `KPROF_QUERY_BAD_SELECTOR` (syntax, bad regex, reserved label,
 * missing name), `LimitError` `KPROF_QUERY_TOO_LONG`, `KPROF_QUERY_TOO_MANY_MATCHERS`,
 * `KPROF_QUERY_REGEX_TOO_LONG`. Regexes are RE2 (re2js, linear time), safe on untrusted input.
 */
export function parseQuery(q: string, opts: ParseQueryOptions): ParsedQuery {
  const maxQueryChars = opts.maxQueryChars ?? DEFAULT_MAX_QUERY_CHARS;
  if (q.length > maxQueryChars) {
    throw new LimitError(
      'KPROF_QUERY_TOO_LONG',
      `query is ${q.length} characters, over the limit of ${maxQueryChars}; shorten the selector`,
    );
  }
  const anchored = opts.anchored;
  const requireName = opts.requireName ?? !anchored;
  const s = q.trim();
  const what = `query ${JSON.stringify(q)}`;
  const nameChar = anchored ? ANCHORED_NAME_CHAR : OG_NAME_CHAR;

  let nameEnd = 0;
  while (nameEnd < s.length && nameChar.test(s[nameEnd] as string)) nameEnd++;
  const name = s.slice(0, nameEnd);
  if (nameEnd < s.length && s[nameEnd] !== '{') {
    throw new ValidationError(
      'KPROF_QUERY_BAD_SELECTOR',
      `${what}: character ${JSON.stringify(s[nameEnd])} at offset ${nameEnd} is not allowed in a name; expected {`,
    );
  }
  if (name === '' && requireName) {
    throw new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: an application name is required, e.g. app.cpu{env="prod"}`);
  }
  let matchers: LabelMatcher[] = [];
  if (nameEnd < s.length) {
    if (!s.endsWith('}') || s.length - 1 === nameEnd) {
      throw new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: expected } at the end`);
    }
    matchers = parseMatchers(s.slice(nameEnd + 1, -1), nameEnd + 1, opts, what);
  }
  return name === '' ? { matchers } : { name, matchers };
}

/** True when every matcher passes for `labels` (absent labels per each matcher's mode). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    if (!m.matches(Object.hasOwn(labels, m.name) ? labels[m.name] : undefined)) return false;
  }
  return true;
}

function parseMatchers(body: string, offset: number, opts: ParseQueryOptions, what: string): LabelMatcher[] {
  const anchored = opts.anchored;
  const maxMatchers = opts.maxMatchers ?? DEFAULT_MAX_MATCHERS;
  const matchers: LabelMatcher[] = [];
  let i = skipSpace(body, 0);
  const fail = (at: number, problem: string): ValidationError =>
    new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: ${problem} at offset ${offset + at}`);

  while (i < body.length) {
    if (body[i] === ',') {
      // FlameQL skips empty terms (`{a="b",,c="d"}`); PromQL only allows one trailing comma.
      if (anchored) throw fail(i, 'expected a label name');
      i = skipSpace(body, i + 1);
      continue;
    }
    let label: string;
    if (anchored && (body[i] === '"' || body[i] === "'" || body[i] === '`')) {
      const lit = readGoStringLiteral(body, i, what);
      label = lit.value;
      i = lit.end;
    } else {
      const m = (anchored ? PROM_LABEL : OG_LABEL).exec(body.slice(i));
      if (m === null) throw fail(i, `expected a label name, found ${JSON.stringify(body[i])}`);
      label = m[0];
      i += label.length;
    }
    if (!anchored && label === '__name__') {
      throw fail(i - label.length, 'label __name__ is reserved in FlameQL; put the application name before the braces');
    }
    i = skipSpace(body, i);
    const op = readOp(body, i);
    if (op === undefined) throw fail(i, `expected one of = != =~ !~ after label ${JSON.stringify(label)}`);
    i = skipSpace(body, i + op.length);

    let value: string;
    if (anchored) {
      const lit = readGoStringLiteral(body, i, what);
      value = lit.value;
      i = lit.end;
    } else {
      const raw = readRawQuoted(body, i);
      if (raw === undefined) throw fail(i, `expected a non-empty double-quoted value for label ${JSON.stringify(label)}`);
      value = raw.value;
      i = raw.end;
    }
    if (matchers.length >= maxMatchers) {
      throw new LimitError(
        'KPROF_QUERY_TOO_MANY_MATCHERS',
        `${what} has more than ${maxMatchers} label matchers, the limit; select with fewer labels`,
      );
    }
    matchers.push(makeMatcher(label, op, value, opts, what));

    i = skipSpace(body, i);
    if (i < body.length) {
      if (body[i] !== ',') throw fail(i, `expected , or } after the value of ${JSON.stringify(label)}`);
      i = skipSpace(body, i + 1);
    }
  }
  if (matchers.length === 0 && body.trim() !== '') throw fail(0, 'no label matchers between the braces');
  return matchers;
}

function readOp(body: string, i: number): MatchOp | undefined {
  const two = body.slice(i, i + 2);
  if (two === '=~' || two === '!=' || two === '!~') return two;
  return body[i] === '=' ? '=' : undefined;
}

// FlameQL values are the raw text between double quotes: a backslash keeps the next quote inside
// the value but is not removed (Pyroscope OG never unescapes), and empty values are invalid.
function readRawQuoted(body: string, i: number): { value: string; end: number } | undefined {
  if (body[i] !== '"') return undefined;
  for (let j = i + 1; j < body.length; j++) {
    if (body[j] === '"' && body[j - 1] !== '\\') {
      return j === i + 1 ? undefined : { value: body.slice(i + 1, j), end: j + 1 };
    }
  }
  return undefined;
}

function skipSpace(s: string, i: number): number {
  let j = i;
  while (j < s.length && /\s/.test(s[j] as string)) j++;
  return j;
}

function makeMatcher(name: string, op: MatchOp, value: string, opts: ParseQueryOptions, what: string): LabelMatcher {
  const anchored = opts.anchored;
  const absent = anchored ? undefined : op === '!=' || op === '!~';
  let test: (v: string) => boolean;
  if (op === '=' || op === '!=') {
    test = (v) => v === value;
  } else {
    const maxRegexChars = opts.maxRegexChars ?? DEFAULT_MAX_REGEX_CHARS;
    if (value.length > maxRegexChars) {
      throw new LimitError(
        'KPROF_QUERY_REGEX_TOO_LONG',
        `${what}: regex for label ${JSON.stringify(name)} is ${value.length} characters, over the limit of ${maxRegexChars}; shorten it`,
      );
    }
    test = anchored ? compileAnchored(value, what) : compileUnanchored(value, what);
  }
  const negate = op === '!=' || op === '!~';
  return {
    name,
    op,
    value,
    matches(v: string | undefined): boolean {
      if (v === undefined && absent !== undefined) return absent;
      return test(v ?? '') !== negate;
    },
  };
}

function compileAnchored(source: string, what: string): (v: string) => boolean {
  const result = parseAnchoredRegex(source);
  if (!result.ok) throw new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: ${result.message}`);
  return result.regex.test;
}

function compileUnanchored(source: string, what: string): (v: string) => boolean {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: invalid regex ${JSON.stringify(source)}: ${text}`, {
      cause: err,
    });
  }
  return (v) => re.test(v);
}
