import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { QueryLimits } from '../../config/resolve-config.js';
import { ValidationError } from '../../errors.js';
import { toCollapsed } from '../../model/folded-text.js';
import { buildFlamebearer } from '../export/flamebearer.js';
import { parseMaxNodes } from '../max-nodes-param.js';
import { buildRenderResponse } from '../export/render-response.js';
import { buildPprofProfile, describeNodeFrame } from '../export/pprof-export.js';
import { StackTree } from '../../model/stack-tree.js';
import { parseTimeRange } from '../../syntax/pyroscope-time.js';
import { type Timeline, buildTimeline } from '../export/timeline.js';
import { type MergedStacks, type ProfileStore, mergedValue } from '../../store/profile-store.js';
import type { StoredSeries } from '../../model/stored-series.js';
import { type Selection, selectSeries } from './series-selector.js';
import { TENANT_LABEL } from '../../model/tenant.js';

const gzipAsync = promisify(gzip);

/** A `/render` answer: body and content type. */
export interface RenderResult {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

const FORMATS = new Set(['json', 'pprof', 'collapsed']);

/**
 * Pyroscope OG's `GET /render`: `query` (or `name`), `from`/`until`, `max-nodes`/`maxNodes`,
 * `format` json (default) | pprof | collapsed, `groupBy`. JSON is OG's shape: flamebearer,
 * metadata, timeline, groups, heatmap, annotations. Only `tenant`'s series when it is given.
 */
export async function render(
  store: ProfileStore,
  params: URLSearchParams,
  limits: Readonly<QueryLimits>,
  nowMs: number,
  tenant?: string,
): Promise<RenderResult> {
  const format = (params.get('format') ?? 'json').toLowerCase() || 'json';
  if (!FORMATS.has(format)) {
    throw new ValidationError('KPROF_QUERY_BAD_FORMAT', `format ${JSON.stringify(format)} is not supported; use json, pprof or collapsed`);
  }
  const query = params.get('query') ?? params.get('name') ?? '';
  const maxNodes = parseMaxNodes(params.get('max-nodes') ?? params.get('maxNodes') ?? undefined);
  const { tree, selection, merged, fromMs, untilMs } = mergeSelection(store, query, params.get('from'), params.get('until'), limits, nowMs, tenant);
  const first: StoredSeries | undefined = selection.series[0];

  if (format === 'collapsed') return { body: toCollapsed(tree), contentType: 'text/plain; charset=utf-8' };
  if (format === 'pprof') {
    const suffix = selection.appName.slice(selection.appName.lastIndexOf('.') + 1);
    const units = first?.meta.units ?? 'samples';
    const sampleRate = first?.meta.sampleRate ?? 100;
    const isTime = units === 'nanoseconds';
    const profile = buildPprofProfile(tree, {
      sampleType: { type: suffix, unit: units === 'samples' ? 'count' : units },
      ...(isTime ? { periodType: { type: 'cpu', unit: 'nanoseconds' }, period: Math.round(1e9 / sampleRate) } : {}),
      timeNanos: BigInt(fromMs) * 1_000_000n,
      durationNanos: BigInt(untilMs - fromMs) * 1_000_000n,
      ...(first?.meta.spyName === 'nodespy' ? { describeFrame: describeNodeFrame } : {}),
    });
    return { body: await gzipAsync(profile.encode()), contentType: 'application/octet-stream' };
  }

  const points = merged.points.map((p) => ({ timeMs: p.timeMs, value: p.total }));
  const groupBy = params.get('groupBy') ?? '';
  const groups: Record<string, Timeline> = {};
  if (groupBy !== '') {
    // The reserved tenant label is never shown, so it groups like an absent label.
    const bySeries = new Map(selection.series.map((s) => [s.id, groupBy === TENANT_LABEL ? '' : (s.labels[groupBy] ?? '')]));
    const grouped = new Map<string, { timeMs: number; value: number }[]>();
    for (const p of merged.points) {
      const key = bySeries.get(p.seriesId) ?? '';
      let list = grouped.get(key);
      if (list === undefined) grouped.set(key, (list = []));
      list.push({ timeMs: p.timeMs, value: p.total });
    }
    for (const [key, list] of grouped) groups[key] = buildTimeline(list, fromMs, untilMs);
  }
  const response = buildRenderResponse({
    flamebearer: buildFlamebearer(tree, { maxNodes }),
    timeline: buildTimeline(points, fromMs, untilMs),
    groups,
    metadata: {
      spyName: first?.meta.spyName ?? 'unknown',
      sampleRate: first?.meta.sampleRate ?? 100,
      units: first?.meta.units ?? 'samples',
    },
    appName: selection.appName,
    query,
    maxNodes,
    fromMs,
    untilMs,
  });
  return { body: JSON.stringify(response), contentType: 'application/json; charset=utf-8' };
}

/** A query merged over a time range. */
export interface MergedSelection {
  readonly tree: StackTree;
  readonly selection: Selection;
  readonly merged: MergedStacks;
  readonly fromMs: number;
  readonly untilMs: number;
}

/**
 * Parses the query and range, selects the series and merges their profiles into one tree.
 * Shared by `/render` and `/render-diff`. Only `tenant`'s series when it is given.
 */
export function mergeSelection(
  store: ProfileStore,
  query: string,
  from: string | null,
  until: string | null,
  limits: Readonly<QueryLimits>,
  nowMs: number,
  tenant?: string,
): MergedSelection {
  if (query.trim() === '') throw new ValidationError('KPROF_QUERY_MISSING_QUERY', 'query (or name) is required, e.g. query=myapp.cpu{env="prod"}');
  const { fromMs, untilMs } = parseTimeRange(from ?? undefined, until ?? undefined, nowMs, { maxRangeMs: limits.maxRangeMs });
  const selection = selectSeries(store, query, limits, tenant);
  const merged = store.mergeStacks(
    selection.series.map((s) => s.id),
    fromMs,
    untilMs,
    limits.maxProfiles,
  );
  const tree = new StackTree();
  for (const id of merged.stackIds) tree.add(store.frames(id), mergedValue(merged.values, id));
  // Pyroscope OG: if any selected series aggregates by average, the whole merged tree is divided
  // by the number of profiles written in the range (over all selected series); timelines still sum.
  if (merged.profileCount > 1 && selection.series.some((s) => s.meta.aggregation === 'average')) tree.divide(merged.profileCount);
  return { tree, selection, merged, fromMs, untilMs };
}
