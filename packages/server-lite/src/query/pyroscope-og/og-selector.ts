import type { StoredSeries } from '../../model/stored-series.js';
import { matchesAll, parseQuery } from '../flameql.js';

/** A Pyroscope OG query (`app.cpu{env="prod"}`) as the series it selects. */
export interface OgSelection {
  /** The series name before the braces, e.g. `app.cpu`. */
  readonly appName: string;
  readonly filter: (series: StoredSeries) => boolean;
}

/** Parses an OG FlameQL query (unanchored regex matchers, as OG matches them) for a profile query. */
export function parseOgQuery(query: string): OgSelection {
  const parsed = parseQuery(query, { anchored: false });
  const appName = parsed.name ?? '';
  return { appName, filter: (s) => s.name === appName && matchesAll(parsed.matchers, s.labels) };
}

/**
 * The label routes' optional `query`: a name (optional) and matchers; no query selects every
 * series.
 */
export function parseOgLabelQuery(query: string | null): ((series: StoredSeries) => boolean) | undefined {
  if (query === null || query.trim() === '') return undefined;
  const parsed = parseQuery(query, { anchored: false, requireName: false });
  return (s) => (parsed.name === undefined || s.name === parsed.name) && matchesAll(parsed.matchers, s.labels);
}
