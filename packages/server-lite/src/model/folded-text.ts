import { LimitError, ValidationError } from '../errors.js';
import { StackTree } from './stack-tree.js';

/**
 * Renders `tree` as collapsed ("folded") text for `/render?format=collapsed`: one line per call
 * path with a non-zero self value, frames root first joined by `;`, a space, the value, `\n`.
 * Lines come depth first with siblings in UTF-8 byte order.
 */
export function toCollapsed(tree: StackTree): string {
  const lines: string[] = [];
  for (const { frames, value } of tree.stacks()) lines.push(`${frames.join(';')} ${value}\n`);
  return lines.join('');
}

/** Options for {@link parseCollapsed}. */
export interface ParseCollapsedOptions {
  /** Tree to add into; a new one by default. */
  readonly tree?: StackTree;
  /** Most lines read. Default {@link DEFAULT_MAX_COLLAPSED_LINES}. */
  readonly maxLines?: number;
  /** Longest line, in characters (Pyroscope's reader stops at 64 KiB). Default {@link DEFAULT_MAX_COLLAPSED_LINE_CHARS}. */
  readonly maxLineChars?: number;
  /** Most frames in one stack. Default {@link DEFAULT_MAX_STACK_DEPTH}. */
  readonly maxDepth?: number;
}

/** Default {@link ParseCollapsedOptions.maxLines}. */
export const DEFAULT_MAX_COLLAPSED_LINES = 100_000;
/** Default {@link ParseCollapsedOptions.maxLineChars} (64 KiB). */
export const DEFAULT_MAX_COLLAPSED_LINE_CHARS = 65_536;
/** Default {@link ParseCollapsedOptions.maxDepth}, Grafana Pyroscope's stack depth limit. */
export const DEFAULT_MAX_STACK_DEPTH = 1000;

/**
 * Parses Pyroscope's folded ingest format (`format=folded`/default body): lines `a;b;c 42`, the
 * value after the last space. As in Pyroscope, lines without a space are skipped, `\r\n` is
 * accepted, frames are split on `;` (a trailing `;` adds no empty frame, `a;;b` has an empty
 * middle frame) and a 0 value adds nothing.
 *
 * Throws `ValidationError` `KPROF_FOLDED_BAD_VALUE` for a value that is not a non-negative
 * integer (with the line number), and `LimitError` `KPROF_FOLDED_TOO_MANY_LINES`,
 * `KPROF_FOLDED_LINE_TOO_LONG` or `KPROF_FOLDED_STACK_TOO_DEEP` past the limits. Nothing is
 * added to `opts.tree` unless the whole input is valid.
 */
export function parseCollapsed(input: string, opts: ParseCollapsedOptions = {}): StackTree {
  const maxLines = opts.maxLines ?? DEFAULT_MAX_COLLAPSED_LINES;
  const maxLineChars = opts.maxLineChars ?? DEFAULT_MAX_COLLAPSED_LINE_CHARS;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_STACK_DEPTH;
  const parsed = new StackTree();
  let lineNo = 0;
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf('\n', start);
    if (end === -1) end = input.length;
    lineNo++;
    if (lineNo > maxLines) {
      throw new LimitError(
        'KPROF_FOLDED_TOO_MANY_LINES',
        `folded profile has more than ${maxLines} lines, the limit; send fewer stacks per request`,
      );
    }
    if (end - start > maxLineChars + 1) {
      throw new LimitError(
        'KPROF_FOLDED_LINE_TOO_LONG',
        `folded profile line ${lineNo} is ${end - start} characters, over the limit of ${maxLineChars}`,
      );
    }
    let line = input.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const space = line.lastIndexOf(' ');
    if (space === -1) continue;
    const text = line.slice(space + 1);
    const value = /^\+?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) {
      throw new ValidationError(
        'KPROF_FOLDED_BAD_VALUE',
        `folded profile line ${lineNo}: value ${JSON.stringify(text.slice(0, 40))} is not a non-negative integer`,
      );
    }
    if (value === 0) continue;
    const frames = line.slice(0, space).split(';');
    if (frames[frames.length - 1] === '') frames.pop();
    if (frames.length > maxDepth) {
      throw new LimitError(
        'KPROF_FOLDED_STACK_TOO_DEEP',
        `folded profile line ${lineNo} has ${frames.length} frames, over the limit of ${maxDepth}`,
      );
    }
    parsed.add(frames, value);
  }
  if (opts.tree === undefined) return parsed;
  opts.tree.addTree(parsed);
  return opts.tree;
}
