import { describe, expect, it } from 'vitest';
import { foldedToProfile } from '../ingest/folded-to-profile.js';
import type { IngestProfile } from '../model/ingest-profile.js';
import { StackInterner } from './stack-interner.js';
import { countNewSymbols, newSymbolBound } from './row-encoder.js';
import { type BlockCounts, WriteLimiter, type WriteLimits } from './write-limits.js';

const meta = { spyName: 'test', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };
const OFF: WriteLimits = { appMaxSeries: 0, tenantMaxSeries: 0, appMaxNewStacksPerMinute: 0, appMaxNewNamesPerMinute: 0 };

function folded(text: string, app: string, labels: Record<string, string> = {}): IngestProfile {
  return foldedToProfile(text, { app, labels }, meta, { startMs: 0, endMs: 1, receivedBytes: text.length }, { maxSamples: 100_000, maxStackDepth: 1000 });
}

// A block with `series` series of app `p.cpu` (tenant '') and an empty trie.
function block(series = 0): BlockCounts {
  return {
    hasSeries: () => false,
    seriesOfApp: (app) => (app === '\u0000p' ? series : 0),
    seriesOfTenant: () => series,
    countNewSymbols: (p) => countNewSymbols(p, new StackInterner()),
  };
}

const codes = (refused: readonly (Error | undefined)[]): (string | undefined)[] => refused.map((e) => (e as { code?: string } | undefined)?.code);

describe('WriteLimiter', () => {
  it.each([
    { name: 'no limits', limits: OFF, groups: [[folded('a 1\n', 'p.cpu')]], existing: 100, want: [undefined] },
    { name: 'app series at the limit', limits: { ...OFF, appMaxSeries: 3 }, groups: [[folded('a 1\n', 'p.cpu')]], existing: 2, want: [undefined] },
    { name: 'app series over the limit', limits: { ...OFF, appMaxSeries: 3 }, groups: [[folded('a 1\n', 'p.cpu')]], existing: 3, want: ['KPROF_LIMIT_APP_SERIES'] },
    { name: 'tenant series over the limit', limits: { ...OFF, tenantMaxSeries: 3 }, groups: [[folded('a 1\n', 'q.cpu')]], existing: 3, want: ['KPROF_LIMIT_TENANT_SERIES'] },
    {
      name: 'a group over counts the groups admitted before it in the same call',
      limits: { ...OFF, appMaxSeries: 2 },
      groups: [[folded('a 1\n', 'p.cpu', { pod: 'a' })], [folded('a 1\n', 'p.cpu', { pod: 'b' })], [folded('a 1\n', 'p.cpu', { pod: 'c' })]],
      existing: 0,
      want: [undefined, undefined, 'KPROF_LIMIT_APP_SERIES'],
    },
    {
      name: 'another app in the same call is not held back',
      limits: { ...OFF, appMaxSeries: 1 },
      groups: [[folded('a 1\n', 'p.cpu', { pod: 'x' })], [folded('a 1\n', 'other.cpu')]],
      existing: 1,
      want: ['KPROF_LIMIT_APP_SERIES', undefined],
    },
    {
      name: 'one profile adding more stacks than a minute allows',
      limits: { ...OFF, appMaxNewStacksPerMinute: 3 },
      groups: [[folded('a;b;c;d 1\n', 'p.cpu')]],
      existing: 0,
      want: ['KPROF_LIMIT_PROFILE_NEW_STACKS'],
    },
    {
      name: 'new stacks over the minute across groups; a profile whose bound is over but exact count fits is admitted',
      limits: { ...OFF, appMaxNewStacksPerMinute: 4 },
      groups: [[folded('a;b 1\n', 'p.cpu')], [folded('a;b 1\na;c 1\n', 'p.cpu')], [folded('x;y 1\n', 'p.cpu')]],
      existing: 0,
      // Group 1 adds a, a;b; group 2's bound is 4 (over) but exactly it adds a;c only against an
      // empty trie: 3 (the admitted group 1 is not written yet, so it counts its own a too) → 2 + 3 > 4.
      want: [undefined, 'KPROF_LIMIT_APP_NEW_STACKS', undefined],
    },
    { name: 'new names over the minute', limits: { ...OFF, appMaxNewNamesPerMinute: 2 }, groups: [[folded('a;b;c 1\n', 'p.cpu')]], existing: 0, want: ['KPROF_LIMIT_APP_NEW_NAMES'] },
  ])('$name', ({ limits, groups, existing, want }) => {
    const limiter = new WriteLimiter(limits, () => 0);
    const target = block(existing);
    expect(codes(limiter.admit(groups, () => target))).toEqual(want);
  });

  it('counts what stored profiles added within the minute, and starts over the next minute', () => {
    let now = 0;
    const limiter = new WriteLimiter({ ...OFF, appMaxNewStacksPerMinute: 5 }, () => now);
    const p = folded('a;b;c 1\n', 'p.cpu');
    expect(codes(limiter.admit([[p]], () => block()))).toEqual([undefined]);
    limiter.record(p, { names: 3, stacks: 3 });
    expect(codes(limiter.admit([[p]], () => block()))).toEqual(['KPROF_LIMIT_APP_NEW_STACKS']);
    now = 60_000;
    expect(codes(limiter.admit([[p]], () => block()))).toEqual([undefined]);
  });

  it('bounds new symbols without a trie walk, and counts them exactly against a trie', () => {
    const p = folded('a;b;c 1\na;b;d 2\n', 'p.cpu');
    expect(newSymbolBound(p)).toEqual({ names: 4, stacks: 6 });
    const trie = new StackInterner();
    expect(countNewSymbols(p, trie)).toEqual({ names: 4, stacks: 4 });
    trie.child(trie.child(0, trie.nameId('a')), trie.nameId('b'));
    expect(countNewSymbols(p, trie)).toEqual({ names: 2, stacks: 2 });
  });
});
