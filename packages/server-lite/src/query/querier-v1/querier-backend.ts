import type { ProfileTypeInfo } from '../../model/profile-type.js';

/**
 * What the querier.v1 Connect service needs from storage. server-core implements it over the
 * store; all times are unix milliseconds, ranges are inclusive `[startMs, endMs]`, and every
 * request has already been validated (range order and size, max nodes, profile type syntax).
 */
export interface QuerierBackend {
  /** Profile types with data in the range. */
  profileTypes(range: TimeRangeMs): Promise<ProfileTypeInfo[]>;
  /** Label names of the series matching any of `matchers` (none = all series). */
  labelNames(query: LabelQuery): Promise<string[]>;
  /** Values of label `name` over the series matching any of `matchers`. */
  labelValues(query: LabelQuery & { readonly name: string }): Promise<string[]>;
  /** Label sets of the matching series, reduced to `labelNames` when that is non-empty. */
  series(query: LabelQuery & { readonly labelNames: readonly string[] }): Promise<Array<Record<string, string>>>;
  /** Merged flame graph of the selected profiles, cut to `maxNodes` nodes. */
  selectMergeStacktraces(query: ProfileQuery): Promise<FlameGraphData>;
  /** Merged profile of the selected profiles as pprof bytes (gzipped or not). */
  selectMergeProfile(query: ProfileQuery): Promise<Uint8Array>;
  /** Per-step totals of the selected profiles, one series per distinct `groupBy` label set. */
  selectSeries(query: SeriesQuery): Promise<SeriesData[]>;
  /** Flame graph diff of two selections (left = baseline). */
  diff(query: { readonly left: ProfileQuery; readonly right: ProfileQuery }): Promise<FlameGraphDiffData>;
}

/** An inclusive time range in unix milliseconds. */
export interface TimeRangeMs {
  readonly startMs: number;
  readonly endMs: number;
}

/** Label lookups: Prometheus selectors such as `{service_name="api"}`, ORed; empty = all. */
export interface LabelQuery extends TimeRangeMs {
  readonly matchers: readonly string[];
}

/** Selects profiles of one type. */
export interface ProfileQuery extends TimeRangeMs {
  readonly profileType: ProfileTypeInfo;
  /** Prometheus selector; `{}` selects all series of the type. */
  readonly labelSelector: string;
  /** Node budget of the flame graph (already defaulted and bounded). */
  readonly maxNodes: number;
}

/** Selects per-step totals. */
export interface SeriesQuery extends TimeRangeMs {
  readonly profileType: ProfileTypeInfo;
  readonly labelSelector: string;
  /** Label names to split series by; empty = one series. */
  readonly groupBy: readonly string[];
  /** Step between points in milliseconds (≥ 1). */
  readonly stepMs: number;
  /** How values within a step combine. */
  readonly aggregation: 'sum' | 'average';
  /** Keep only the `limit` series with the largest totals; undefined = all. */
  readonly limit: number | undefined;
}

/** Pyroscope's flamebearer: `levels` rows of `[x, total, self, nameIndex]` quadruples, x delta-encoded. */
export interface FlameGraphData {
  readonly names: readonly string[];
  readonly levels: ReadonlyArray<readonly number[]>;
  readonly total: number;
  readonly maxSelf: number;
}

/** Diff flamebearer: rows of `[xL, totalL, selfL, xR, totalR, selfR, nameIndex]`; total = left + right. */
export interface FlameGraphDiffData extends FlameGraphData {
  readonly leftTicks: number;
  readonly rightTicks: number;
}

/** One time series of {@link QuerierBackend.selectSeries}. */
export interface SeriesData {
  readonly labels: Record<string, string>;
  /** Points in time order. */
  readonly points: ReadonlyArray<{ readonly timestampMs: number; readonly value: number }>;
}
