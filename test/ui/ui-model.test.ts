// The UI's data layer, run in Node: decoding Pyroscope's flamebearer encoding (worked examples
// from docs/COMPATIBILITY.md §1), per-function stats, search share, value formats and URL state.
import { describe, expect, it } from 'vitest';
import { parseCollapsed } from '../../packages/server-lite/src/model/folded-text.js';
import { buildFlamebearer } from '../../packages/server-lite/src/query/export/flamebearer.js';
import { FlamebearerFormatError, decodeFlamebearer, rowOf } from '../../packages/server-lite/ui/src/flamebearer.js';
import { formatQuery, parseQuery } from '../../packages/server-lite/ui/src/flameql.js';
import { formatChange, formatValue } from '../../packages/server-lite/ui/src/format-value.js';
import { frameGroup } from '../../packages/server-lite/ui/src/frame-color.js';
import { functionStats } from '../../packages/server-lite/ui/src/function-stats.js';
import { matchSearch } from '../../packages/server-lite/ui/src/search-match.js';
import { groupApps, groupLastSeen } from '../../packages/server-lite/ui/src/app-groups.js';
import { absoluteUtc, relativeTime } from '../../packages/server-lite/ui/src/relative-time.js';
import { parseTimeInput } from '../../packages/server-lite/ui/src/time-input.js';
import { formatState, parseState } from '../../packages/server-lite/ui/src/url-state.js';

const single = {
  flamebearer: {
    names: ['total', 'main', 'work', 'b', 'a', 'idle'],
    levels: [[0, 7, 0, 0], [0, 7, 1, 1], [1, 1, 1, 5, 0, 5, 0, 2], [2, 3, 3, 4, 0, 2, 2, 3]],
    numTicks: 7, maxSelf: 3,
  },
  metadata: { format: 'single' as const, units: 'samples', sampleRate: 100 },
};

const diff = {
  flamebearer: {
    names: ['total', 'main', 'b', 'a'],
    levels: [[0, 2, 0, 0, 2, 0, 0], [0, 2, 0, 0, 2, 0, 1], [0, 2, 2, 0, 1, 1, 3, 0, 0, 0, 0, 1, 1, 2]],
    numTicks: 4, maxSelf: 2,
  },
  metadata: { format: 'double' as const, units: 'samples' },
  leftTicks: 2, rightTicks: 2,
};

function nodes(data: ReturnType<typeof decodeFlamebearer>) {
  return Array.from(data.name, (n, i) => ({
    name: data.names[n], row: rowOf(data, i), start: data.start[i], total: data.total[i], self: data.self[i],
    parent: data.parent[i] === -1 ? null : data.names[data.name[data.parent[i] as number] as number],
  }));
}

describe('decodeFlamebearer', () => {
  it('reads the single-format worked example (x deltas after the previous node end)', () => {
    expect(nodes(decodeFlamebearer(single))).toEqual([
      { name: 'total', row: 0, start: 0, total: 7, self: 0, parent: null },
      { name: 'main', row: 1, start: 0, total: 7, self: 1, parent: 'total' },
      { name: 'idle', row: 2, start: 1, total: 1, self: 1, parent: 'main' },
      { name: 'work', row: 2, start: 2, total: 5, self: 0, parent: 'main' },
      { name: 'a', row: 3, start: 2, total: 3, self: 3, parent: 'work' },
      { name: 'b', row: 3, start: 5, total: 2, self: 2, parent: 'work' },
    ]);
  });

  it('reads the diff worked example (both x slots delta-encoded, geometry = left + right)', () => {
    const d = decodeFlamebearer(diff);
    expect(nodes(d).map((n) => [n.name, n.start, n.total, n.parent])).toEqual([
      ['total', 0, 4, null], ['main', 0, 4, 'total'], ['a', 0, 3, 'main'], ['b', 3, 1, 'main'],
    ]);
    expect([...d.leftTotal]).toEqual([2, 2, 2, 0]);
    expect([...d.rightTotal]).toEqual([2, 2, 1, 1]);
    const stats = Object.fromEntries(functionStats(d).map((s) => [s.name, [s.leftTotal, s.rightTotal]]));
    expect(stats).toEqual({ main: [2, 2], a: [2, 1], b: [0, 1] });
  });

  it('also reads leftTicks/rightTicks inside the flamebearer', () => {
    const { leftTicks, rightTicks, ...top } = diff;
    const d = decodeFlamebearer({ ...top, flamebearer: { ...diff.flamebearer, leftTicks, rightTicks: rightTicks + 1 } });
    expect([d.leftTicks, d.rightTicks]).toEqual([2, 3]);
  });

  it('matches what server-lite encodes for a deep, recursive profile', () => {
    const tree = parseCollapsed('main;f;f;f;leaf 5\nmain;g;leaf 3\nmain;f;g 2\n');
    const d = decodeFlamebearer({ flamebearer: buildFlamebearer(tree, { maxNodes: -1 }), metadata: { format: 'single' } });
    const stats = Object.fromEntries(functionStats(d).map((s) => [s.name, [s.self, s.total]]));
    // f recurses three deep: its total counts the outermost frame only.
    expect(stats).toEqual({ main: [0, 10], f: [0, 7], g: [2, 5], leaf: [8, 8] });
  });

  it.each([
    { name: 'row not a multiple of 4', levels: [[0, 1, 1]], names: ['total'] },
    { name: 'name index out of range', levels: [[0, 1, 1, 3]], names: ['total'] },
  ])('rejects $name', ({ levels, names }) => {
    expect(() => decodeFlamebearer({ flamebearer: { names, levels, numTicks: 1, maxSelf: 1 }, metadata: { format: 'single' } }))
      .toThrow(FlamebearerFormatError);
  });
});

