import type { SeriesMeta } from './ingest-profile.js';

/** A stored series: `__name__` plus labels, and Pyroscope's metadata. */
export interface StoredSeries {
  readonly id: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly meta: SeriesMeta;
}
