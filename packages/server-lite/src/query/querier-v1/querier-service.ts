import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { fromBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ProfileSchema } from '../../gen/google/v1/profile_pb.js';
import {
  ProfileFormat,
  QuerierService,
  type SelectMergeStacktracesRequest,
} from '../../gen/querier/v1/querier_pb.js';
import { TimeSeriesAggregationType, type StackTraceSelector } from '../../gen/types/v1/types_pb.js';
import type { ConnectLogger } from '../../http/connect-error.js';
import { createConnectUnaryHandler, type ConnectUnaryHandler } from '../../http/connect-unary.js';
import type { FlameGraphData, ProfileQuery, QuerierBackend } from './querier-backend.js';
import {
  DEFAULT_QUERIER_LIMITS,
  checkList,
  checkSelector,
  parseLookupRange,
  parseMaxNodes,
  parseProfileTypeId,
  parseQueryRange,
  parseStepMs,
  type QuerierLimits,
} from './querier-validation.js';

/** Options of {@link createQuerierHandler}. */
export interface QuerierHandlerOptions {
  /** Request bounds; defaults {@link DEFAULT_QUERIER_LIMITS}. */
  readonly limits?: Partial<QuerierLimits>;
  /** Largest request body in bytes, as sent and after gunzip. Default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Largest merged pprof (after gunzip) SelectMergeProfile decodes. Default 256 MiB. */
  readonly maxMergedProfileBytes?: number;
  /** Clock for lookups without a range. Default `Date.now`. */
  readonly nowMs?: () => number;
  /** Optional pino-compatible logger. */
  readonly logger?: ConnectLogger;
}

/** Default {@link QuerierHandlerOptions.maxRequestBytes}: 1 MiB. */
export const DEFAULT_QUERIER_MAX_REQUEST_BYTES = 1024 * 1024;

const gunzipAsync = promisify(gunzip);

// int64 fields are bigint; a value the backend computed that is not a safe integer is a bug
// there, and answering it rounded would silently corrupt totals.
function int64(field: string, n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new Error(`querier backend returned ${field}=${n}, not a safe integer`);
  return BigInt(n);
}

function toLabelPairs(labels: Record<string, string>): Array<{ name: string; value: string }> {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name] ?? '' }));
}

function toFlameGraph(data: FlameGraphData): {
  names: string[];
  levels: Array<{ values: bigint[] }>;
  total: bigint;
  maxSelf: bigint;
} {
  return {
    names: [...data.names],
    levels: data.levels.map((row) => ({ values: row.map((v) => int64('levels', v)) })),
    total: int64('total', data.total),
    maxSelf: int64('maxSelf', data.maxSelf),
  };
}

function rejectUnsupportedSelectors(
  stackTraceSelector: StackTraceSelector | undefined,
  profileIdSelector: readonly string[],
): void {
  if (stackTraceSelector && (stackTraceSelector.callSite.length > 0 || stackTraceSelector.goPgo)) {
    throw new ConnectError('stack_trace_selector is not supported by kprof; leave it unset', Code.Unimplemented);
  }
  if (profileIdSelector.length > 0) {
    throw new ConnectError('profile_id_selector is not supported by kprof; leave it empty', Code.Unimplemented);
  }
}

/** Maps the fields SelectMergeStacktraces, SelectMergeProfile and Diff share. */
function toProfileQuery(
  req: Pick<SelectMergeStacktracesRequest, 'profileTypeID' | 'labelSelector' | 'start' | 'end' | 'maxNodes'>,
  limits: QuerierLimits,
): ProfileQuery {
  return {
    profileType: parseProfileTypeId(req.profileTypeID),
    labelSelector: checkSelector('label_selector', req.labelSelector, limits),
    ...parseQueryRange(req.start, req.end, limits),
    maxNodes: parseMaxNodes(req.maxNodes, limits),
  };
}

function checkFlameGraphFormat(format: ProfileFormat): void {
  if (format !== ProfileFormat.UNSPECIFIED && format !== ProfileFormat.FLAMEGRAPH) {
    throw new ConnectError(
      `format ${ProfileFormat[format] ?? format} is not supported by kprof; use PROFILE_FORMAT_FLAMEGRAPH`,
      Code.Unimplemented,
    );
  }
}

/**
 * The `POST /querier.v1.QuerierService/<Method>` endpoints as a node:http handler over a
 * {@link QuerierBackend}: ProfileTypes, LabelNames, LabelValues, Series, SelectMergeStacktraces,
 * SelectMergeProfile, SelectSeries and Diff. Requests are validated first (time range, max_nodes,
 * profile type, list sizes) and refused with invalid_argument naming the field; unsupported
 * options (tree/dot formats, stack trace and profile ID selectors) answer unimplemented.
 * Mount with `if (await querier(req, res)) return;`.
 */
