import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inclusiveTotal, readProfile, samples, sampleTypes, tempDir } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

const TIME_TYPES = ['samples/count', 'wall/nanoseconds', 'cpu/nanoseconds'];

describe('collectTimeProfile', () => {
  it('without start(): runs the engine only for the window', async () => {
    const outDir = tempDir('kprof-sdk-window-');
    const r = await runFixture<{ before: boolean; during: boolean; after: boolean; running: boolean }>('time-windows', { outDir, args: ['no-start'] });
    expect(r).toMatchObject({ before: false, during: true, after: false, running: false });
    const p = readProfile(join(outDir, 'window.pb.gz'));
    expect(sampleTypes(p)).toEqual(TIME_TYPES);
    expect(inclusiveTotal(p, 'burnWindowWork')).toBeGreaterThan(20);
    // CPU time is collected alongside wall time.
    expect(inclusiveTotal(p, 'burnWindowWork', 2)).toBeGreaterThan(0);
    // Work outside withLabels carries no labels at all (not even the engine's internal context fields).
    const unlabelled = samples(p).filter((smp) => smp.frames.some((f) => f.name === 'burnWindowWork'));
    expect(unlabelled.length).toBeGreaterThan(0);
    for (const smp of unlabelled) expect(smp.labels).toEqual({});
  });

  it('overlapping windows each get exactly the work of their own span', async () => {
    const outDir = tempDir('kprof-sdk-overlap-');
    const r = await runFixture<{ afterW1: boolean; afterW2: boolean; stats: { starts: number } }>('time-windows', { outDir, args: ['overlap'] });
    // One engine run served both windows; it stopped after the last one ended.
    expect(r).toMatchObject({ afterW1: true, afterW2: false, stats: { starts: 1 } });
    const w1 = readProfile(join(outDir, 'w1.pb.gz'));
    const w2 = readProfile(join(outDir, 'w2.pb.gz'));
    expect(inclusiveTotal(w1, 'phaseEarly')).toBeGreaterThan(10);
    expect(inclusiveTotal(w1, 'phaseMid')).toBeGreaterThan(10);
    expect(inclusiveTotal(w1, 'phaseLate')).toBe(0);
    expect(inclusiveTotal(w2, 'phaseEarly')).toBe(0);
    expect(inclusiveTotal(w2, 'phaseMid')).toBeGreaterThan(10);
    expect(inclusiveTotal(w2, 'phaseLate')).toBeGreaterThan(10);
    // The shared middle phase is in both windows in full: the same chunks were handed to both.
    expect(inclusiveTotal(w1, 'phaseMid')).toBe(inclusiveTotal(w2, 'phaseMid'));
  });

  it('rejects with AbortError KPROF_ABORTED when the signal aborts, and bad durations with their codes', async () => {
    const outDir = tempDir('kprof-sdk-abort-');
    const r = await runFixture('time-windows', { outDir, args: ['abort'] });
    expect(r).toMatchObject({
      error: { name: 'AbortError', code: 'KPROF_ABORTED', isKprofError: true },
      invalid: { name: 'ValidationError', code: 'KPROF_INVALID_DURATION' },
      tooLong: { name: 'LimitError', code: 'KPROF_DURATION_TOO_LONG' },
      after: false,
      stats: { windowsAborted: 1, windowsActive: 0 },
    });
  });

  it('with start(): the window is cut from the continuous profiler and pushes still carry the same work', async () => {
    const outDir = tempDir('kprof-sdk-with-start-');
    const r = await runFixture<{ pushed: number; stillRunning: boolean; after: boolean }>('time-windows', { outDir, args: ['with-start'] });
    expect(r.stillRunning).toBe(true);
    expect(r.after).toBe(false);
    expect(r.pushed).toBeGreaterThanOrEqual(1);
    const windowed = inclusiveTotal(readProfile(join(outDir, 'window.pb.gz')), 'burnWindowWork');
    const pushedTotal = readdirSync(outDir).filter((f) => f.startsWith('pushed-'))
      .map((f) => inclusiveTotal(readProfile(join(outDir, f)), 'burnWindowWork'))
      .reduce((a, b) => a + b, 0);
    expect(windowed).toBeGreaterThan(20);
    // Every sample of the window was also pushed (the pushes span the whole run, the window only part of it).
    expect(pushedTotal).toBeGreaterThanOrEqual(windowed);
  });

  it('start() during a window reconfigures the engine (even switching CPU time off), stop() during a window leaves it running until the window ends', async () => {
    const outDir = tempDir('kprof-sdk-start-during-');
    const r = await runFixture('time-windows', { outDir, args: ['start-during-window'] });
    expect(r).toMatchObject({ intervalAfterStart: 5_000, runningAfterStop: true, after: false, stats: { starts: 2, stops: 2, windowsActive: 0 } });
    const p = readProfile(join(outDir, 'window.pb.gz'));
    // start() switched CPU time off mid-window: the window keeps the types all its chunks have.
    expect(sampleTypes(p)).toEqual(['samples/count', 'wall/nanoseconds']);
    for (const fn of ['phaseEarly', 'phaseMid', 'phaseLate']) expect(inclusiveTotal(p, fn)).toBeGreaterThan(5);
  });
});
