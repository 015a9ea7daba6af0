import type {
  FlameGraphData,
  FlameGraphDiffData,
  LabelQuery,
  ProfileQuery,
  QuerierBackend,
  SeriesData,
  SeriesQuery,
  TimeRangeMs,
} from './querier-backend.js';
import { type ProfileTypeInfo, grafanaLabelsOfSeries, profileTypeOfSeries } from '../../model/profile-type.js';
import type { StoredSeries } from '../../model/stored-series.js';
import type { StackTree } from '../../model/stack-tree.js';
import type { QueryEngine, QueryRange } from '../engine/query-engine.js';
import { buildDiffFlamebearer } from '../export/diff-flamebearer.js';
import { buildFlamebearer } from '../export/flamebearer.js';
import { type LabelMatcher, matchesAll, parseQuery } from '../flameql.js';
import { buildPprofProfile, describeNodeFrame } from '../export/pprof-export.js';

/** A stored series as Grafana sees it: its profile type and its labels. */
interface SeriesView {
  readonly series: StoredSeries;
  readonly type: ProfileTypeInfo;
  readonly labels: Record<string, string>;
}

/** A parsed Prometheus selector: an optional profile type ID before the braces, and matchers. */
interface Selector {
  readonly typeId: string | undefined;
  readonly matchers: LabelMatcher[];
}

/**
 * Grafana Pyroscope's querier.v1 as an adapter over the {@link QueryEngine}. Each stored series
 * is seen with its Grafana profile type ({@link profileTypeOfSeries}) and labels `service_name`,
 * `__name__`, `__profile_type__` plus its own; selectors are Prometheus matchers (anchored RE2,
 * absent label = ""), an optional name before the braces selecting a profile type ID. Grafana's
 * ranges include their end (`[startMs, endMs]`, as Grafana Pyroscope selects profiles), so the
 * engine's half-open range is `[startMs, endMs + 1)`. Merges sum (Grafana Pyroscope's rule), so
 * for sum-aggregated types the totals are `/render`'s for the same series and profiles.
 */
export class EngineQuerierBackend implements QuerierBackend {
  readonly #engine: QueryEngine;

  constructor(engine: QueryEngine) {
    this.#engine = engine;
  }

  async profileTypes(range: TimeRangeMs): Promise<ProfileTypeInfo[]> {
    const types = new Map<string, ProfileTypeInfo>();
    for (const s of this.#engine.seriesWithData(engineRange(range))) {
      const type = profileTypeOfSeries(s);
      if (!types.has(type.id)) types.set(type.id, type);
    }
    return [...types.values()].sort((a, b) => compare(a.id, b.id));
  }

