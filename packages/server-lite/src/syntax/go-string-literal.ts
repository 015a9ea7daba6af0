import { ValidationError } from '../errors.js';

/** Result of {@link readGoStringLiteral}: the decoded value and the index just after the closing quote. */
export interface StringLiteral {
  readonly value: string;
  readonly end: number;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/**
 * Reads a PromQL string literal starting at `start` (which must be `"`, `'` or a backtick), the
 * way Prometheus' lexer does: Go escapes in quoted strings (`\n`, `\"`, `\u00e9`, …), none in
 * backtick strings. `\x` and octal escapes are accepted only for ASCII, since a lone byte of a
 * multi-byte character has no UTF-16 equivalent. Throws `ValidationError` naming the position.
 */
export function readGoStringLiteral(src: string, start: number, what: string): StringLiteral {
  const quote = src[start];
  if (quote !== '"' && quote !== "'" && quote !== '`') {
    throw bad(what, start, `expected a quoted string`);
  }
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === quote) return { value: out, end: i + 1 };
    if (quote !== '`' && c === '\n') break;
    if (quote === '`' || c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) break;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const digits = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, i + 2 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) throw bad(what, i, `invalid \\${e} escape`);
      out += codePoint(Number.parseInt(hex, 16), e === 'x', what, i);
      i += 2 + digits;
    } else if (e >= '0' && e <= '7') {
      const oct = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw bad(what, i, 'invalid octal escape');
      out += codePoint(Number.parseInt(oct, 8), true, what, i);
      i += 4;
    } else {
      throw bad(what, i, `unknown escape \\${e}`);
    }
  }
  throw bad(what, start, 'unterminated string');
}

function codePoint(value: number, byteEscape: boolean, what: string, at: number): string {
  if (byteEscape && value > 0x7f) {
    throw bad(what, at, 'byte escapes above 0x7f are not supported; write the character itself or use \\u');
  }
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) throw bad(what, at, 'escape is not a valid Unicode character');
  return String.fromCodePoint(value);
}

function bad(what: string, at: number, problem: string): ValidationError {
  return new ValidationError('KPROF_QUERY_BAD_SELECTOR', `${what}: ${problem} at offset ${at}`);
}
