import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './retry-policy.js';
import { computeBackoffMs, decideRetry, parseRetryAfterMs } from './retry-policy.js';

const SETTINGS = { maxRetries: 5, retryBaseMs: 1_000, retryMaxMs: 30_000 };
const NOW_MS = Date.parse('2026-11-25T06:00:00Z');

describe('decideRetry', () => {
  it.each<{ name: string; outcome: AttemptOutcome; retries?: number; random?: number; retry: boolean; delayMs?: number }>([
    { name: '500 retried with backoff', outcome: { kind: 'response', statusCode: 500 }, random: 0.5, retry: true, delayMs: 500 },
    { name: '502 retried', outcome: { kind: 'response', statusCode: 502 }, random: 0.999, retry: true, delayMs: 999 },
    { name: '503 with Retry-After seconds', outcome: { kind: 'response', statusCode: 503, retryAfter: '7' }, retry: true, delayMs: 7_000 },
    { name: '599 retried', outcome: { kind: 'response', statusCode: 599 }, random: 0, retry: true, delayMs: 0 },
    { name: '429 with Retry-After: 1', outcome: { kind: 'response', statusCode: 429, retryAfter: '1' }, retry: true, delayMs: 1_000 },
    { name: '429 with Retry-After date', outcome: { kind: 'response', statusCode: 429, retryAfter: 'Wed, 25 Nov 2026 06:00:12 GMT' }, retry: true, delayMs: 12_000 },
    { name: '429 Retry-After capped at retryMaxMs', outcome: { kind: 'response', statusCode: 429, retryAfter: '3600' }, retry: true, delayMs: 30_000 },
    { name: '429 Retry-After date in the past', outcome: { kind: 'response', statusCode: 429, retryAfter: 'Wed, 25 Nov 2026 05:00:00 GMT' }, retry: true, delayMs: 0 },
    { name: '429 bad Retry-After falls back to backoff', outcome: { kind: 'response', statusCode: 429, retryAfter: '1.5' }, retries: 2, random: 0.5, retry: true, delayMs: 2_000 },
    { name: '429 without Retry-After', outcome: { kind: 'response', statusCode: 429 }, retries: 1, random: 0.25, retry: true, delayMs: 500 },
    { name: 'connection refused', outcome: { kind: 'network', code: 'ECONNREFUSED' }, random: 0.5, retry: true, delayMs: 500 },
    { name: 'socket reset', outcome: { kind: 'network', code: 'UND_ERR_SOCKET' }, retries: 3, random: 0.5, retry: true, delayMs: 4_000 },
    { name: 'timeout', outcome: { kind: 'timeout' }, retries: 4, random: 0.5, retry: true, delayMs: 8_000 },
    { name: '400 final', outcome: { kind: 'response', statusCode: 400 }, retry: false },
    { name: '401 final', outcome: { kind: 'response', statusCode: 401 }, retry: false },
    { name: '403 final', outcome: { kind: 'response', statusCode: 403 }, retry: false },
    { name: '404 final', outcome: { kind: 'response', statusCode: 404 }, retry: false },
    { name: '408 final (only 429 among 4xx retries)', outcome: { kind: 'response', statusCode: 408 }, retry: false },
    { name: '413 final', outcome: { kind: 'response', statusCode: 413 }, retry: false },
    { name: '4xx with Retry-After still final', outcome: { kind: 'response', statusCode: 400, retryAfter: '1' }, retry: false },
    { name: '301 final (redirects are not followed)', outcome: { kind: 'response', statusCode: 301 }, retry: false },
    { name: 'invalid request final', outcome: { kind: 'invalid-request' }, retry: false },
    { name: '500 after maxRetries', outcome: { kind: 'response', statusCode: 500 }, retries: 5, retry: false },
    { name: '429 after maxRetries', outcome: { kind: 'response', statusCode: 429, retryAfter: '1' }, retries: 5, retry: false },
  ])('$name', ({ outcome, retries = 0, random = 0.5, retry, delayMs }) => {
    const decision = decideRetry(outcome, retries, SETTINGS, NOW_MS, random);
    expect(decision.retry).toBe(retry);
    if (decision.retry) expect(decision.delayMs).toBe(delayMs);
  });

  it('says why it gave up', () => {
    const decision = decideRetry({ kind: 'network', code: 'ECONNREFUSED' }, 5, SETTINGS, NOW_MS, 0.5);
    expect(decision).toEqual({ retry: false, reason: 'network error ECONNREFUSED; gave up after 5 retries (maxRetries)' });
  });

  it('never retries with maxRetries 0', () => {
    expect(decideRetry({ kind: 'timeout' }, 0, { ...SETTINGS, maxRetries: 0 }, NOW_MS, 0.5).retry).toBe(false);
  });
});

describe('computeBackoffMs', () => {
  it.each([
    { name: 'first retry, top of range', retries: 0, random: 0.9999, max: 999 },
    { name: 'doubles', retries: 3, random: 0.9999, max: 7_999 },
    { name: 'capped', retries: 10, random: 0.9999, max: 29_997 },
    { name: 'huge exponent stays finite', retries: 5_000, random: 0.5, max: 15_000 },
  ])('$name', ({ retries, random, max }) => {
    expect(computeBackoffMs(retries, SETTINGS, random)).toBe(max);
  });

  it('spreads retries over the whole window (full jitter)', () => {
    const delays = Array.from({ length: 2_000 }, () => computeBackoffMs(2, SETTINGS, Math.random()));
    expect(Math.min(...delays)).toBeLessThan(400);
    expect(Math.max(...delays)).toBeGreaterThan(3_600);
    expect(Math.max(...delays)).toBeLessThan(4_000);
  });
});

describe('parseRetryAfterMs', () => {
  it.each([
    { name: 'seconds', value: '120', ms: 120_000 },
    { name: 'zero', value: '0', ms: 0 },
    { name: 'padded', value: ' 3 ', ms: 3_000 },
    { name: 'IMF-fixdate', value: 'Wed, 25 Nov 2026 06:01:00 GMT', ms: 60_000 },
    { name: 'obsolete RFC 850 date', value: 'Wednesday, 25-Nov-26 06:00:30 GMT', ms: 30_000 },
    { name: 'negative', value: '-1', ms: undefined },
    { name: 'fraction', value: '1.5', ms: undefined },
    { name: 'garbage', value: 'soon', ms: undefined },
    { name: 'empty', value: '', ms: undefined },
  ])('$name', ({ value, ms }) => {
    expect(parseRetryAfterMs(value, NOW_MS)).toBe(ms);
  });
});
