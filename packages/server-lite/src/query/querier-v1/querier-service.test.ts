import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ValidationError } from '../../errors.js';
import { ProfileFormat, QuerierService } from '../../gen/querier/v1/querier_pb.js';
import { TimeSeriesAggregationType } from '../../gen/types/v1/types_pb.js';
import { buildDiffFlamebearer } from '../export/diff-flamebearer.js';
import { buildFlamebearer } from '../export/flamebearer.js';
import { buildPprofProfile } from '../export/pprof-export.js';
import { StackTree } from '../../model/stack-tree.js';
import type { LabelQuery, ProfileQuery, QuerierBackend, SeriesData, SeriesQuery, TimeRangeMs } from './querier-backend.js';
import type { ProfileTypeInfo } from '../../model/profile-type.js';
import { createQuerierHandler } from './querier-service.js';

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const ALLOC = 'memory:alloc_space:bytes:space:bytes';

interface StoredProfile {
  readonly typeId: string;
  readonly labels: Record<string, string>;
  readonly timestampMs: number;
  /** Folded lines `a;b;c value`. */
  readonly folded: readonly string[];
}

const dataset: readonly StoredProfile[] = [
  { typeId: CPU, labels: { __name__: 'process_cpu', service_name: 'api', pod: 'a' }, timestampMs: 1_000_000, folded: ['main;work;a 3', 'main;idle 1'] },
  { typeId: CPU, labels: { __name__: 'process_cpu', service_name: 'api', pod: 'b' }, timestampMs: 1_010_000, folded: ['main;work;b 2', 'main 1'] },
  { typeId: ALLOC, labels: { __name__: 'memory', service_name: 'api', pod: 'a' }, timestampMs: 1_000_000, folded: ['main;alloc 100'] },
  { typeId: CPU, labels: { __name__: 'process_cpu', service_name: 'web' }, timestampMs: 5_000_000, folded: ['web;x 5'] },
];

/** Equality-only Prometheus selector `{k="v",...}`: enough for this dataset, refuses the rest. */
function parseEqualitySelector(selector: string): Array<[string, string]> {
  const body = selector.trim().replace(/^\{/, '').replace(/\}$/, '').trim();
  if (body === '') return [];
  return body.split(',').map((part) => {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"\s*$/.exec(part);
    if (!m) throw new ValidationError('KPROF_QUERY_BAD_SELECTOR', `unsupported matcher ${JSON.stringify(part)}`);
    return [m[1] ?? '', m[2] ?? ''];
  });
}

function matches(labels: Record<string, string>, selector: string): boolean {
  return parseEqualitySelector(selector).every(([k, v]) => labels[k] === v);
}

function inRange(p: StoredProfile, r: TimeRangeMs): boolean {
  return p.timestampMs >= r.startMs && p.timestampMs <= r.endMs;
}

function treeOf(profiles: readonly StoredProfile[]): StackTree {
  const tree = new StackTree();
  for (const p of profiles) {
    for (const line of p.folded) {
      const at = line.lastIndexOf(' ');
      tree.add(line.slice(0, at).split(';'), Number(line.slice(at + 1)));
    }
  }
  return tree;
}

/** A real QuerierBackend over the in-memory dataset; records the queries it received. */
class InMemoryBackend implements QuerierBackend {
  readonly queries: Array<ProfileQuery | SeriesQuery> = [];

  constructor(private readonly profiles: readonly StoredProfile[]) {}