  async labelNames(query: LabelQuery): Promise<string[]> {
    const names = new Set<string>();
    for (const v of this.#matchingAny(query)) for (const k of Object.keys(v.labels)) names.add(k);
    return [...names].sort(compare);
  }

  async labelValues(query: LabelQuery & { readonly name: string }): Promise<string[]> {
    const values = new Set<string>();
    for (const v of this.#matchingAny(query)) {
      const value = v.labels[query.name];
      if (value !== undefined && value !== '') values.add(value);
    }
    return [...values].sort(compare);
  }

  async series(query: LabelQuery & { readonly labelNames: readonly string[] }): Promise<Array<Record<string, string>>> {
    const sets = new Map<string, Record<string, string>>();
    for (const v of this.#matchingAny(query)) {
      const labels = query.labelNames.length === 0 ? v.labels : pick(v.labels, query.labelNames);
      const key = JSON.stringify(Object.entries(labels).sort((a, b) => compare(a[0], b[0])));
      if (!sets.has(key)) sets.set(key, labels);
    }
    return [...sets.entries()].sort((a, b) => compare(a[0], b[0])).map(([, labels]) => labels);
  }

  async selectMergeStacktraces(query: ProfileQuery): Promise<FlameGraphData> {
    const fb = buildFlamebearer(this.#merge(query).tree, { maxNodes: query.maxNodes });
    return { names: fb.names, levels: fb.levels, total: fb.numTicks, maxSelf: fb.maxSelf };
  }

  async selectMergeProfile(query: ProfileQuery): Promise<Uint8Array> {
    const { tree, series } = this.#merge(query);
    const t = query.profileType;
    const first = series[0];
    const sampleRate = first?.meta.sampleRate ?? 0;
    const profile = buildPprofProfile(tree, {
      sampleType: { type: t.sampleType, unit: t.sampleUnit },
      periodType: { type: t.periodType, unit: t.periodUnit },
      // Only a time period follows from the stored sample rate (samples per second).
      period: t.periodUnit === 'nanoseconds' && sampleRate > 0 ? Math.round(1e9 / sampleRate) : 0,
      timeNanos: BigInt(query.startMs) * 1_000_000n,
      durationNanos: BigInt(query.endMs - query.startMs) * 1_000_000n,
      ...(first?.meta.spyName === 'nodespy' ? { describeFrame: describeNodeFrame } : {}),
    });
    return profile.encode();
  }

  async selectSeries(query: SeriesQuery): Promise<SeriesData[]> {
    const series = this.#select(query.profileType, query.labelSelector);
    const groupOf = series.map((s) => {
      const labels = pick(grafanaLabelsOfSeries(s, query.profileType), query.groupBy);
      return { key: JSON.stringify(query.groupBy.map((g) => labels[g] ?? '')), labels };
    });
    // Grafana Pyroscope's steps: a profile at time t counts in the first step boundary ≥ t,
    // boundaries at startMs + k·stepMs.
    const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, { sum: number; n: number }>; total: number }>();
    for (const p of this.#engine.points(series, engineRange(query))) {
      const g = groupOf[p.series]!;
      let group = groups.get(g.key);
      if (group === undefined) groups.set(g.key, (group = { labels: g.labels, buckets: new Map(), total: 0 }));
      const ts = query.startMs + Math.ceil((p.timeMs - query.startMs) / query.stepMs) * query.stepMs;
      const bucket = group.buckets.get(ts) ?? { sum: 0, n: 0 };
      bucket.sum += p.total;
      bucket.n += 1;
      group.buckets.set(ts, bucket);
      group.total += p.total;
    }
    let list = [...groups.values()];
    if (query.limit !== undefined && list.length > query.limit) {
      list = list.sort((a, b) => b.total - a.total).slice(0, query.limit);
    }
    return list
      .map((g) => ({
        labels: g.labels,
        points: [...g.buckets.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([timestampMs, b]) => ({ timestampMs, value: query.aggregation === 'average' ? b.sum / b.n : b.sum })),
      }))
      .sort((a, b) => compare(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  }

  async diff(query: { readonly left: ProfileQuery; readonly right: ProfileQuery }): Promise<FlameGraphDiffData> {
    const left = this.#merge(query.left).tree;
    const right = this.#merge(query.right).tree;
    const fb = buildDiffFlamebearer(left, right, { maxNodes: Math.max(query.left.maxNodes, query.right.maxNodes) });
    return { names: fb.names, levels: fb.levels, total: fb.numTicks, maxSelf: fb.maxSelf, leftTicks: fb.leftTicks, rightTicks: fb.rightTicks };
  }

  /** Series with data in the range matching any of `query.matchers` (none = all), as Grafana sees them. */
  #matchingAny(query: LabelQuery): SeriesView[] {
    const selectors = query.matchers.map(parseSelector);
    const views: SeriesView[] = [];
    for (const s of this.#engine.seriesWithData(engineRange(query))) {
      const v = viewOf(s);
      if (selectors.length === 0 || selectors.some((sel) => matchesSelector(sel, v))) views.push(v);
    }
    return views;
  }

  /** Series of one profile type matching a selector, bounded by `query.max-series`. */
  #select(type: ProfileTypeInfo, labelSelector: string): StoredSeries[] {
    const selector = parseSelector(labelSelector);
    return this.#engine.select((s) => {
      const v = viewOf(s);
      return v.type.id === type.id && matchesSelector(selector, v);
    });
  }

  #merge(query: ProfileQuery): { tree: StackTree; series: StoredSeries[] } {
    const series = this.#select(query.profileType, query.labelSelector);
    return { tree: this.#engine.merge(series, engineRange(query), 'sum').tree, series };
  }
}

// Grafana's inclusive [startMs, endMs] as the engine's half-open range.
function engineRange(range: TimeRangeMs): QueryRange {
  return { fromMs: range.startMs, untilMs: range.endMs + 1 };
}

function viewOf(series: StoredSeries): SeriesView {
  const type = profileTypeOfSeries(series);
  return { series, type, labels: grafanaLabelsOfSeries(series, type) };
}

function parseSelector(selector: string): Selector {
  const parsed = parseQuery(selector, { anchored: true });
  return { typeId: parsed.name, matchers: parsed.matchers };
}

function matchesSelector(selector: Selector, v: SeriesView): boolean {
  if (selector.typeId !== undefined && selector.typeId !== v.type.id) return false;
  // Prometheus semantics: a label the series lacks is matched as "".
  return matchesAll(selector.matchers, v.labels);
}

function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const value = labels[n];
    if (value !== undefined) out[n] = value;
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
