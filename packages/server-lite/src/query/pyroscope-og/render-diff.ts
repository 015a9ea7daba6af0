import type { QueryLimits } from '../../config/resolve-config.js';
import { ValidationError } from '../../errors.js';
import type { QueryEngine } from '../engine/query-engine.js';
import { buildDiffFlamebearer } from '../export/diff-flamebearer.js';
import { type ProfileMetadata, buildRenderDiffResponse } from '../export/render-response.js';
import { parseMaxNodes } from '../max-nodes-param.js';
import { type MergedOgQuery, type RenderResult, mergeOgQuery } from './render.js';

/**
 * Pyroscope OG's `GET /render-diff`: `leftQuery`/`leftFrom`/`leftUntil`,
 * `rightQuery`/`rightFrom`/`rightUntil`, `max-nodes`/`maxNodes`, `format=json` (the only format).
 * Answers the double flamebearer with `leftTicks`/`rightTicks`; sides with different units or
 * sample rates are refused (`KPROF_QUERY_DIFF_MISMATCH`).
 */
export function renderDiff(engine: QueryEngine, params: URLSearchParams, limits: Readonly<QueryLimits>, nowMs: number): RenderResult {
  const format = (params.get('format') ?? 'json').toLowerCase() || 'json';
  if (format !== 'json') {
    throw new ValidationError('KPROF_QUERY_BAD_FORMAT', `format ${JSON.stringify(format)} is not supported by /render-diff; use json`);
  }
  const maxNodes = parseMaxNodes(params.get('max-nodes') ?? params.get('maxNodes') ?? undefined);
  const side = (s: 'left' | 'right'): MergedOgQuery => mergeOgQuery(engine, params.get(`${s}Query`) ?? '', params.get(`${s}From`), params.get(`${s}Until`), limits, nowMs);
  const left = side('left');
  const right = side('right');
  const response = buildRenderDiffResponse({
    flamebearer: buildDiffFlamebearer(left.merged.tree, right.merged.tree, { maxNodes }),
    left: metadataOf(left),
    right: metadataOf(right),
  });
  return { body: JSON.stringify(response), contentType: 'application/json; charset=utf-8' };
}

// An empty side reports empty metadata, which buildRenderDiffResponse treats as compatible.
function metadataOf(m: MergedOgQuery): ProfileMetadata {
  const first = m.series[0];
  if (first === undefined || m.merged.profileCount === 0) return { spyName: '', sampleRate: 0, units: '' };
  return { spyName: first.meta.spyName, sampleRate: first.meta.sampleRate, units: first.meta.units };
}
