import { describe, expect, it } from 'vitest';
import { StackTree, sortNodes, sortedChildren } from './stack-tree.js';

describe('StackTree', () => {
  it('merges stacks: totals along the path, self at the leaf', () => {
    const tree = new StackTree();
    tree.add(['a', 'b'], 2);
    tree.add(['a', 'c'], 3);
    tree.add(['a'], 1);
    expect(tree.total()).toBe(6);
    expect(tree.nodeCount()).toBe(4);
    const a = tree.root.children?.get('a');
    expect([a?.total, a?.self]).toEqual([6, 1]);
    expect(sortedChildren(a!).map((n) => [n.name, n.total, n.self])).toEqual([
      ['b', 2, 2],
      ['c', 3, 3],
    ]);
  });

  it('addTree sums per call path and equals adding the same stacks', () => {
    const x = new StackTree();
    x.add(['a', 'b'], 2);
    x.add(['z'], 1);
    const y = new StackTree();
    y.add(['a', 'b'], 5);
    y.add(['a', 'c', 'd'], 7);
    const merged = new StackTree();
    merged.addTree(x);
    merged.addTree(y);
    const direct = new StackTree();
    for (const t of [x, y]) for (const s of t.stacks()) direct.add(s.frames, s.value);
    expect([...merged.stacks()]).toEqual([...direct.stacks()]);
    expect(merged.total()).toBe(15);
    expect(merged.nodeCount()).toBe(direct.nodeCount());
  });

  it('stacks() yields root-first frames whose values sum to total()', () => {
    const tree = new StackTree();
    tree.add([], 4);
    tree.add(['m', 'x'], 3);
    tree.add(['m'], 2);
    const stacks = [...tree.stacks()];
    expect(stacks).toEqual([
      { frames: [], value: 4 },
      { frames: ['m'], value: 2 },
      { frames: ['m', 'x'], value: 3 },
    ]);
    expect(stacks.reduce((sum, s) => sum + s.value, 0)).toBe(tree.total());
  });

  it.each([{ value: -1 }, { value: 1.5 }, { value: Number.NaN }, { value: Number.POSITIVE_INFINITY }, { value: 2 ** 53 }])(
    'rejects value $value with KPROF_QUERY_BAD_SAMPLE_VALUE',
    ({ value }) => {
      expect(() => new StackTree().add(['a'], value)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_BAD_SAMPLE_VALUE' }));
    },
  );

  it('enforces its node limit with KPROF_QUERY_TREE_TOO_LARGE', () => {
    const tree = new StackTree({ maxNodes: 3 });
    tree.add(['a', 'b'], 1);
    tree.add(['a', 'b'], 1);
    expect(() => tree.add(['a', 'c'], 1)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_TREE_TOO_LARGE' }));
    // A rejected add changes nothing; existing paths still take values.
    expect([tree.total(), tree.nodeCount()]).toEqual([2, 3]);
    tree.add(['a'], 5);
    expect(tree.total()).toBe(7);
  });
});

describe('StackTree.divide (Pyroscope OG average)', () => {
  it('rounds each node down on its own and keeps nodes that reach 0', () => {
    const tree = new StackTree();
    tree.add(['main', 'a'], 5);
    tree.add(['main', 'b'], 2);
    tree.add(['main'], 1);
    tree.divide(3);
    const main = tree.root.children!.get('main')!;
    // root 8 → 2; main total 8 → 2, self 1 → 0; a 5 → 1; b 2 → 0 (kept).
    expect([tree.total(), main.total, main.self]).toEqual([2, 2, 0]);
    expect(sortedChildren(main).map((n) => [n.name, n.total, n.self])).toEqual([
      ['a', 1, 1],
      ['b', 0, 0],
    ]);
    expect(tree.nodeCount()).toBe(4);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses divisor %s with KPROF_QUERY_BAD_DIVISOR', (d) => {
    expect(() => new StackTree().divide(d)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_BAD_DIVISOR' }));
  });
});

describe('sortNodes', () => {
  const node = (name: string) => ({ name, self: 0, total: 1, children: undefined });
  const byUtf8 = (names: string[]) => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  it.each([
    { name: 'ASCII (the native-compare path)', names: ['main.b', 'Main.a', 'main.a', 'main', 'a_b', 'a.b', ''] },
    { name: 'below U+D800 (native compare)', names: ['é', 'e', 'ö', 'z', '中', 'a'] },
    { name: 'U+E000–U+FFFF and astral (byte-wise compare)', names: ['\uFFFD', 'a', '😀', '\uE000x', 'z'] },
    { name: 'one astral name among ASCII', names: ['b', 'a😀', 'a\uFFFF', 'a'] },
    { name: 'a single node', names: ['x'] },
  ])('sorts $name in UTF-8 byte order', ({ names }) => {
    expect(sortNodes(names.map(node)).map((n) => n.name)).toEqual(byUtf8(names));
  });
});
