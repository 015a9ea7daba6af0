import { describe, expect, it } from 'vitest';
import { buildTimeline, timelineStep } from './timeline.js';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const S = 1000;
const H = 3_600_000;
const D = 24 * H;

describe('timelineStep (Pyroscope OG durationDelta)', () => {
  it.each([
    { name: '40 s', from: 0, until: 40 * S, step: 10 * S },
    { name: '1 h', from: T0, until: T0 + H, step: 10 * S },
    { name: '24 h: 84.4 s per bucket is not above 100 s', from: T0, until: T0 + D, step: 10 * S },
    { name: '2 days: 168.75 s > 100 s', from: T0, until: T0 + 2 * D, step: 100 * S },
    { name: '7 days', from: T0, until: T0 + 7 * D, step: 100 * S },
    { name: '365 days (Pyroscope test: 3153 buckets of 10000 s)', from: 0, until: 365 * D, step: 10_000 * S },
    { name: 'exactly 1024 × 100 s is not above 100 s', from: T0, until: T0 + 102_400 * S, step: 10 * S },
    { name: 'one bucket more than 1024 × 100 s', from: T0, until: T0 + 102_410 * S, step: 100 * S },
  ])('$name → $step ms', ({ from, until, step }) => {
    expect(timelineStep(from, until)).toBe(step);
  });
});

describe('buildTimeline', () => {
  it('matches Pyroscope’s segment test layout: 40 s in 10 s buckets', () => {
    const tl = buildTimeline(
      [
        { timeMs: 0, value: 2 },
        { timeMs: 10 * S, value: 5 },
        { timeMs: 25 * S, value: 0 },
      ],
      0,
      40 * S,
    );
    expect(tl).toEqual({ startTime: 0, samples: [2, 5, 0, 0], durationDelta: 10, watermarks: {} });
  });

  it('365 days has 3153 buckets of 10000 s', () => {
    const tl = buildTimeline([{ timeMs: 5 * S, value: 7 }], 0, 365 * D);
    expect(tl.samples).toHaveLength(3153);
    expect(tl.durationDelta).toBe(10_000);
    expect(tl.samples[0]).toBe(7);
  });

  it('normalises an unaligned range: start truncated, end rounded up to 10 s', () => {
    const tl = buildTimeline(
      [
        { timeMs: T0 + 3 * S, value: 1 }, // before from, inside the truncated first bucket
        { timeMs: T0 + 61 * S, value: 4 },
        { timeMs: T0 + 64 * S, value: 6 },
        { timeMs: T0 + 75 * S, value: 9 }, // after the rounded-up end
        { timeMs: T0 - 1, value: 100 }, // before the start
      ],
      T0 + 7 * S,
      T0 + 65 * S,
    );
    expect(tl.startTime).toBe(T0 / 1000);
    expect(tl.samples).toEqual([1, 0, 0, 0, 0, 0, 10]);
  });

  it('sums points per 100 s bucket over two days', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ timeMs: T0 + i * 10 * S, value: 1 }));
    const tl = buildTimeline(points, T0, T0 + 2 * D);
    expect(tl.durationDelta).toBe(100);
    expect(tl.samples).toHaveLength(1728);
    expect(tl.samples.slice(0, 3)).toEqual([10, 10, 0]);
  });

  it('uses a fixed step snapped down at both ends (Grafana Pyroscope rule)', () => {
    const B = T0 + 10 * S; // a multiple of 15 s
    expect(B % (15 * S)).toBe(0);
    const tl = buildTimeline(
      [
        { timeMs: B + 2 * S, value: 1 }, // before `from`, but inside the snapped first bucket
        { timeMs: B + 15 * S, value: 2 },
        { timeMs: B + 44 * S, value: 3 },
        { timeMs: B + 45 * S, value: 4 }, // at the snapped end: outside
      ],
      B + 5 * S,
      B + 50 * S,
      { stepMs: 15 * S },
    );
    expect(tl).toEqual({ startTime: B / 1000, samples: [1, 2, 3], durationDelta: 15, watermarks: {} });
  });

  it.each([{ stepMs: 0 }, { stepMs: 1500 }, { stepMs: -1000 }])('rejects step $stepMs with KPROF_QUERY_BAD_STEP', ({ stepMs }) => {
    expect(() => buildTimeline([], T0, T0 + H, { stepMs })).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_BAD_STEP' }));
  });
});
