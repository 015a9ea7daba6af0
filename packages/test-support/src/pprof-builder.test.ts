import { Profile } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder, goCpuProfile, goHeapPprofStacks } from './pprof-builder.js';
import { inclusiveTotal, samples, sampleTypes, totalsByLabel } from './pprof-reader.js';

describe('ProfileBuilder', () => {
  it('encodes sample types, period, times, labels, inlined frames, files, lines and negative values that pprof-format decodes', () => {
    const bytes = new ProfileBuilder({ timeMs: 1_700_000_000_000, durationMs: 10_000, file: 'app.js' })
      .sampleType('alloc_space', 'bytes')
      .period('space', 'bytes', 524_288)
      .sample([['inlinedCallee', 'caller'], { name: 'root', file: 'main.js', line: 3 }], [-5], { labels: { k: 'v', n: 3 } })
      .sample(['root'], [2 ** 40])
      .sample([], [7])
      .comment('padding')
      .encode();
    const p = Profile.decode(bytes);
    expect(sampleTypes(p)).toEqual(['alloc_space/bytes']);
    expect(p.stringTable.strings[Number(p.periodType?.type)]).toBe('space');
    expect(Number(p.period)).toBe(524_288);
    expect(Number(p.timeNanos)).toBe(1_700_000_000_000 * 1e6);
    expect(Number(p.durationNanos)).toBe(10_000 * 1e6);
    expect(p.comment.map((c) => p.stringTable.strings[Number(c)])).toEqual(['padding']);
    // One location per distinct frame list: the inlined pair (two lines), root in main.js:3, root in app.js.
    expect(p.location.map((l) => l.line.length)).toEqual([1, 2, 1]);
    expect(p.function.map((f) => p.stringTable.strings[Number(f.name)])).toEqual(['root', 'caller', 'inlinedCallee', 'root']);
    const [first, second, third] = samples(p);
    expect(first).toEqual({
      frames: [{ name: 'inlinedCallee', file: 'app.js', line: 0 }, { name: 'caller', file: 'app.js', line: 0 }, { name: 'root', file: 'main.js', line: 3 }],
      labels: { k: 'v', n: '3' },
      // pprof-format reads int64 values back as unsigned.
      values: [Number(BigInt.asUintN(64, -5n))],
    });
    expect(second?.frames).toEqual([{ name: 'root', file: 'app.js', line: 0 }]);
    expect(second?.values).toEqual([2 ** 40]);
    expect(third).toEqual({ frames: [], labels: {}, values: [7] });
  });

  it('shares functions by name and file and numbers ids from the root', () => {
    const p = goCpuProfile().sample(['main.hot', 'main.main'], [1, 10]).sample(['main.cold', 'main.main'], [2, 20]).build();
    const names = p.function.map((f) => [Number(f.id), p.stringTable.strings[Number(f.name)]]);
    expect(names).toEqual([[1, 'main.main'], [2, 'main.hot'], [3, 'main.cold']]);
    expect(sampleTypes(p)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(inclusiveTotal(p, 'main.main', 'cpu')).toBe(30);
  });

  it('goHeapPprofStacks: a Go heap profile of main.main → leaf stacks in main.go', () => {
    const p = Profile.decode(goHeapPprofStacks([{ leaf: 'main.a', values: [1, 100, 1, 50] }, { leaf: 'main.b', values: [2, 200, 0, 0] }], 5_000));
    expect(sampleTypes(p)).toEqual(['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    expect(Number(p.period)).toBe(524_288);
    expect(Number(p.timeNanos)).toBe(5_000_000_000);
    expect(samples(p).map((s) => [s.frames.map((f) => `${f.name}@${f.file}:${f.line}`), s.values])).toEqual([
      [['main.a@main.go:1', 'main.main@main.go:1'], [1, 100, 1, 50]],
      [['main.b@main.go:1', 'main.main@main.go:1'], [2, 200, 0, 0]],
    ]);
  });
});

describe('pprof reader', () => {
  const p = new ProfileBuilder()
    .sampleType('samples', 'count').sampleType('wall', 'nanoseconds')
    .sample(['hot', 'handler'], [3, 30], { labels: { route: '/a' } })
    .sample(['hot', 'other'], [1, 10])
    .sample(['cold', 'handler'], [5, 50], { labels: { route: '/a' } })
    .build();

  it.each([
    { name: 'one function, first value', fn: 'hot', column: 0, total: 4 },
    { name: 'by sample type name', fn: 'hot', column: 'wall', total: 40 },
    { name: 'any of several functions', fn: ['hot', 'cold'], column: 0, total: 9 },
    { name: 'a caller counts its callees', fn: 'handler', column: 1, total: 80 },
    { name: 'absent function', fn: 'nope', column: 0, total: 0 },
  ])('inclusiveTotal: $name', ({ fn, column, total }) => {
    expect(inclusiveTotal(p, fn, column)).toBe(total);
  });

  it('totalsByLabel groups by the label, unlabelled samples under ""', () => {
    expect(totalsByLabel(p, 'hot', 'route')).toEqual({ '/a': 3, '': 1 });
  });

  it('names the sample types it has when asked for one it lacks', () => {
    expect(() => inclusiveTotal(p, 'hot', 'cpu')).toThrow(/no sample type cpu; it has samples, wall/);
  });
});
