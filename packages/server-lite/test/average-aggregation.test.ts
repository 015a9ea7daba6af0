import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KprofServer } from '../src/server.js';
import { type GoService, startGoService } from './helpers/go-service.js';
import { collapsedTotals, makeTempDir, pprofRawTotals } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const tmp = makeTempDir('kprof-average-');
const NOW_S = Math.floor(Date.now() / 1000);
// Uploads start 10 s apart from here, each in its own timeline bucket.
const FIRST_S = Math.floor((NOW_S - 200) / 10) * 10;
const RANGE = { from: String(NOW_S - 300), until: String(NOW_S) };

afterAll(() => tmp.cleanup());

interface Upload {
  readonly name: string;
  readonly folded: string;
  readonly aggregationType?: string;
}

interface RenderJson {
  flamebearer: { names: string[]; levels: number[][]; numTicks: number; maxSelf: number };
  metadata: { units: string; spyName: string; sampleRate: number };
  timeline: { samples: number[] };
}

async function upload(server: KprofServer, uploads: readonly Upload[]): Promise<void> {
  for (const [i, u] of uploads.entries()) {
    const from = FIRST_S + 10 * i;
    const params: Record<string, string> = { name: u.name, from: String(from), until: String(from + 10), units: 'bytes', spyName: 'gospy' };
    if (u.aggregationType !== undefined) params.aggregationType = u.aggregationType;
    const res = await ingest(server, params, u.folded, { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
  }
}

async function render(server: KprofServer, query: string): Promise<RenderJson> {
  const res = await get(server, '/render', { query, ...RANGE, format: 'json' });
  expect(res.status).toBe(200);
  return JSON.parse(res.text) as RenderJson;
}

const avg = (name: string, folded: string): Upload => ({ name, folded, aggregationType: 'average' });

// Expected values follow Pyroscope OG's storage.Get: the merged tree of every selected series is
// divided by the number of profiles written in the range (all series together) when any of
// them aggregates by average, each node's total and self rounded down on its own; the timeline
// keeps plain sums.
const CASES: {
  name: string;
  uploads: Upload[];
  query: string;
  numTicks: number;
  collapsed: Record<string, number>;
  timelineTotal: number;
  levels?: number[][];
}[] = [
  {
    name: 'three profiles of one series → per-profile average',
    uploads: [avg('heap.inuse', 'main;a 10\nmain;b 5'), avg('heap.inuse', 'main;a 20'), avg('heap.inuse', 'main;a 33\nmain;b 1')],
    query: 'heap.inuse',
    numTicks: 23, // 69 / 3
    collapsed: { 'main;a': 21, 'main;b': 2 },
    timelineTotal: 69,
  },
  {
    name: 'the same profiles summed when the series is not average',
    uploads: [{ name: 'heap.sum', folded: 'main;a 10\nmain;b 5' }, { name: 'heap.sum', folded: 'main;a 20' }, { name: 'heap.sum', folded: 'main;a 33\nmain;b 1' }],
    query: 'heap.sum',
    numTicks: 69,
    collapsed: { 'main;a': 63, 'main;b': 6 },
    timelineTotal: 69,
  },
  {
    name: 'each node rounds down on its own; a node that reaches 0 stays in the flamebearer',
    uploads: [avg('round.inuse', 'main;a 1\nmain;b 1'), avg('round.inuse', 'main;a 1')],
    query: 'round.inuse',
    numTicks: 1, // 3 / 2
    collapsed: { 'main;a': 1 },
    timelineTotal: 3,
    // total 1 → main 1 → a (total 2/2 = 1, self 1) and b (total 1/2 = 0); names in OG's visit order.
    levels: [[0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 1, 3, 0, 0, 0, 2]],
  },
  {
    name: 'two series: divided by all their profiles together (4), not averaged per series',
    uploads: [avg('pods.inuse{pod=a}', 'main;x 10'), avg('pods.inuse{pod=a}', 'main;x 30'), avg('pods.inuse{pod=b}', 'main;y 4'), avg('pods.inuse{pod=b}', 'main;y 4')],
    query: 'pods.inuse',
    numTicks: 12, // 48 / 4
    collapsed: { 'main;x': 10, 'main;y': 2 },
    timelineTotal: 48,
  },
  {
    name: 'a label selection averages over its own profiles only',
    uploads: [avg('sel.inuse{pod=a}', 'main;x 10'), avg('sel.inuse{pod=a}', 'main;x 31'), avg('sel.inuse{pod=b}', 'main;y 4')],
    query: 'sel.inuse{pod="a"}',
    numTicks: 20, // 41 / 2
    collapsed: { 'main;x': 20 },
    timelineTotal: 41,
  },
  {
    name: 'one average series among sum series makes the whole selection average',
    uploads: [avg('mixed.inuse{pod=a}', 'main;x 10'), avg('mixed.inuse{pod=a}', 'main;x 30'), { name: 'mixed.inuse{pod=b}', folded: 'main;y 6' }],
    query: 'mixed.inuse',
    numTicks: 15, // 46 / 3
    collapsed: { 'main;x': 13, 'main;y': 2 },
    timelineTotal: 46,
  },
  {
    name: 'a single profile is its own average',
    uploads: [avg('single.inuse', 'main;a 7')],
    query: 'single.inuse',
    numTicks: 7,
    collapsed: { 'main;a': 7 },
    timelineTotal: 7,
  },
  {
    name: 'aggregationType=avg is read as average',
    uploads: [{ name: 'short.inuse', folded: 'main;a 9', aggregationType: 'avg' }, { name: 'short.inuse', folded: 'main;a 4', aggregationType: 'avg' }],
    query: 'short.inuse',
    numTicks: 6, // 13 / 2
    collapsed: { 'main;a': 6 },
    timelineTotal: 13,
  },
];

describe('/render over series ingested with aggregationType=average', () => {
  it.each(CASES)('$name', async (c) => {
    const server = await startTestServer(join(tmp.dir, `db-${CASES.indexOf(c)}`));
    await upload(server, c.uploads);
    const json = await render(server, c.query);
    expect(json.flamebearer.numTicks).toBe(c.numTicks);
    expect(json.flamebearer.levels[0]).toEqual([0, c.numTicks, 0, 0]);
    expect(json.metadata).toMatchObject({ units: 'bytes', spyName: 'gospy' });
    if (c.levels !== undefined) {
      expect(json.flamebearer.names).toEqual(['total', 'main', 'b', 'a']);
      expect(json.flamebearer.levels).toEqual(c.levels);
    }
    expect(json.timeline.samples.reduce((a, b) => a + b, 0)).toBe(c.timelineTotal);

    // collapsed and pprof come from the same averaged tree.
    const collapsed = await get(server, '/render', { query: c.query, ...RANGE, format: 'collapsed' });
    expect(Object.fromEntries(collapsedTotals(collapsed.text))).toEqual(c.collapsed);
  });
});

describe('average over real Go heap profiles (inuse_space is average by Pyroscope default)', () => {
  let service: GoService | undefined;
  const files: string[] = [];

  beforeAll(async () => {
    service = await startGoService(tmp.dir);
    for (let i = 0; i < 3; i++) {
      await service.alloc(2 + i, 512);
      files.push(await service.save('/debug/pprof/heap?gc=1', `heap-${i}.pb.gz`));
    }
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('renders the per-profile average of inuse_space and the sum of alloc_space', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-go'));
    for (const [i, file] of files.entries()) {
      const from = FIRST_S + 10 * i;
      const res = await ingest(server, { format: 'pprof', name: 'goheap', from: String(from), until: String(from + 10) }, readFileSync(file));
      expect(res.status).toBe(200);
    }
    // go tool pprof's per-stack sums over the three profiles, divided per stack by 3 and rounded down.
    const sums = await pprofRawTotals(files, 3);
    const want = new Map([...sums].map(([k, v]) => [k, Math.floor(v / 3)] as const).filter(([, v]) => v > 0));
    const collapsed = await get(server, '/render', { query: 'goheap.inuse_space', ...RANGE, format: 'collapsed' });
    expect(collapsedTotals(collapsed.text)).toEqual(want);

    const total = [...sums.values()].reduce((a, b) => a + b, 0);
    const json = await render(server, 'goheap.inuse_space');
    expect(json.flamebearer.numTicks).toBe(Math.floor(total / 3));
    expect(json.metadata.units).toBe('bytes');
    expect(json.timeline.samples.reduce((a, b) => a + b, 0)).toBe(total);

    // alloc_space is a sum series: all three profiles added up.
    const allocTotal = [...(await pprofRawTotals(files, 1)).values()].reduce((a, b) => a + b, 0);
    expect((await render(server, 'goheap.alloc_space')).flamebearer.numTicks).toBe(allocTotal);
  });
});
