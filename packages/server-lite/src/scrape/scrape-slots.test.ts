import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULTS } from '../config/defaults.js';
import { heapPprof, startTarget } from '../../test/scrape/pprof-target.js';
import { type ScrapeConfig, parseScrapeConfigs } from '../config/scrape-config.js';
import { staticTargetGroups } from './discovery/static.js';
import type { MissedReason, SlotCounts } from './scrape-status.js';
import { ScrapeManager, type ScrapeManagerOptions } from './scrape-manager.js';
import { resolveTargetGroup } from './targets.js';
import { testIntake } from '../../test/helpers/intake.js';

// Slot accounting of real scrape loops against a real loopback target: every slot that came due
// is on time, late or missed, and slots lost to a blocked event loop are counted, not skipped.

async function heapTarget(): Promise<{ address: string; hits: string[] }> {
  return startTarget((_req, res) => {
    const body = heapPprof([{ stack: ['main', 'work'], inuse: 4096, alloc: 4096 }]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
}

function oneTarget(address: string, interval: string, options: Partial<ScrapeManagerOptions>): ScrapeManager {
  const { configs, errors } = parseScrapeConfigs(
    [{ 'job-name': 'slots', 'scrape-interval': interval, 'enabled-profiles': ['mem'], 'static-configs': [{ application: 'slots', targets: [address] }] }],
    'scrape-configs',
  );
  expect(errors).toEqual([]);
  const config = configs[0] as ScrapeConfig;
  const manager = new ScrapeManager({ intake: testIntake(), limits: DEFAULTS.ingest, ...options });
  onTestFinished(() => manager.close());
  manager.sync(config, resolveTargetGroup(staticTargetGroups(config.staticConfigs)[0]!, config).active, []);
  return manager;
}

const slotsOf = (m: ScrapeManager): SlotCounts => m.snapshot().active[0]!.status.slots;
const accounted = (s: SlotCounts): number => s.onTime + s.late + s.missed;
/**
 * Every due slot has its outcome (none waits for a permit) and every started one has reached the
 * target (a request may still be on its way just after its slot counted as started).
 */
const settled = (s: SlotCounts, hits: readonly string[]): boolean => accounted(s) === s.due && hits.length === s.onTime + s.late;

describe('ScrapeLoop slot accounting', () => {
  it('counts the slots a clock jump skipped as missed (stall) and the slot served after it as late', async () => {
    const target = await heapTarget();
    // The loop's wall clock jumps 3.3 intervals ahead right after the first scrape, as it would
    // look to a loop whose event loop was blocked that long: the next timer fires on its real
    // time, but by the loop's clock three more slots have come due and the newest is 0.3 intervals old.
    let shiftMs = 0;
    const events: string[] = [];
    const manager = oneTarget(target.address, '1s', {
      now: () => Date.now() + shiftMs,
      observer: {
        started: (_job, late) => events.push(late ? 'late' : 'on_time'),
        missed: (_job, reason, slots) => events.push(`missed ${reason} ${slots}`),
        scraped: (_job, result) => {
          if (result === 'success' && shiftMs === 0) shiftMs = 3_300;
        },
      },
    });
    await expect.poll(() => slotsOf(manager).late, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    // More slots after the late one, and every slot settled.
    await expect.poll(() => (s => s.onTime + s.late >= 3 && settled(s, target.hits))(slotsOf(manager)), { timeout: 15_000 }).toBe(true);
    const s = slotsOf(manager);
    expect(s.missedByReason).toEqual({ overlap: 0, concurrency: 0, stall: 3, backoff: 0 } satisfies Record<MissedReason, number>);
    expect(s.missed).toBe(3);
    // The first scrape (on time unless the machine is very busy), then the jump: three slots
    // missed at once, the newest served late (0.3 intervals after its slot; the margin is 0.1).
    expect(events[0]).toMatch(/^(on_time|late)$/);
    expect(events.slice(1, 3)).toEqual(['missed stall 3', 'late']);
    expect(accounted(s)).toBe(s.due);
  });

  it('counts the slots that passed while the event loop was blocked (busy-wait of five intervals)', async () => {
    const target = await heapTarget();
    const manager = oneTarget(target.address, '200ms', {});
    await expect.poll(() => (s => s.onTime + s.late)(slotsOf(manager)), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const before = slotsOf(manager);
    // Block the event loop for 1 s: five slots of this target come due and no timer can fire.
    const end = performance.now() + 1_000;
    while (performance.now() < end) {
      // busy
    }
    await expect.poll(() => slotsOf(manager).missedByReason.stall, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => (s => s.due >= before.due + 6 && settled(s, target.hits))(slotsOf(manager)), { timeout: 15_000 }).toBe(true);
    const after = slotsOf(manager);
    // The first timer after the block served one slot and accounted for at least four before it
    // (the block spans five boundaries); nothing else went wrong.
    expect(after.missedByReason.stall).toBeGreaterThanOrEqual(4);
    expect(after.missed).toBe(after.missedByReason.stall + after.missedByReason.overlap);
    expect(after.missedByReason).toMatchObject({ concurrency: 0, backoff: 0 });
  });

  it('counts the slots a failing target skips on purpose as missed (backoff)', async () => {
    const target = await startTarget((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const manager = oneTarget(target.address, '100ms', {});
    // Failures 1..4 skip 0, 1, 3 and 7 slots after them.
    await expect.poll(() => target.hits.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    await expect.poll(() => slotsOf(manager).missedByReason.backoff, { timeout: 15_000 }).toBeGreaterThanOrEqual(1 + 3);
    await expect.poll(() => settled(slotsOf(manager), target.hits), { timeout: 15_000 }).toBe(true);
    const s = slotsOf(manager);
    expect(s.missedByReason.overlap + s.missedByReason.concurrency).toBe(0);
  });
});