describe('matchSearch', () => {
  it.each([
    { name: 'one leaf', term: 'b', frames: 1, ticks: 2 },
    { name: 'nested matches count once', term: 'i', frames: 2, ticks: 7 },
    { name: 'case-insensitive', term: 'WORK', frames: 1, ticks: 5 },
    { name: 'no match', term: 'zzz', frames: 0, ticks: 0 },
    { name: 'empty term', term: '  ', frames: 0, ticks: 0 },
  ])('$name', ({ term, frames, ticks }) => {
    const r = matchSearch(decodeFlamebearer(single), term);
    expect({ frames: r.frames, ticks: r.ticks }).toEqual({ frames, ticks });
  });
});

describe('formats', () => {
  it.each([
    { name: 'ns as s', v: 1_500_000_000, units: 'nanoseconds', rate: 0, out: '1.5 s' },
    { name: 'ns as ms', v: 12_300_000, units: 'nanoseconds', rate: 0, out: '12.3 ms' },
    { name: 'bytes as MB', v: 5 * 1024 * 1024, units: 'bytes', rate: 0, out: '5 MB' },
    { name: 'cpu samples with time', v: 250, units: 'samples', rate: 100, out: '250 samples (2.5 s)' },
    { name: 'trailing zeros dropped', v: 1_234_000, units: 'nanoseconds', rate: 0, out: '1.23 ms' },
    { name: 'objects', v: 12_000, units: 'objects', rate: 0, out: '12k objects' },
  ])('$name', ({ v, units, rate, out }) => {
    expect(formatValue(v, { units, sampleRate: rate })).toBe(out);
  });

  it.each([
    { l: 0.1, r: 0.15, out: '+50.0%' }, { l: 0.2, r: 0.1, out: '-50.0%' }, { l: 0, r: 0.1, out: 'new' }, { l: 0.1, r: 0, out: 'removed' },
  ])('change $l → $r is $out', ({ l, r, out }) => expect(formatChange(l, r)).toBe(out));

  it.each([
    { frame: 'github.com/acme/shop/internal/db.(*Pool).Get', group: 'github.com/acme/shop/internal/db' },
    { frame: 'runtime.mallocgc', group: 'runtime' },
    { frame: '/app/src/price.js:computePrice:42', group: '/app/src/price.js' },
  ])('groups $frame by package/file', ({ frame, group }) => expect(frameGroup(frame)).toBe(group));
});

describe('query and URL state', () => {
  it.each([
    'app.cpu',
    'app.cpu{env="prod"}',
    'my.app.alloc_space{env!="dev",path=~"/api/.*",q="a\\"b"}',
  ])('round-trips %s', (q) => expect(formatQuery(parseQuery(q))).toBe(q));

  it('keeps every view field through the URL', () => {
    const s = parseState('?view=diff&query=app.cpu%7Benv%3D%22prod%22%7D&leftFrom=1700000000&leftUntil=1700003600&rightFrom=now-1h&rightUntil=now&search=json&maxNodes=1024');
    expect(s).toMatchObject({ view: 'diff', query: 'app.cpu{env="prod"}', leftFrom: '1700000000', search: 'json', maxNodes: 1024 });
    expect(parseState(formatState(s))).toEqual(s);
  });

  it('falls back on bad values', () => {
    expect(parseState('?view=nope&maxNodes=-5')).toMatchObject({ view: 'apps', maxNodes: 8192 });
  });

  it.each([
    { input: 'now-6h', out: 'now-6h' }, { input: '1700000000', out: '1700000000' },
    { input: '2023-11-14T22:13:20Z', out: '1700000000' }, { input: 'yesterday', out: null },
  ])('reads time input $input', ({ input, out }) => expect(parseTimeInput(input)).toBe(out));
});

describe('last seen', () => {
  const now = Date.UTC(2026, 10, 25, 9, 0, 0);
  it.each([
    [now + 3_000, 'just now'], [now - 4_999, 'just now'], [now - 5_000, '5 s ago'], [now - 59_999, '59 s ago'],
    [now - 60_000, '1 min ago'], [now - 119_999, '1 min ago'], [now - 89 * 60_000, '89 min ago'], [now - 90 * 60_000, '1 h ago'],
    [now - 47 * 3_600_000, '47 h ago'], [now - 48 * 3_600_000, '2 d ago'],
  ])('%i is %s', (ms, text) => {
    expect(relativeTime(ms, now)).toBe(text);
  });

  it('shows the absolute time in UTC', () => {
    expect(absoluteUtc(now - 61_500)).toBe('2026-11-25 08:58:58 UTC');
  });

  it('takes the newest lastSeen of an app\'s series and tolerates servers that send none', () => {
    const [shop, other] = groupApps([
      { name: 'shop.cpu', lastSeen: 1_000 }, { name: 'shop.alloc_space', lastSeen: 5_000 }, { name: 'shop.wall' }, { name: 'zz.cpu' },
    ]);
    expect(groupLastSeen(shop!)).toBe(5_000);
    expect(groupLastSeen(other!)).toBeUndefined();
  });
});
