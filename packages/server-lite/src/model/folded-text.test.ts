import { describe, expect, it } from 'vitest';
import { parseCollapsed, toCollapsed } from './folded-text.js';
import { buildFlamebearer } from '../query/export/flamebearer.js';
import { StackTree } from './stack-tree.js';

function stacksOf(tree: StackTree): [string, number][] {
  return [...tree.stacks()].map((s) => [s.frames.join(';'), s.value]);
}

describe('parseCollapsed (Pyroscope folded ingest)', () => {
  it.each([
    { name: 'simple lines', input: 'a;b 2\na;c 3\n', want: [['a;b', 2], ['a;c', 3]], total: 5 },
    { name: 'duplicates sum', input: 'a;b 2\na;b 5', want: [['a;b', 7]], total: 7 },
    { name: 'CRLF', input: 'a;b 2\r\nc 1\r\n', want: [['a;b', 2], ['c', 1]], total: 3 },
    { name: 'lines without a space are skipped', input: 'garbage\na 1\n\n', want: [['a', 1]], total: 1 },
    { name: 'value after the last space; spaces in frames kept', input: 'fn (x y);g 4', want: [['fn (x y);g', 4]], total: 4 },
    { name: 'trailing ; adds no empty frame', input: 'a;b; 3', want: [['a;b', 3]], total: 3 },
    { name: 'empty middle frame kept', input: 'a;;b 3', want: [['a;;b', 3]], total: 3 },
    { name: 'zero values add nothing', input: 'a 0\nb 1', want: [['b', 1]], total: 1 },
    { name: 'empty stack goes to the root', input: ' 5', want: [['', 5]], total: 5 },
  ])('$name', ({ input, want, total }) => {
    const tree = parseCollapsed(input);
    expect(stacksOf(tree)).toEqual(want);
    expect(tree.total()).toBe(total);
  });

  it('feeds the docs/COMPATIBILITY.md §1 flamebearer example', () => {
    const tree = parseCollapsed('main;work;a 3\nmain;work;b 2\nmain;idle 1\nmain 1\n');
    expect(buildFlamebearer(tree, { maxNodes: 8192 }).names).toEqual(['total', 'main', 'work', 'b', 'a', 'idle']);
  });

  it('adds into a given tree only when the whole input is valid', () => {
    const tree = parseCollapsed('a 1');
    expect(() => parseCollapsed('a 1\nb x', { tree })).toThrow(expect.objectContaining({ code: 'KPROF_FOLDED_BAD_VALUE' }));
    expect(tree.total()).toBe(1);
    parseCollapsed('a 2\nb 3', { tree });
    expect(stacksOf(tree)).toEqual([['a', 3], ['b', 3]]);
  });

  it.each([
    { name: 'non-numeric value', input: 'a;b x', code: 'KPROF_FOLDED_BAD_VALUE' },
    { name: 'negative value', input: 'a -1', code: 'KPROF_FOLDED_BAD_VALUE' },
    { name: 'fractional value', input: 'a 1.5', code: 'KPROF_FOLDED_BAD_VALUE' },
    { name: 'trailing space', input: 'a 1 ', code: 'KPROF_FOLDED_BAD_VALUE' },
    { name: 'value over 2^53', input: 'a 99999999999999999', code: 'KPROF_FOLDED_BAD_VALUE' },
    { name: 'too many lines', input: 'a 1\n'.repeat(11), opts: { maxLines: 10 }, code: 'KPROF_FOLDED_TOO_MANY_LINES' },
    { name: 'line too long', input: `${'x'.repeat(101)} 1`, opts: { maxLineChars: 100 }, code: 'KPROF_FOLDED_LINE_TOO_LONG' },
    { name: 'stack too deep', input: `${Array(6).fill('f').join(';')} 1`, opts: { maxDepth: 5 }, code: 'KPROF_FOLDED_STACK_TOO_DEEP' },
  ])('rejects $name with $code', ({ input, opts, code }) => {
    expect(() => parseCollapsed(input, opts)).toThrow(expect.objectContaining({ code }));
  });

  it('accepts exactly the limits', () => {
    expect(parseCollapsed('a 1\n'.repeat(10), { maxLines: 10 }).total()).toBe(10);
    expect(parseCollapsed(`${Array(5).fill('f').join(';')} 1`, { maxDepth: 5 }).total()).toBe(1);
  });

  it('names the line number in value errors', () => {
    expect(() => parseCollapsed('a 1\nb 2\nc nope')).toThrow(/line 3: value "nope"/);
  });
});

describe('toCollapsed', () => {
  it('writes one line per non-zero self, depth first in byte order, and round-trips', () => {
    const tree = new StackTree();
    tree.add(['main', 'work', 'b'], 2);
    tree.add(['main', 'work', 'a'], 3);
    tree.add(['main'], 1);
    tree.add(['Main'], 4);
    const text = toCollapsed(tree);
    expect(text).toBe('Main 4\nmain 1\nmain;work;a 3\nmain;work;b 2\n');
    expect(stacksOf(parseCollapsed(text))).toEqual(stacksOf(tree));
  });

  it('is empty for an empty tree', () => {
    expect(toCollapsed(new StackTree())).toBe('');
  });
});