export function createQuerierHandler(backend: QuerierBackend, options: QuerierHandlerOptions = {}): ConnectUnaryHandler {
  const limits: QuerierLimits = { ...DEFAULT_QUERIER_LIMITS, ...options.limits };
  const nowMs = options.nowMs ?? Date.now;
  const maxMergedProfileBytes = options.maxMergedProfileBytes ?? 256 * 1024 * 1024;
  return createConnectUnaryHandler({
    services: [QuerierService],
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_QUERIER_MAX_REQUEST_BYTES,
    ...(options.logger ? { logger: options.logger } : {}),
    routes: (router) =>
      router.service(QuerierService, {
        async profileTypes(req) {
          const types = await backend.profileTypes(parseLookupRange(req.start, req.end, nowMs()));
          return {
            profileTypes: types.map((t) => ({
              ID: t.id,
              name: t.name,
              sampleType: t.sampleType,
              sampleUnit: t.sampleUnit,
              periodType: t.periodType,
              periodUnit: t.periodUnit,
            })),
          };
        },
        async labelNames(req) {
          const names = await backend.labelNames({
            matchers: checkList('matchers', req.matchers, limits),
            ...parseLookupRange(req.start, req.end, nowMs()),
          });
          return { names };
        },
        async labelValues(req) {
          if (req.name === '') {
            throw new ConnectError('name is required: the label whose values to list', Code.InvalidArgument);
          }
          const names = await backend.labelValues({
            name: checkSelector('name', req.name, limits),
            matchers: checkList('matchers', req.matchers, limits),
            ...parseLookupRange(req.start, req.end, nowMs()),
          });
          return { names };
        },
        async series(req) {
          const sets = await backend.series({
            matchers: checkList('matchers', req.matchers, limits),
            labelNames: checkList('label_names', req.labelNames, limits),
            ...parseLookupRange(req.start, req.end, nowMs()),
          });
          return { labelsSet: sets.map((labels) => ({ labels: toLabelPairs(labels) })) };
        },
        async selectMergeStacktraces(req) {
          checkFlameGraphFormat(req.format);
          rejectUnsupportedSelectors(req.stackTraceSelector, req.profileIdSelector);
          const graph = await backend.selectMergeStacktraces(toProfileQuery(req, limits));
          return { flamegraph: toFlameGraph(graph) };
        },
        async selectMergeProfile(req) {
          rejectUnsupportedSelectors(req.stackTraceSelector, req.profileIdSelector);
          let bytes = await backend.selectMergeProfile(toProfileQuery(req, limits));
          if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
            bytes = await gunzipAsync(bytes, { maxOutputLength: maxMergedProfileBytes });
          }
          return fromBinary(ProfileSchema, bytes);
        },
        async selectSeries(req) {
          rejectUnsupportedSelectors(req.stackTraceSelector, []);
          const range = parseQueryRange(req.start, req.end, limits);
          if (req.limit !== undefined && req.limit < 0n) {
            throw new ConnectError(`limit is ${req.limit}; expected ≥ 0 (0 = all series)`, Code.InvalidArgument);
          }
          const series = await backend.selectSeries({
            profileType: parseProfileTypeId(req.profileTypeID),
            labelSelector: checkSelector('label_selector', req.labelSelector, limits),
            ...range,
            groupBy: checkList('group_by', req.groupBy, limits),
            stepMs: parseStepMs(req.step, range, limits),
            aggregation: req.aggregation === TimeSeriesAggregationType.AVERAGE ? 'average' : 'sum',
            limit: req.limit === undefined || req.limit === 0n ? undefined : Number(req.limit),
          });
          return {
            series: series.map((s) => ({
              labels: toLabelPairs(s.labels),
              points: s.points.map((p) => ({ value: p.value, timestamp: int64('timestamp', p.timestampMs) })),
            })),
          };
        },
        async diff(req) {
          if (!req.left || !req.right) {
            throw new ConnectError('left and right are both required', Code.InvalidArgument);
          }
          for (const side of [req.left, req.right]) {
            checkFlameGraphFormat(side.format);
            rejectUnsupportedSelectors(side.stackTraceSelector, side.profileIdSelector);
          }
          const diff = await backend.diff({ left: toProfileQuery(req.left, limits), right: toProfileQuery(req.right, limits) });
          return {
            flamegraph: {
              ...toFlameGraph(diff),
              leftTicks: int64('leftTicks', diff.leftTicks),
              rightTicks: int64('rightTicks', diff.rightTicks),
            },
          };
        },
      }),
  });
}
