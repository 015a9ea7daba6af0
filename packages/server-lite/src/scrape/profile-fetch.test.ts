import { describe, expect, it } from 'vitest';
import { fitProfileRequest, intervalMarginMs, lateStartMs } from './profile-fetch.js';

describe('fitProfileRequest', () => {
  it.each([
    // interval, asked seconds → seconds used, timeout
    { intervalMs: 15_000, url: 'http://a:1/debug/pprof/profile?seconds=10', seconds: 10, timeoutMs: 15_000 },
    { intervalMs: 10_000, url: 'http://a:1/debug/pprof/profile?seconds=10', seconds: 8, timeoutMs: 15_000 },
    { intervalMs: 60_000, url: 'http://a:1/debug/pprof/profile?seconds=60', seconds: 54, timeoutMs: 60_000 },
    { intervalMs: 3_000, url: 'http://a:1/debug/pprof/profile?seconds=10', seconds: 1, timeoutMs: 15_000 },
    { intervalMs: 1_000, url: 'http://a:1/debug/pprof/profile?seconds=10', seconds: 1, timeoutMs: 15_000 },
    // An unusable value is replaced by the longest that fits, as Go would use its default.
    { intervalMs: 15_000, url: 'http://a:1/debug/pprof/profile?seconds=abc', seconds: 13, timeoutMs: 15_000 },
  ])('$intervalMs ms interval, $url → seconds=$seconds', ({ intervalMs, url, seconds, timeoutMs }) => {
    const fitted = fitProfileRequest(url, intervalMs, 15_000);
    expect(fitted.seconds).toBe(seconds);
    expect(new URL(fitted.url).searchParams.get('seconds')).toBe(String(seconds));
    expect(fitted.timeoutMs).toBe(timeoutMs);
    expect(fitted.seconds! * 1000 + intervalMarginMs(intervalMs)).toBeLessThanOrEqual(Math.max(intervalMs, 1000 + intervalMarginMs(intervalMs)));
  });

  it('keeps URLs without seconds as they are, other parameters too', () => {
    expect(fitProfileRequest('http://a:1/debug/pprof/heap?gc=1', 15_000, 5_000)).toEqual({ url: 'http://a:1/debug/pprof/heap?gc=1', seconds: undefined, timeoutMs: 5_000 });
    const f = fitProfileRequest('http://a:1/debug/pprof/mutex?debug=0&seconds=30', 15_000, 5_000);
    expect(f.url).toBe('http://a:1/debug/pprof/mutex?debug=0&seconds=13');
    // A 5 s timeout could never cover 13 s of profiling: it is stretched to seconds + margin.
    expect(f.timeoutMs).toBe(13_000 + 2_000);
  });

  it('counts a start later than 10 % of the interval as missed', () => {
    expect(lateStartMs(15_000)).toBe(1_500);
    expect(intervalMarginMs(100_000)).toBe(10_000);
  });
});
