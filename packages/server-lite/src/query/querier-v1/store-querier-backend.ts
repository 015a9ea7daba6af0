import { seriesOfTenant } from '../../model/tenant.js';
import type { QueryLimits } from '../../config/resolve-config.js';
import type { FlameGraphData, FlameGraphDiffData, LabelQuery, ProfileQuery, QuerierBackend, SeriesData, SeriesQuery, TimeRangeMs } from './querier-backend.js';
import type { ProfileTypeInfo } from '../../model/profile-type.js';
import { grafanaLabelsOfSeries, profileTypeOfSeries } from '../../model/profile-type.js';
import { LimitError } from '../../errors.js';
import { type MergedStacks, type ProfileStore, mergedValue } from '../../store/profile-store.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { buildDiffFlamebearer } from '../export/diff-flamebearer.js';
import { buildFlamebearer } from '../export/flamebearer.js';
import { type LabelMatcher, matchesAll, parseQuery } from '../flameql.js';
import { buildPprofProfile, describeNodeFrame } from '../export/pprof-export.js';
import { StackTree } from '../../model/stack-tree.js';

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

/** Options of {@link StoreQuerierBackend}. */
export interface StoreQuerierBackendOptions {
  /** `query.max-series` and `query.max-profiles` bound every profile query. */
  readonly limits: Readonly<Pick<QueryLimits, 'maxSeries' | 'maxProfiles'>>;
  /** Multi-tenant mode: only series stored for this tenant are seen. Default: every series. */
  readonly tenant?: string;
}

/**
 * Grafana Pyroscope's querier over the {@link ProfileStore}. Each stored series is seen with its
 * Grafana profile type ({@link profileTypeOfSeries}) and labels `service_name`, `__name__`,
 * `__profile_type__` plus its own; selectors are Prometheus matchers (anchored RE2, absent label
 * = ""), an optional name before the braces selecting a profile type ID. Time ranges are the
 * validated inclusive `[startMs, endMs]`; a profile belongs to a range by its start time, as in
 * `/render`. Flame graphs, pprof and diffs come from the same query modules as `/render`, so
 * totals agree.
 */
export class StoreQuerierBackend implements QuerierBackend {
  readonly #store: ProfileStore;
  readonly #limits: StoreQuerierBackendOptions['limits'];
  readonly #tenant: string | undefined;

  constructor(store: ProfileStore, options: StoreQuerierBackendOptions) {
    this.#store = store;
    this.#limits = options.limits;
    this.#tenant = options.tenant;
  }

  async profileTypes(range: TimeRangeMs): Promise<ProfileTypeInfo[]> {
    const types = new Map<string, ProfileTypeInfo>();
    for (const v of this.#views()) {
      if (!types.has(v.type.id) && this.#hasData(v, range)) types.set(v.type.id, v.type);
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
    const { tree } = this.#merge(query);
    const fb = buildFlamebearer(tree, { maxNodes: query.maxNodes });
    return { names: fb.names, levels: fb.levels, total: fb.numTicks, maxSelf: fb.maxSelf };
  }

  async selectMergeProfile(query: ProfileQuery): Promise<Uint8Array> {
    const { tree, views } = this.#merge(query);
    const t = query.profileType;
    const first = views[0]?.series;
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
    const views = this.#select(query.profileType, query.labelSelector);
    const groupOf = new Map<number, { key: string; labels: Record<string, string> }>();
    for (const v of views) {
      const labels = pick(v.labels, query.groupBy);
      groupOf.set(v.series.id, { key: JSON.stringify(query.groupBy.map((g) => labels[g] ?? '')), labels });
    }
    const points = this.#store.profilePoints(
      views.map((v) => v.series.id),
      query.startMs,
      query.endMs + 1,
      this.#limits.maxProfiles,
    );
    // Grafana Pyroscope's steps: a profile at time t counts in the first step boundary ≥ t,
    // boundaries at startMs + k·stepMs.
    const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, { sum: number; n: number }>; total: number }>();
    for (const p of points) {
      const g = groupOf.get(p.seriesId)!;
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

  #views(): SeriesView[] {
    return seriesOfTenant(this.#store.series(), this.#tenant).map((series) => {
      const type = profileTypeOfSeries(series);
      return { series, type, labels: grafanaLabelsOfSeries(series, type) };
    });
  }

  #hasData(v: SeriesView, range: TimeRangeMs): boolean {
    return this.#store.hasProfilesBetween(v.series.id, range.startMs, range.endMs + 1);
  }

  /** Series with data in the range matching any of `query.matchers` (none = all). */
  #matchingAny(query: LabelQuery): SeriesView[] {
    const selectors = query.matchers.map(parseSelector);
    return this.#views().filter(
      (v) => (selectors.length === 0 || selectors.some((s) => matchesSelector(s, v))) && this.#hasData(v, query),
    );
  }

  /** Series of one profile type matching a selector, bounded by `query.max-series`. */
  #select(type: ProfileTypeInfo, labelSelector: string): SeriesView[] {
    const selector = parseSelector(labelSelector);
    const views = this.#views().filter((v) => v.type.id === type.id && matchesSelector(selector, v));
    if (views.length > this.#limits.maxSeries) {
      throw new LimitError(
        'KPROF_QUERY_TOO_MANY_SERIES',
        `the query selects ${views.length} series, over query.max-series (${this.#limits.maxSeries}); add label matchers`,
      );
    }
    return views;
  }

  #merge(query: ProfileQuery): { tree: StackTree; views: SeriesView[]; merged: MergedStacks } {
    const views = this.#select(query.profileType, query.labelSelector);
    const merged = this.#store.mergeStacks(
      views.map((v) => v.series.id),
      query.startMs,
      query.endMs + 1,
      this.#limits.maxProfiles,
    );
    const tree = new StackTree();
    for (const id of merged.stackIds) tree.add(this.#store.frames(id), mergedValue(merged.values, id));
    return { tree, views, merged };
  }
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
