import { describe, expect, it } from 'vitest';
import { parseTime, parseTimeRange } from './pyroscope-time.js';

const NOW = Date.UTC(2020, 0, 1); // 1577836800000, Pyroscope's attime test reference
const FALLBACK = 42_000;

describe('parseTime', () => {
  it.each([
    { input: undefined, want: FALLBACK },
    { input: '', want: FALLBACK },
    { input: '   ', want: FALLBACK },
    { input: 'now', want: NOW },
    { input: 'now-1s', want: NOW - 1_000 },
    { input: 'now+1s', want: NOW + 1_000 },
    { input: 'now-1m', want: NOW - 60_000 },
    { input: 'now-1min', want: NOW - 60_000 },
    { input: 'now-1h', want: NOW - 3_600_000 },
    { input: 'now-1d', want: NOW - 86_400_000 },
    { input: 'now-1w', want: NOW - 7 * 86_400_000 },
    { input: 'now-1M', want: NOW - 30 * 86_400_000 },
    { input: 'now-1mon', want: NOW - 30 * 86_400_000 },
    { input: 'now-1y', want: NOW - 365 * 86_400_000 },
    { input: 'now-1h30m', want: NOW - 5_400_000 },
    { input: ' now - 15m ', want: NOW - 900_000 },
    { input: '20200101', want: NOW },
    { input: '1577836800', want: NOW },
    { input: '1577836800001', want: NOW + 1 },
    { input: '1577836800000001', want: NOW },
    { input: '1577836800001999', want: NOW + 1 },
    { input: '1577836800000000001', want: NOW },
    { input: '1577836800002000000', want: NOW + 2 },
    { input: '1_577_836_800', want: NOW },
    { input: '0', want: 0 },
    { input: '20231301', want: 20_231_301_000 }, // not a date (month 13): 8-digit unix seconds, like Go
    { input: '2020-01-01T00:00:00Z', want: NOW },
    { input: '2020-01-01T01:00:00+01:00', want: NOW },
  ])('$input → $want', ({ input, want }) => {
    expect(parseTime(input, NOW, FALLBACK)).toBe(want);
  });

  it.each([
    { input: 'yesterday' },
    { input: 'now-1' },
    { input: 'now-1q' },
    { input: 'now-' },
    { input: 'now*2' },
    { input: '12345678901234567890' },
    { input: '-5' },
    { input: '1.5' },
    { input: 'now-3000y' },
    { input: '2020-13-45T00:00:00Z' },
  ])('rejects $input with KPROF_QUERY_BAD_TIME naming it', ({ input }) => {
    expect(() => parseTime(input, NOW, FALLBACK)).toThrow(
      expect.objectContaining({ code: 'KPROF_QUERY_BAD_TIME', message: expect.stringContaining(JSON.stringify(input)) }),
    );
  });
});

describe('parseTimeRange', () => {
  const opts = { maxRangeMs: 7 * 86_400_000 };

  it.each([
    { name: 'both given', from: 'now-1h', until: 'now', want: { fromMs: NOW - 3_600_000, untilMs: NOW } },
    { name: 'defaults: last hour', from: undefined, until: undefined, want: { fromMs: NOW - 3_600_000, untilMs: NOW } },
    { name: 'from defaults to until - 1h', from: '', until: '1577836800', want: { fromMs: NOW - 3_600_000, untilMs: NOW } },
    { name: 'exactly the limit', from: 'now-7d', until: 'now', want: { fromMs: NOW - 7 * 86_400_000, untilMs: NOW } },
  ])('$name', ({ from, until, want }) => {
    expect(parseTimeRange(from, until, NOW, opts)).toEqual(want);
  });

  it('uses a custom default range', () => {
    expect(parseTimeRange(undefined, 'now', NOW, { ...opts, defaultRangeMs: 60_000 })).toEqual({ fromMs: NOW - 60_000, untilMs: NOW });
  });

  it.each([
    { name: 'from equals until', from: 'now', until: 'now', code: 'KPROF_QUERY_BAD_TIME_RANGE' },
    { name: 'from after until', from: 'now', until: 'now-1h', code: 'KPROF_QUERY_BAD_TIME_RANGE' },
    { name: 'over the limit', from: 'now-8d', until: 'now', code: 'KPROF_QUERY_RANGE_TOO_LONG' },
    { name: 'unreadable until', from: 'now-1h', until: 'later', code: 'KPROF_QUERY_BAD_TIME' },
  ])('$name → $code', ({ from, until, code }) => {
    expect(() => parseTimeRange(from, until, NOW, opts)).toThrow(expect.objectContaining({ code }));
  });
});
