import { describe, expect, it } from 'vitest';
import { buildDiffFlamebearer } from './diff-flamebearer.js';
import { buildFlamebearer } from './flamebearer.js';
import { parseCollapsed } from '../../model/folded-text.js';
import { buildRenderDiffResponse, buildRenderResponse } from './render-response.js';
import { buildTimeline } from './timeline.js';

const FROM = Date.UTC(2026, 10, 25, 6, 0, 0, 750);
const UNTIL = FROM + 3_600_000;

describe('buildRenderResponse', () => {
  it('assembles Pyroscope OG /render JSON', () => {
    const tree = parseCollapsed('main;work 3\nmain 1');
    const flamebearer = buildFlamebearer(tree, { maxNodes: 8192 });
    const timeline = buildTimeline([{ timeMs: FROM + 20_000, value: 4 }], FROM, UNTIL);
    const res = buildRenderResponse({
      flamebearer,
      timeline,
      metadata: { spyName: 'nodespy', sampleRate: 100, units: 'samples' },
      appName: 'shop.cpu',
      query: ' shop.cpu{env="prod"} ',
      maxNodes: 8192,
      fromMs: FROM,
      untilMs: UNTIL,
      annotations: [{ content: 'deploy', timestampMs: FROM + 1_500 }],
    });
    expect(res).toEqual({
      version: 1,
      flamebearer,
      metadata: {
        format: 'single',
        spyName: 'nodespy',
        sampleRate: 100,
        units: 'samples',
        name: 'shop.cpu 2026-11-25T06:00:00Z',
        appName: 'shop.cpu',
        startTime: Math.floor(FROM / 1000),
        endTime: Math.floor(UNTIL / 1000),
        query: 'shop.cpu{env="prod"}',
        maxNodes: 8192,
      },
      timeline,
      groups: {},
      heatmap: null,
      annotations: [{ content: 'deploy', timestamp: Math.floor(FROM / 1000) + 2 }],
    });
    // The wire form: heatmap null and groups {} survive JSON.
    expect(JSON.parse(JSON.stringify(res))).toMatchObject({ heatmap: null, groups: {} });
  });
});

describe('buildRenderDiffResponse', () => {
  const left = parseCollapsed('main;a 2');
  const right = parseCollapsed('main;a 1\nmain;b 1');

  it('assembles Pyroscope OG /render-diff JSON (format double, timeline null, ticks at top level)', () => {
    const fb = buildDiffFlamebearer(left, right, { maxNodes: 8192 });
    const meta = { spyName: 'gospy', sampleRate: 100, units: 'samples' };
    expect(buildRenderDiffResponse({ flamebearer: fb, left: meta, right: meta })).toEqual({
      version: 1,
      flamebearer: { names: fb.names, levels: fb.levels, numTicks: 4, maxSelf: 2 },
      metadata: { format: 'double', spyName: 'gospy', sampleRate: 100, units: 'samples', name: 'diff' },
      timeline: null,
      groups: null,
      heatmap: null,
      leftTicks: 2,
      rightTicks: 2,
    });
  });

  it('takes metadata from the right side when the left is empty', () => {
    const fb = buildDiffFlamebearer(parseCollapsed(''), right, { maxNodes: 8192 });
    const res = buildRenderDiffResponse({
      flamebearer: fb,
      left: { spyName: 'unknown', sampleRate: 0, units: '' },
      right: { spyName: 'nodespy', sampleRate: 100, units: 'samples' },
    });
    expect(res.metadata).toMatchObject({ spyName: 'nodespy', sampleRate: 100, units: 'samples' });
  });

  it.each([
    { name: 'units differ', l: { units: 'samples', sampleRate: 100 }, r: { units: 'bytes', sampleRate: 100 } },
    { name: 'sample rates differ', l: { units: 'samples', sampleRate: 100 }, r: { units: 'samples', sampleRate: 99 } },
  ])('rejects a diff whose $name with KPROF_QUERY_DIFF_MISMATCH', ({ l, r }) => {
    const fb = buildDiffFlamebearer(left, right, { maxNodes: 8192 });
    expect(() =>
      buildRenderDiffResponse({ flamebearer: fb, left: { spyName: 'x', ...l }, right: { spyName: 'x', ...r } }),
    ).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_DIFF_MISMATCH' }));
  });
});
