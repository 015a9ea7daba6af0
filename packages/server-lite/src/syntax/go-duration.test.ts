import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['2.s', 2000],
    ['500ms', 500],
    ['1500us', 1.5],
    ['1µs', 0.001],
    ['1h2m3s4ms', 3_723_004],
    ['+3s', 3000],
    ['0', 0],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => expect(parseGoDuration(text)).toBeCloseTo(ms, 9));

  it.each(['', '5', 's', '1d', '1.5.s', '-1s', '1 s', 'ten seconds', '1s ', '.s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [10_000, '10s'],
    [15_000, '15s'],
    [90_000, '1m30s'],
    [60_000, '1m0s'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0, '0s'],
  ])('%d ms → %s', (ms, text) => expect(formatGoDuration(ms)).toBe(text));

  it('round-trips through parseGoDuration', () => {
    for (const ms of [1, 999, 1000, 61_500, 7_200_000]) expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
  });
});
