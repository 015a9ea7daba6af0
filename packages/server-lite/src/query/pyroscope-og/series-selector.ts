import type { QueryLimits } from '../../config/resolve-config.js';
import { LimitError } from '../../errors.js';
import { matchesAll, parseQuery } from '../flameql.js';
import type { ProfileStore } from '../../store/profile-store.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { seriesOfTenant } from '../../model/tenant.js';

/** Series selected by a Pyroscope OG FlameQL query (`app.cpu{k="v"}`). */
export interface Selection {
  readonly appName: string;
  readonly series: StoredSeries[];
}

/**
 * Selects the stored series a FlameQL query names: `__name__` equal to the app name and every
 * matcher passing (unanchored RE2, absent labels pass only negative matchers). Throws the
 * query module's `KPROF_QUERY_BAD_SELECTOR`, or `LimitError` `KPROF_QUERY_TOO_MANY_SERIES`.
 * Only `tenant`'s series are candidates when it is given (multi-tenant mode), so a matcher on
 * `__tenant__` can narrow the answer but never widen it.
 */
export function selectSeries(store: ProfileStore, query: string, limits: Readonly<QueryLimits>, tenant?: string): Selection {
  const parsed = parseQuery(query, { anchored: false });
  const appName = parsed.name ?? '';
  const series = seriesOfTenant(store.series(), tenant).filter((s) => s.name === appName && matchesAll(parsed.matchers, s.labels));
  if (series.length > limits.maxSeries) {
    throw new LimitError(
      'KPROF_QUERY_TOO_MANY_SERIES',
      `the query selects ${series.length} series, over query.max-series (${limits.maxSeries}); add label matchers`,
    );
  }
  return { appName, series };
}

/**
 * Series matching an optional query for `/labels` and `/label-values`: every series when the
 * query is empty, else as {@link selectSeries}; only `tenant`'s series when it is given.
 */
export function selectForLabels(store: ProfileStore, query: string | null, tenant?: string): StoredSeries[] {
  const all = seriesOfTenant(store.series(), tenant);
  if (query === null || query.trim() === '') return all;
  const parsed = parseQuery(query, { anchored: false, requireName: false });
  return all.filter((s) => (parsed.name === undefined || s.name === parsed.name) && matchesAll(parsed.matchers, s.labels));
}
