import type { QueryLimits } from '../../config/resolve-config.js';
import { LimitError } from '../../errors.js';
import type { StackTree } from '../../model/stack-tree.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { seriesOfTenant } from '../../model/tenant.js';
import type { ProfileStore, SeriesPoint } from '../../store/profile-store.js';

/**
 * A time range of a query, unix ms, half-open: a profile belongs to it when its start time `t`
 * has `fromMs ≤ t < untilMs`. Adapters translate their protocol's range to this one
 * (Pyroscope OG's `until` is exclusive already; Grafana's `end` is inclusive, so `untilMs` is
 * `end + 1`).
 */
export interface QueryRange {
  readonly fromMs: number;
  readonly untilMs: number;
}

/**
 * How the profiles of a merge combine: `sum` adds them all (Grafana Pyroscope's querier);
 * `average` divides the merged tree by the number of profiles (Pyroscope OG's rule for gauge
 * types such as `inuse_space` and `goroutines`: a flame graph of what was in use at a time, not
 * of its sum over the range). Timelines always sum.
 */
export type MergeAggregation = 'sum' | 'average';

/** Profiles merged into one call tree. */
export interface MergedProfile {
  readonly tree: StackTree;
  /** Each merged profile's start time, total and series (its index in the merged list), for timelines. */
  readonly points: readonly SeriesPoint[];
  readonly profileCount: number;
}

/** A predicate choosing series: adapters build it from their selector syntax. */
export type SeriesFilter = (series: StoredSeries) => boolean;

/**
 * The one query engine: selection, bounds, merge, aggregation and time points over the store.
 * `/render`, `/render-diff`, the label routes and the querier.v1 service are adapters that
 * translate their parameters into these calls and the results into their wire shapes, so one
 * selection gives the same totals everywhere. Bounds: `query.max-series` series per selection
 * (`KPROF_QUERY_TOO_MANY_SERIES`), `query.max-profiles` sample blobs read per merge (a raw
 * profile or a rollup counts once; `KPROF_QUERY_TOO_MANY_PROFILES`) and `query.max-listed-profiles`
 * profiles listed per merge or point list (`KPROF_QUERY_TOO_MANY_LISTED_PROFILES`). In
 * multi-tenant mode an engine is bound to one tenant and sees only its series.
 */
export class QueryEngine {
  readonly #store: ProfileStore;
  readonly #limits: Readonly<Pick<QueryLimits, 'maxSeries' | 'maxProfiles' | 'maxListedProfiles'>>;
  readonly #tenant: string | undefined;

  constructor(store: ProfileStore, limits: Readonly<Pick<QueryLimits, 'maxSeries' | 'maxProfiles' | 'maxListedProfiles'>>, tenant?: string) {
    this.#store = store;
    this.#limits = limits;
    this.#tenant = tenant;
  }

  /** Every series the tenant may see that `filter` keeps (all of them without a filter); unbounded, for label listings. */
  series(filter?: SeriesFilter): StoredSeries[] {
    return this.#filter(this.#store.series(), filter);
  }

  /** {@link series} that have a profile in `range`. */
  seriesWithData(range: QueryRange, filter?: SeriesFilter): StoredSeries[] {
    return this.#filter(this.#store.series(range), filter);
  }

  #filter(series: StoredSeries[], filter: SeriesFilter | undefined): StoredSeries[] {
    const all = seriesOfTenant(series, this.#tenant);
    return filter === undefined ? all : all.filter(filter);
  }

  /** The series a profile query reads: {@link series}, refused past `query.max-series`. */
  select(filter: SeriesFilter): StoredSeries[] {
    const series = this.series(filter);
    if (series.length > this.#limits.maxSeries) {
      throw new LimitError(
        'KPROF_QUERY_TOO_MANY_SERIES',
        `the query selects ${series.length} series, over query.max-series (${this.#limits.maxSeries}); add label matchers`,
      );
    }
    return series;
  }

  /**
   * Merges every profile of `series` in `range` into one call tree (rollups where whole buckets
   * lie inside the range, raw profiles elsewhere: the same result as merging every raw profile),
   * combined by `aggregation`.
   */
  merge(series: readonly StoredSeries[], range: QueryRange, aggregation: MergeAggregation): MergedProfile {
    const merged = this.#store.merge(series, range, this.#limits);
    if (aggregation === 'average' && merged.profileCount > 1) merged.tree.divide(merged.profileCount);
    return merged;
  }

  /** Start time, total and series (index in `series`) of every profile of `series` in `range`, without reading samples. */
  points(series: readonly StoredSeries[], range: QueryRange): SeriesPoint[] {
    return this.#store.points(series, range, this.#limits);
  }

  /** End time (unix ms) of the newest profile of `series`, or undefined when it has none. */
  lastSeen(series: StoredSeries): number | undefined {
    return this.#store.lastSeen(series);
  }
}

/**
 * Pyroscope OG's aggregation of a selection: `average` when any selected series aggregates by
 * average (`inuse_*`, `goroutines`, folded uploads with `aggregationType=average`), else `sum`.
 */
export function seriesAggregation(series: readonly StoredSeries[]): MergeAggregation {
  return series.some((s) => s.meta.aggregation === 'average') ? 'average' : 'sum';
}
