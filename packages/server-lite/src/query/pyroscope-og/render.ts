import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { QueryLimits } from '../../config/resolve-config.js';
import { ValidationError } from '../../errors.js';
import { toCollapsed } from '../../model/folded-text.js';
import { PYROSCOPE_DEFAULT_SAMPLE_RATE } from '../../model/ingest-profile.js';
import type { StackTree } from '../../model/stack-tree.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { TENANT_LABEL } from '../../model/tenant.js';
import { parseTimeRange } from '../../syntax/pyroscope-time.js';
import { type MergedProfile, type QueryEngine, type QueryRange, seriesAggregation } from '../engine/query-engine.js';
import { buildFlamebearer } from '../export/flamebearer.js';
import { buildPprofProfile, describeNodeFrame } from '../export/pprof-export.js';
import { buildRenderResponse } from '../export/render-response.js';
import { type Timeline, buildTimeline } from '../export/timeline.js';
import { parseMaxNodes } from '../max-nodes-param.js';
import { parseOgQuery } from './og-selector.js';

const gzipAsync = promisify(gzip);

/** A `/render` answer: body and content type. */
export interface RenderResult {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

const FORMATS = new Set(['json', 'pprof', 'collapsed']);

/**
 * Pyroscope OG's `GET /render`: `query` (or `name`), `from`/`until` (`until` exclusive),
 * `max-nodes`/`maxNodes`, `format` json (default) | pprof | collapsed, `groupBy`. JSON is OG's
 * shape: flamebearer, metadata, timeline, groups, heatmap, annotations. The tree follows OG's
 * aggregation rule ({@link seriesAggregation}).
 */
export async function render(engine: QueryEngine, params: URLSearchParams, limits: Readonly<QueryLimits>, nowMs: number): Promise<RenderResult> {
  const format = (params.get('format') ?? 'json').toLowerCase() || 'json';
  if (!FORMATS.has(format)) {
    throw new ValidationError('KPROF_QUERY_BAD_FORMAT', `format ${JSON.stringify(format)} is not supported; use json, pprof or collapsed`);
  }
  const query = params.get('query') ?? params.get('name') ?? '';
  const maxNodes = parseMaxNodes(params.get('max-nodes') ?? params.get('maxNodes') ?? undefined);
  const { appName, series, merged, range } = mergeOgQuery(engine, query, params.get('from'), params.get('until'), limits, nowMs);
  const first: StoredSeries | undefined = series[0];

  if (format === 'collapsed') return { body: toCollapsed(merged.tree), contentType: 'text/plain; charset=utf-8' };
  if (format === 'pprof') return { body: await gzipAsync(ogPprof(merged.tree, appName, first, range)), contentType: 'application/octet-stream' };

  const groupBy = params.get('groupBy') ?? '';
  const groups: Record<string, Timeline> = {};
  if (groupBy !== '') {
    // The reserved tenant label is never shown, so it groups like an absent label.
    const keyOf = series.map((s) => (groupBy === TENANT_LABEL ? '' : (s.labels[groupBy] ?? '')));
    const grouped = new Map<string, { timeMs: number; value: number }[]>();
    for (const p of merged.points) {
      const key = keyOf[p.series]!;
      let list = grouped.get(key);
      if (list === undefined) grouped.set(key, (list = []));
      list.push({ timeMs: p.timeMs, value: p.total });
    }
    for (const [key, list] of grouped) groups[key] = buildTimeline(list, range.fromMs, range.untilMs);
  }
  const response = buildRenderResponse({
    flamebearer: buildFlamebearer(merged.tree, { maxNodes }),
    timeline: buildTimeline(
      merged.points.map((p) => ({ timeMs: p.timeMs, value: p.total })),
      range.fromMs,
      range.untilMs,
    ),
    groups,
    metadata: {
      spyName: first?.meta.spyName ?? 'unknown',
      sampleRate: first?.meta.sampleRate ?? PYROSCOPE_DEFAULT_SAMPLE_RATE,
      units: first?.meta.units ?? 'samples',
    },
    appName,
    query,
    maxNodes,
    fromMs: range.fromMs,
    untilMs: range.untilMs,
  });
  return { body: JSON.stringify(response), contentType: 'application/json; charset=utf-8' };
}

/** An OG query merged over its range. */
export interface MergedOgQuery {
  readonly appName: string;
  readonly series: readonly StoredSeries[];
  readonly merged: MergedProfile;
  readonly range: QueryRange;
}

/**
 * Parses an OG query and range (`query.max-range`), selects its series and merges them with OG's
 * aggregation. Shared by `/render` and `/render-diff`.
 */
export function mergeOgQuery(
  engine: QueryEngine,
  query: string,
  from: string | null,
  until: string | null,
  limits: Readonly<QueryLimits>,
  nowMs: number,
): MergedOgQuery {
  if (query.trim() === '') throw new ValidationError('KPROF_QUERY_MISSING_QUERY', 'query (or name) is required, e.g. query=myapp.cpu{env="prod"}');
  const range = parseTimeRange(from ?? undefined, until ?? undefined, nowMs, { maxRangeMs: limits.maxRangeMs });
  const { appName, filter } = parseOgQuery(query);
  const series = engine.select(filter);
  return { appName, series, merged: engine.merge(series, range, seriesAggregation(series)), range };
}

// `format=pprof`: one sample type named after the series suffix; a time profile keeps its period.
function ogPprof(tree: StackTree, appName: string, first: StoredSeries | undefined, range: QueryRange): Uint8Array {
  const suffix = appName.slice(appName.lastIndexOf('.') + 1);
  const units = first?.meta.units ?? 'samples';
  const sampleRate = first?.meta.sampleRate ?? PYROSCOPE_DEFAULT_SAMPLE_RATE;
  const isTime = units === 'nanoseconds';
  return buildPprofProfile(tree, {
    sampleType: { type: suffix, unit: units === 'samples' ? 'count' : units },
    ...(isTime ? { periodType: { type: 'cpu', unit: 'nanoseconds' }, period: Math.round(1e9 / sampleRate) } : {}),
    timeNanos: BigInt(range.fromMs) * 1_000_000n,
    durationNanos: BigInt(range.untilMs - range.fromMs) * 1_000_000n,
    ...(first?.meta.spyName === 'nodespy' ? { describeFrame: describeNodeFrame } : {}),
  }).encode();
}
