import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPprofProfile, describeNodeFrame } from './pprof-export.js';
import { StackTree } from '../../model/stack-tree.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function goPprof(bytes: Uint8Array, ...args: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kprof-pprof-export-'));
  dirs.push(dir);
  const file = join(dir, 'merged.pb.gz');
  await writeFile(file, bytes);
  const { stdout } = await run('go', ['tool', 'pprof', ...args, file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Parses `go tool pprof -traces` into root-first stack → summed value (count units print bare numbers). */
function parseTraces(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const block of text.split(/^-+\+-+$/m).slice(1)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const first = /^\s*(\d+)\s+(.*)$/.exec(lines[0] as string);
    if (first === null) throw new Error(`unexpected -traces block: ${block}`);
    const leafFirst = [first[2] as string, ...lines.slice(1).map((l) => l.trim())];
    const key = leafFirst.reverse().join(';');
    out.set(key, (out.get(key) ?? 0) + Number(first[1]));
  }
  return out;
}

function expectedStacks(tree: StackTree): Map<string, number> {
  const out = new Map<string, number>();
  for (const { frames, value } of tree.stacks()) if (frames.length > 0) out.set(frames.join(';'), value);
  return out;
}

function randomTree(seed: number, stacks: number): StackTree {
  let s = seed;
  const rnd = (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const tree = new StackTree();
  for (let i = 0; i < stacks; i++) {
    const depth = 1 + rnd(12);
    tree.add(Array.from({ length: depth }, () => `pkg.fn${rnd(40)}`), 1 + rnd(1000));
  }
  return tree;
}

const countType = { sampleType: { type: 'samples', unit: 'count' } } as const;

describe('buildPprofProfile read by the real go tool pprof', () => {
  it.each([
    {
      name: 'docs/COMPATIBILITY.md §1 example',
      tree: (() => {
        const t = new StackTree();
        t.add(['main', 'work', 'a'], 3);
        t.add(['main', 'work', 'b'], 2);
        t.add(['main', 'idle'], 1);
        t.add(['main'], 1);
        return t;
      })(),
    },
    { name: 'random tree, 200 stacks', tree: randomTree(7, 200) },
    { name: 'random tree, 3000 stacks', tree: randomTree(99, 3000) },
  ])('-traces totals per stack equal the tree ($name)', async ({ tree }) => {
    const bytes = gzipSync(buildPprofProfile(tree, countType).encode());
    const traces = parseTraces(await goPprof(bytes, '-traces'));
    expect(traces).toEqual(expectedStacks(tree));
    expect([...traces.values()].reduce((a, b) => a + b, 0)).toBe(tree.total());
  });

  it('keeps an empty stack in the total, as pprof does', async () => {
    const tree = new StackTree();
    tree.add(['main'], 12);
    tree.add([], 4);
    const top = await goPprof(buildPprofProfile(tree, countType).encode(), '-top');
    expect(top).toMatch(/accounting for 12, 75(\.00)?% of 16 total/);
  });

  it('writes sample type, period and Node frame file/line that pprof reports', async () => {
    const tree = new StackTree();
    tree.add(['/app/server.js:handle:12', 'node:internal/timers:listOnTimeout:569'], 5);
    tree.add(['/app/server.js:handle:12', '/app/server.js::40'], 2);
    const profile = buildPprofProfile(tree, {
      sampleType: { type: 'cpu', unit: 'nanoseconds' },
      periodType: { type: 'cpu', unit: 'nanoseconds' },
      period: 10_000_000,
      timeNanos: 1_700_000_000_000_000_000n,
      durationNanos: 60_000_000_000n,
      describeFrame: describeNodeFrame,
    });
    const raw = await goPprof(profile.encode(), '-raw');
    expect(raw).toContain('PeriodType: cpu nanoseconds');
    expect(raw).toContain('Period: 10000000');
    expect(raw).toContain('cpu/nanoseconds');
    expect(raw).toMatch(/listOnTimeout node:internal\/timers:569/);
    expect(raw).toMatch(/handle \/app\/server\.js:12/);
    expect(raw).toMatch(/\(anonymous\) \/app\/server\.js:40/);
    const decoded = Profile.decode(profile.encode());
    expect(Number(decoded.durationNanos)).toBe(60_000_000_000);
    expect(decoded.location).toHaveLength(3);
    expect(decoded.function).toHaveLength(3);
  });

  it('exports an empty tree as a valid profile with no samples', async () => {
    const top = await goPprof(buildPprofProfile(new StackTree(), countType).encode(), '-top');
    expect(top).toMatch(/of 0 total/);
  });
});

describe('describeNodeFrame', () => {
  it.each([
    { frame: '/app/a.js:work:12', want: { name: 'work', filename: '/app/a.js', line: 12 } },
    { frame: 'node:internal/timers:listOnTimeout:569', want: { name: 'listOnTimeout', filename: 'node:internal/timers', line: 569 } },
    { frame: '/app/a.js::3', want: { name: '(anonymous)', filename: '/app/a.js', line: 3 } },
    { frame: 'runtime.main', want: { name: 'runtime.main' } },
    { frame: ':GC', want: { name: ':GC' } },
  ])('$frame', ({ frame, want }) => {
    expect(describeNodeFrame(frame)).toEqual(want);
  });
});