  #byLabels(q: LabelQuery): StoredProfile[] {
    return this.profiles.filter((p) => inRange(p, q) && (q.matchers.length === 0 || q.matchers.some((m) => matches(p.labels, m))));
  }

  #select(q: ProfileQuery | SeriesQuery): StoredProfile[] {
    this.queries.push(q);
    return this.profiles.filter((p) => p.typeId === q.profileType.id && inRange(p, q) && matches(p.labels, q.labelSelector));
  }

  async profileTypes(range: TimeRangeMs): Promise<ProfileTypeInfo[]> {
    const ids = [...new Set(this.profiles.filter((p) => inRange(p, range)).map((p) => p.typeId))].sort();
    return ids.map((id) => {
      const [name = '', sampleType = '', sampleUnit = '', periodType = '', periodUnit = ''] = id.split(':');
      return { id, name, sampleType, sampleUnit, periodType, periodUnit };
    });
  }

  async labelNames(q: LabelQuery): Promise<string[]> {
    return [...new Set(this.#byLabels(q).flatMap((p) => Object.keys(p.labels)))].sort();
  }

  async labelValues(q: LabelQuery & { name: string }): Promise<string[]> {
    return [...new Set(this.#byLabels(q).flatMap((p) => (q.name in p.labels ? [p.labels[q.name] ?? ''] : [])))].sort();
  }

  async series(q: LabelQuery & { labelNames: readonly string[] }): Promise<Array<Record<string, string>>> {
    const sets = new Map<string, Record<string, string>>();
    for (const p of this.#byLabels(q)) {
      const labels = q.labelNames.length === 0 ? p.labels : Object.fromEntries(q.labelNames.filter((n) => n in p.labels).map((n) => [n, p.labels[n] ?? '']));
      sets.set(JSON.stringify(Object.entries(labels).sort()), labels);
    }
    return [...sets.values()];
  }

  async selectMergeStacktraces(q: ProfileQuery) {
    const fb = buildFlamebearer(treeOf(this.#select(q)), { maxNodes: q.maxNodes });
    return { names: fb.names, levels: fb.levels, total: fb.numTicks, maxSelf: fb.maxSelf };
  }

  async selectMergeProfile(q: ProfileQuery): Promise<Uint8Array> {
    const profile = buildPprofProfile(treeOf(this.#select(q)), {
      sampleType: { type: q.profileType.sampleType, unit: q.profileType.sampleUnit },
    });
    return gzipSync(profile.encode());
  }

  async selectSeries(q: SeriesQuery): Promise<SeriesData[]> {
    const groups = new Map<string, { labels: Record<string, string>; points: Map<number, number[]> }>();
    for (const p of this.#select(q)) {
      const labels = Object.fromEntries(q.groupBy.filter((n) => n in p.labels).map((n) => [n, p.labels[n] ?? '']));
      const key = JSON.stringify(labels);
      const group = groups.get(key) ?? { labels, points: new Map() };
      groups.set(key, group);
      const t = q.startMs + Math.floor((p.timestampMs - q.startMs) / q.stepMs) * q.stepMs;
      const total = p.folded.reduce((s, line) => s + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      group.points.set(t, [...(group.points.get(t) ?? []), total]);
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      points: [...g.points.entries()]
        .sort(([a], [b]) => a - b)
        .map(([timestampMs, vs]) => {
          const sum = vs.reduce((a, b) => a + b, 0);
          return { timestampMs, value: q.aggregation === 'sum' ? sum : sum / vs.length };
        }),
    }));
  }

  async diff(q: { left: ProfileQuery; right: ProfileQuery }) {
    const fb = buildDiffFlamebearer(treeOf(this.#select(q.left)), treeOf(this.#select(q.right)), { maxNodes: q.left.maxNodes });
    return { names: fb.names, levels: fb.levels, total: fb.numTicks, maxSelf: fb.maxSelf, leftTicks: fb.leftTicks, rightTicks: fb.rightTicks };
  }
}

async function startServer(): Promise<{ baseUrl: string; backend: InMemoryBackend }> {
  const backend = new InMemoryBackend(dataset);
  const handler = createQuerierHandler(backend, { nowMs: () => 10_000_000 });
  const server: Server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, backend };
}

function client(baseUrl: string, json = false): Client<typeof QuerierService> {
  return createClient(QuerierService, createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: !json }));
}

async function connectError(promise: Promise<unknown>): Promise<ConnectError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

const apiCpu = { profileTypeID: CPU, labelSelector: '{service_name="api"}', start: 999_000n, end: 1_020_000n };

describe('querier.v1.QuerierService', () => {
  it.each([
    { name: 'binary', json: false },
    { name: 'JSON', json: true },
  ])('SelectMergeStacktraces merges the selected profiles into Pyroscope levels ($name)', async ({ json }) => {
    const { baseUrl, backend } = await startServer();
    const res = await client(baseUrl, json).selectMergeStacktraces(apiCpu);
    // docs/COMPATIBILITY.md §1's worked example (checked against Pyroscope OG) for exactly these stacks.
    expect(res.flamegraph?.names).toEqual(['total', 'main', 'work', 'b', 'a', 'idle']);
    expect(res.flamegraph?.levels.map((l) => l.values.map(Number))).toEqual([
      [0, 7, 0, 0],
      [0, 7, 1, 1],
      [1, 1, 1, 5, 0, 5, 0, 2],
      [2, 3, 3, 4, 0, 2, 2, 3],
    ]);
    expect(res.flamegraph?.total).toBe(7n);
    expect(res.flamegraph?.maxSelf).toBe(3n);
    expect(backend.queries[0]).toMatchObject({ maxNodes: 8192, startMs: 999_000, endMs: 1_020_000, labelSelector: '{service_name="api"}' });
  });

  it('uses protojson names on the wire (profileTypeID, maxSelf, int64 as strings)', async () => {
    const { baseUrl } = await startServer();
    const res = await fetch(`${baseUrl}/querier.v1.QuerierService/SelectMergeStacktraces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profileTypeID: CPU, labelSelector: '{pod="b"}', start: '1000000', end: '1020000', maxNodes: '16' }),
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      flamegraph: {
        names: ['total', 'main', 'work', 'b'],
        levels: [{ values: ['0', '3', '0', '0'] }, { values: ['0', '3', '1', '1'] }, { values: ['1', '2', '0', '2'] }, { values: ['1', '2', '2', '3'] }],
        total: '3',
        maxSelf: '2',
      },
    });
  });

  it('ProfileTypes lists the types with data in the range (Grafana health check included)', async () => {
    const { baseUrl } = await startServer();
    const q = client(baseUrl);
    expect((await q.profileTypes({ start: 1000n, end: 4000n })).profileTypes).toEqual([]);
    const all = await q.profileTypes({});
    expect(all.profileTypes.map((t) => t.ID)).toEqual([ALLOC, CPU]);
    expect(all.profileTypes[1]).toMatchObject({ name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' });
    const early = await q.profileTypes({ start: 4_000_000n, end: 6_000_000n });
    expect(early.profileTypes.map((t) => t.ID)).toEqual([CPU]);
  });

  it('LabelNames, LabelValues and Series answer from the label index', async () => {
    const { baseUrl } = await startServer();
    const q = client(baseUrl, true);
    expect((await q.labelNames({ matchers: ['{service_name="web"}'] })).names).toEqual(['__name__', 'service_name']);
    expect((await q.labelNames({})).names).toEqual(['__name__', 'pod', 'service_name']);
    expect((await q.labelValues({ name: 'pod', matchers: [] })).names).toEqual(['a', 'b']);
    expect((await q.labelValues({ name: '__name__', start: 4_000_000n, end: 6_000_000n })).names).toEqual(['process_cpu']);
    const series = await q.series({ matchers: ['{__name__="process_cpu"}'], labelNames: ['service_name', 'pod'] });
    expect(series.labelsSet.map((s) => s.labels.map((l) => `${l.name}=${l.value}`))).toEqual([
      ['pod=a', 'service_name=api'],
      ['pod=b', 'service_name=api'],
      ['service_name=web'],
    ]);
  });

  it('SelectSeries groups by label and passes step, aggregation and limit', async () => {
    const { baseUrl, backend } = await startServer();
    const res = await client(baseUrl).selectSeries({ ...apiCpu, start: 1_000_000n, groupBy: ['pod'], step: 10, aggregation: TimeSeriesAggregationType.AVERAGE, limit: 5n });
    expect(res.series.map((s) => ({ labels: s.labels.map((l) => `${l.name}=${l.value}`), points: s.points.map((p) => [Number(p.timestamp), p.value]) }))).toEqual([
      { labels: ['pod=a'], points: [[1_000_000, 4]] },
      { labels: ['pod=b'], points: [[1_010_000, 3]] },
    ]);
    expect(backend.queries[0]).toMatchObject({ stepMs: 10_000, aggregation: 'average', limit: 5, groupBy: ['pod'] });
  });

  it('SelectMergeProfile returns the merged pprof as google.v1.Profile', async () => {
    const { baseUrl } = await startServer();
    const profile = await client(baseUrl).selectMergeProfile(apiCpu);
    const name = (i: bigint) => profile.stringTable[Number(i)];
    expect(profile.sampleType.map((t) => [name(t.type), name(t.unit)])).toEqual([['cpu', 'nanoseconds']]);
    const functionName = new Map(profile.function.map((f) => [f.id, name(f.name)]));
    const locationName = new Map(profile.location.map((l) => [l.id, functionName.get(l.line[0]?.functionId ?? 0n)]));
    const stacks = profile.sample.map((s) => `${s.locationId.map((id) => locationName.get(id)).reverse().join(';')} ${s.value[0]}`).sort();
    expect(stacks).toEqual(['main 1', 'main;idle 1', 'main;work;a 3', 'main;work;b 2']);
  });

  it('Diff compares two selections', async () => {
    const { baseUrl } = await startServer();
    const res = await client(baseUrl).diff({
      left: { ...apiCpu, labelSelector: '{pod="a"}' },
      right: { ...apiCpu, labelSelector: '{pod="b"}' },
    });
    expect(res.flamegraph?.leftTicks).toBe(4n);
    expect(res.flamegraph?.rightTicks).toBe(3n);
    expect(res.flamegraph?.total).toBe(7n);
    expect(res.flamegraph?.names[0]).toBe('total');
    expect(res.flamegraph?.levels[0]?.values.map(Number)).toEqual([0, 4, 0, 0, 3, 0, 0]);
  });

  it.each([
    { name: 'max_nodes negative', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, maxNodes: -1n }), code: Code.InvalidArgument, text: 'max_nodes is -1; expected 0 (default 8192) to 1048576' },
    { name: 'max_nodes over 1048576', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, maxNodes: 1_048_577n }), code: Code.InvalidArgument, text: 'max_nodes is 1048577' },
    { name: 'start after end', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, start: 2_000_000n }), code: Code.InvalidArgument, text: 'start (2000000) is after end (1020000)' },
    { name: 'missing end', call: (q: Client<typeof QuerierService>) => q.selectMergeProfile({ ...apiCpu, end: 0n, start: 0n }), code: Code.InvalidArgument, text: 'end is missing' },
    { name: 'range over 31 days', call: (q: Client<typeof QuerierService>) => q.selectSeries({ ...apiCpu, start: 1n, end: 32n * 86_400_000n, step: 3600 }), code: Code.InvalidArgument, text: 'over the limit of 2678400000 ms (query.max-range)' },
    { name: 'bad profile type', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, profileTypeID: 'cpu' }), code: Code.InvalidArgument, text: 'profile_typeID "cpu" is invalid' },
    { name: 'zero step', call: (q: Client<typeof QuerierService>) => q.selectSeries({ ...apiCpu, step: 0 }), code: Code.InvalidArgument, text: 'step is 0; expected seconds > 0' },
    { name: 'too many points', call: (q: Client<typeof QuerierService>) => q.selectSeries({ ...apiCpu, start: 0n, end: 86_400_000n, step: 1 }), code: Code.InvalidArgument, text: '86401 points, over the limit of 11000' },
    { name: 'too many matchers', call: (q: Client<typeof QuerierService>) => q.labelNames({ matchers: Array.from({ length: 65 }, () => '{}') }), code: Code.InvalidArgument, text: 'matchers has 65 entries, over the limit of 64' },
    { name: 'label values without a name', call: (q: Client<typeof QuerierService>) => q.labelValues({}), code: Code.InvalidArgument, text: 'name is required' },
    { name: 'diff without right', call: (q: Client<typeof QuerierService>) => q.diff({ left: apiCpu }), code: Code.InvalidArgument, text: 'left and right are both required' },
    { name: 'tree format', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, format: ProfileFormat.TREE }), code: Code.Unimplemented, text: 'format TREE is not supported' },
    { name: 'stack trace selector', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, stackTraceSelector: { callSite: [{ name: 'main' }] } }), code: Code.Unimplemented, text: 'stack_trace_selector is not supported' },
    { name: 'backend validation error', call: (q: Client<typeof QuerierService>) => q.selectMergeStacktraces({ ...apiCpu, labelSelector: '{pod=~"a.*"}' }), code: Code.InvalidArgument, text: 'unsupported matcher "pod=~\\"a.*\\""', backendCalls: 1 },
  ])('rejects $name', async ({ call, code, text, backendCalls = 0 }) => {
    const { baseUrl, backend } = await startServer();
    const err = await connectError(call(client(baseUrl)));
    expect(err.code).toBe(code);
    expect(err.rawMessage).toContain(text);
    // Validation happens before the backend sees the request; only the last row gets that far.
    expect(backend.queries).toHaveLength(backendCalls);
  });

  it('answers methods kprof does not implement with unimplemented', async () => {
    const { baseUrl } = await startServer();
    const res = await fetch(`${baseUrl}/querier.v1.QuerierService/SelectHeatmap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});
