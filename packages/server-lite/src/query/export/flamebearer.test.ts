import { describe, expect, it } from 'vitest';
import { buildDiffFlamebearer } from './diff-flamebearer.js';
import { buildFlamebearer } from './flamebearer.js';
import { StackTree } from '../../model/stack-tree.js';

function treeOf(lines: readonly string[]): StackTree {
  const tree = new StackTree();
  for (const line of lines) {
    const space = line.lastIndexOf(' ');
    tree.add(line.slice(0, space).split(';'), Number(line.slice(space + 1)));
  }
  return tree;
}

/** Decodes levels back into `path -> [total, self]` so a layout can be checked independently. */
function decode(fb: { names: string[]; levels: number[][] }, chunk = 4): Map<string, { x: number; total: number; self: number }> {
  const out = new Map<string, { x: number; total: number; self: number }>();
  const rows: { x: number; total: number; self: number; name: string }[][] = [];
  fb.levels.forEach((row, depth) => {
    const nodes: { x: number; total: number; self: number; name: string }[] = [];
    let prevEnd = 0;
    for (let i = 0; i < row.length; i += chunk) {
      const x = prevEnd + (row[i] as number);
      const total = row[i + 1] as number;
      nodes.push({ x, total, self: row[i + 2] as number, name: fb.names[row[i + chunk - 1] as number] as string });
      prevEnd = x + total;
    }
    rows[depth] = nodes;
  });
  const pathOf = (depth: number, x: number, name: string): string => {
    const parts = [name];
    for (let d = depth - 1; d >= 0; d--) {
      const parent = (rows[d] ?? []).filter((n) => n.x <= x && x < n.x + Math.max(n.total, 1)).pop();
      parts.unshift(parent?.name ?? '?');
    }
    return parts.join(';');
  };
  rows.forEach((nodes, depth) => {
    for (const n of nodes) out.set(pathOf(depth, n.x, n.name), { x: n.x, total: n.total, self: n.self });
  });
  return out;
}

