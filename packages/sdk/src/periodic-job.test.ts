import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicJob } from './periodic-job.js';

describe('PeriodicJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every interval and skips (and counts) ticks while the previous run is still going', async () => {
    let release: (() => void) | undefined;
    let started = 0;
    const job = new PeriodicJob(1_000, () => {
      started++;
      return new Promise<void>((resolve) => { release = resolve; });
    }, () => {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(started).toBe(1);
    expect(job.stats()).toEqual({ runs: 1, skipped: 3, failures: 0 });
    release?.();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(2);
    release?.();
    await job.close(0);
  });

  it('reports failures through onError and keeps running', async () => {
    const errors: unknown[] = [];
    const job = new PeriodicJob(100, () => Promise.reject(new Error('encode failed')), (err) => errors.push(err));
    await vi.advanceTimersByTimeAsync(300);
    expect(job.stats()).toMatchObject({ runs: 3, failures: 3 });
    expect(errors).toHaveLength(3);
    await job.close(0);
  });

  it('survives an onError that throws', async () => {
    const job = new PeriodicJob(100, () => Promise.reject(new Error('x')), () => { throw new Error('logger down'); });
    await vi.advanceTimersByTimeAsync(200);
    expect(job.stats().failures).toBe(2);
    await job.close(0);
  });

  it('close() stops the timer and waits for the run in flight at most timeoutMs', async () => {
    let finished = false;
    const job = new PeriodicJob(100, () => new Promise<void>((resolve) => setTimeout(() => { finished = true; resolve(); }, 10_000)), () => {});
    await vi.advanceTimersByTimeAsync(100);
    let closed = false;
    void job.close(500).then(() => { closed = true; });
    await vi.advanceTimersByTimeAsync(499);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toBe(true);
    expect(finished).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(job.stats().runs).toBe(1);
  });

  it('does not keep the process alive', () => {
    vi.useRealTimers();
    const job = new PeriodicJob(60_000, async () => {}, () => {});
    const timer = (job as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    void job.close(0);
  });
});
