import type { SeriesMeta } from './ingest-profile.js';

/**
 * A stored series: `__name__` plus labels, and Pyroscope's metadata. Its identity is its name and
 * labels (the same series in several blocks is one series).
 */
export interface StoredSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly meta: SeriesMeta;
}