describe('buildFlamebearer (Pyroscope OG single format)', () => {
  it('reproduces the docs/COMPATIBILITY.md §1 worked example exactly', () => {
    const tree = treeOf(['main;work;a 3', 'main;work;b 2', 'main;idle 1', 'main 1']);
    expect(buildFlamebearer(tree, { maxNodes: 8192 })).toEqual({
      names: ['total', 'main', 'work', 'b', 'a', 'idle'],
      levels: [[0, 7, 0, 0], [0, 7, 1, 1], [1, 1, 1, 5, 0, 5, 0, 2], [2, 3, 3, 4, 0, 2, 2, 3]],
      numTicks: 7,
      maxSelf: 3,
    });
  });

  it.each([
    { name: 'empty tree', lines: [], names: ['total'], levels: [[0, 0, 0, 0]], numTicks: 0, maxSelf: 0 },
    { name: 'root self only (empty stack)', lines: [' 4'], names: ['total', ''], levels: [[0, 4, 0, 0], [0, 4, 4, 1]], numTicks: 4, maxSelf: 4 },
    {
      name: 'children in byte order, self first',
      lines: ['r;b 2', 'r;a 1', 'r 5'],
      names: ['total', 'r', 'b', 'a'],
      levels: [[0, 8, 0, 0], [0, 8, 5, 1], [5, 1, 1, 3, 0, 2, 2, 2]],
      numTicks: 8,
      maxSelf: 5,
    },
    {
      name: 'uppercase sorts before lowercase (bytewise, not locale)',
      lines: ['a 1', 'B 1'],
      names: ['total', 'a', 'B'],
      levels: [[0, 2, 0, 0], [0, 1, 1, 2, 0, 1, 1, 1]],
      numTicks: 2,
      maxSelf: 1,
    },
    {
      name: 'a repeated frame name reuses its first index',
      lines: ['x;y;x 2', 'y 1'],
      names: ['total', 'y', 'x'],
      levels: [[0, 3, 0, 0], [0, 2, 0, 2, 0, 1, 1, 1], [0, 2, 0, 1], [0, 2, 2, 2]],
      numTicks: 3,
      maxSelf: 2,
    },
    {
      name: 'a frame named total shares the root index',
      lines: ['total 3'],
      names: ['total'],
      levels: [[0, 3, 0, 0], [0, 3, 3, 0]],
      numTicks: 3,
      maxSelf: 3,
    },
  ])('$name', ({ lines, names, levels, numTicks, maxSelf }) => {
    expect(buildFlamebearer(treeOf(lines), { maxNodes: 8192 })).toEqual({ names, levels, numTicks, maxSelf });
  });

  it('sorts astral-plane names after U+E000–U+FFFF like UTF-8 bytes', () => {
    // U+FF21 (fullwidth A) is 0xEF.. in UTF-8, U+1F600 is 0xF0..; UTF-16 order would flip them.
    const fb = buildFlamebearer(treeOf(['\u{1F600} 1', '\uFF21 1']), { maxNodes: -1 });
    const row = fb.levels[1] as number[];
    expect([fb.names[row[3] as number], fb.names[row[7] as number]]).toEqual(['\uFF21', '\u{1F600}']);
  });

  describe('maxNodes cut-off and other', () => {
    // total 100; main 100; a 50 (a1 30, a2 20), b 30, c 15, d 5
    const lines = ['main;a;a1 30', 'main;a;a2 20', 'main;b 30', 'main;c 15', 'main;d 5'];

    it.each([
      {
        name: 'maxNodes 1 keeps only nodes as large as the root',
        maxNodes: 1,
        names: ['total', 'main', 'other'],
        levels: [[0, 100, 0, 0], [0, 100, 0, 1], [0, 100, 100, 2]],
        maxSelf: 100,
      },
      {
        name: 'maxNodes 3 cuts below 50: a kept, b c d merged after it',
        maxNodes: 3,
        names: ['total', 'main', 'other', 'a'],
        levels: [[0, 100, 0, 0], [0, 100, 0, 1], [0, 50, 0, 3, 0, 50, 50, 2], [0, 50, 50, 2]],
        maxSelf: 50,
      },
      {
        name: 'maxNodes 5 keeps the 30s (ties kept) and merges c, d and a2',
        maxNodes: 5,
        names: ['total', 'main', 'other', 'b', 'a', 'a1'],
        levels: [
          [0, 100, 0, 0],
          [0, 100, 0, 1],
          [0, 50, 0, 4, 0, 30, 30, 3, 0, 20, 20, 2],
          [0, 30, 30, 5, 0, 20, 20, 2],
        ],
        maxSelf: 30,
      },
    ])('$name', ({ maxNodes, names, levels, maxSelf }) => {
      expect(buildFlamebearer(treeOf(lines), { maxNodes })).toEqual({ names, levels, numTicks: 100, maxSelf });
    });

    it('keeps everything with maxNodes -1 or a limit above the node count', () => {
      const all = buildFlamebearer(treeOf(lines), { maxNodes: -1 });
      expect(all.names).not.toContain('other');
      expect(buildFlamebearer(treeOf(lines), { maxNodes: 8 })).toEqual(all);
      expect(buildFlamebearer(treeOf(lines), { maxNodes: 7 })).not.toEqual(all);
    });

    it('folds a real frame named other into the synthetic other node, as Pyroscope does', () => {
      const fb = buildFlamebearer(treeOf(['m;other;deep 4', 'm;x 6']), { maxNodes: -1 });
      expect(fb.names).toEqual(['total', 'm', 'other', 'x']);
      expect(fb.levels).toEqual([[0, 10, 0, 0], [0, 10, 0, 1], [0, 6, 6, 3, 0, 4, 4, 2]]);
    });
  });

  it('keeps totals consistent on a deep stack (10,000 frames) without recursion', () => {
    const frames = Array.from({ length: 10_000 }, (_, i) => `f${i % 7}`);
    const tree = new StackTree();
    tree.add(frames, 9);
    tree.add(frames.slice(0, 5_000), 1);
    const fb = buildFlamebearer(tree, { maxNodes: -1 });
    expect(fb.levels).toHaveLength(10_001);
    expect(fb.names).toEqual(['total', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    // depth d holds frames[d-1]: f(4999 % 7) = f1 (index 2), f(9999 % 7) = f3 (index 4).
    expect(fb.levels[5_000]).toEqual([0, 10, 1, 2]);
    // Every row below 5,000 starts after that node's self of 1.
    expect(fb.levels[10_000]).toEqual([1, 9, 9, 4]);
  });

  it('ignores zero-value samples: no nodes, no ticks', () => {
    const tree = treeOf(['a;b 0', 'a;c 2']);
    expect(buildFlamebearer(tree, { maxNodes: -1 })).toEqual({
      names: ['total', 'a', 'c'],
      levels: [[0, 2, 0, 0], [0, 2, 0, 1], [0, 2, 2, 2]],
      numTicks: 2,
      maxSelf: 2,
    });
  });

  it('round-trips a random tree: decoded totals and selfs equal the inputs', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const expected = new Map<string, number>();
    const tree = new StackTree();
    for (let i = 0; i < 500; i++) {
      const depth = 1 + rnd(6);
      const frames = Array.from({ length: depth }, () => `fn${rnd(5)}`);
      const value = 1 + rnd(20);
      tree.add(frames, value);
      const key = ['total', ...frames].join(';');
      expected.set(key, (expected.get(key) ?? 0) + value);
    }
    const decoded = decode(buildFlamebearer(tree, { maxNodes: -1 }));
    const selfs = new Map([...decoded].filter(([, v]) => v.self > 0).map(([k, v]) => [k, v.self]));
    expect(selfs).toEqual(expected);
  });

  it.each([{ maxNodes: 1 }, { maxNodes: 7 }, { maxNodes: 50 }, { maxNodes: 333 }, { maxNodes: 5000 }])(
    'random tree, maxNodes $maxNodes: keeps exactly the nodes at or above the brute-force cut-off, widths conserved',
    ({ maxNodes }) => {
      let seed = 2024;
      const rnd = (n: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      const tree = new StackTree();
      for (let i = 0; i < 800; i++) {
        tree.add(Array.from({ length: 1 + rnd(8) }, () => `f${rnd(6)}`), 1 + rnd(50));
      }
      const totals: number[] = [];
      const walk = [tree.root];
      while (walk.length > 0) {
        const n = walk.pop()!;
        totals.push(n.total);
        for (const c of n.children?.values() ?? []) walk.push(c);
      }
      totals.sort((a, b) => b - a);
      const cut = totals[Math.min(maxNodes, totals.length) - 1] as number;
      const fb = buildFlamebearer(tree, { maxNodes });
      const other = fb.names.indexOf('other');
      let kept = 0;
      for (const row of fb.levels) for (let i = 0; i < row.length; i += 4) if (row[i + 3] !== other) kept++;
      expect(kept).toBe(totals.filter((t) => t >= cut).length);
      // Each node's children (next row, inside its span) plus its self add up to its total.
      const decodedRows = fb.levels.map((row) => {
        const nodes: { x: number; total: number; self: number }[] = [];
        let end = 0;
        for (let i = 0; i < row.length; i += 4) {
          const x = end + (row[i] as number);
          nodes.push({ x, total: row[i + 1] as number, self: row[i + 2] as number });
          end = x + (row[i + 1] as number);
        }
        return nodes;
      });
      decodedRows.forEach((nodes, depth) => {
        const below = decodedRows[depth + 1] ?? [];
        for (const n of nodes) {
          const childSum = below.filter((c) => c.x >= n.x && c.x < n.x + n.total).reduce((a, c) => a + c.total, 0);
          expect(n.self + childSum).toBe(n.total);
        }
      });
    },
  );

  it.each([{ maxNodes: 0 }, { maxNodes: -2 }, { maxNodes: 1.5 }, { maxNodes: Number.NaN }])(
    'rejects maxNodes $maxNodes with KPROF_QUERY_BAD_MAX_NODES',
    ({ maxNodes }) => {
      expect(() => buildFlamebearer(new StackTree(), { maxNodes })).toThrow(
        expect.objectContaining({ code: 'KPROF_QUERY_BAD_MAX_NODES' }),
      );
    },
  );
});

describe('buildDiffFlamebearer (Pyroscope OG double format)', () => {
  it('reproduces the docs/COMPATIBILITY.md §1 diff example exactly', () => {
    expect(buildDiffFlamebearer(treeOf(['main;a 2']), treeOf(['main;a 1', 'main;b 1']), { maxNodes: 8192 })).toEqual({
      names: ['total', 'main', 'b', 'a'],
      levels: [[0, 2, 0, 0, 2, 0, 0], [0, 2, 0, 0, 2, 0, 1], [0, 2, 2, 0, 1, 1, 3, 0, 0, 0, 0, 1, 1, 2]],
      numTicks: 4,
      maxSelf: 2,
      leftTicks: 2,
      rightTicks: 2,
    });
  });

  it('delta-encodes left and right x slots separately', () => {
    const fb = buildDiffFlamebearer(treeOf(['m 3', 'm;a 1', 'm;c 2']), treeOf(['m;b 5', 'm;c 1']), { maxNodes: -1 });
    expect(fb.names).toEqual(['total', 'm', 'c', 'b', 'a']);
    // Row 2 left to right: a [L x3 t1 | R x0 t0], b [L x4 t0 | R x0 t5], c [L x4 t2 | R x5 t1].
    expect(fb.levels[2]).toEqual([3, 1, 1, 0, 0, 0, 4, 0, 0, 0, 0, 5, 5, 3, 0, 2, 2, 0, 1, 1, 2]);
    expect(fb.numTicks).toBe(12);
    expect([fb.leftTicks, fb.rightTicks]).toEqual([6, 6]);
    expect(fb.maxSelf).toBe(5);
  });

  it('cuts off on max(left, right) and merges the rest into other per side', () => {
    // Union: total(10|10) main(10|10) big(8|1) small(2|1) tiny(0|8)
    const left = treeOf(['main;big 8', 'main;small 2']);
    const right = treeOf(['main;big 1', 'main;small 1', 'main;tiny 8']);
    const fb = buildDiffFlamebearer(left, right, { maxNodes: 4 });
    expect(fb.names).toEqual(['total', 'main', 'other', 'tiny', 'big']);
    expect(fb.levels[2]).toEqual([0, 8, 8, 0, 1, 1, 4, 0, 0, 0, 0, 8, 8, 3, 0, 2, 2, 0, 1, 1, 2]);
  });

  it('keeps a frame named total under its own index (the diff keys the root by its empty name)', () => {
    const fb = buildDiffFlamebearer(treeOf(['total 1']), treeOf(['total 2']), { maxNodes: -1 });
    expect(fb.names).toEqual(['total', 'total']);
    expect(fb.levels[1]).toEqual([0, 1, 1, 0, 2, 2, 1]);
  });

  it('handles an empty side', () => {
    const fb = buildDiffFlamebearer(new StackTree(), treeOf(['a 3']), { maxNodes: -1 });
    expect(fb).toEqual({
      names: ['total', 'a'],
      levels: [[0, 0, 0, 0, 3, 0, 0], [0, 0, 0, 0, 3, 3, 1]],
      numTicks: 3,
      maxSelf: 3,
      leftTicks: 0,
      rightTicks: 3,
    });
  });
});
