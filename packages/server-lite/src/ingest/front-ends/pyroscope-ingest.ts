import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ServerConfig } from '../../config/resolve-config.js';
import { ValidationError } from '../../errors.js';
import { checkBearer } from '../../http/bearer-auth.js';
import { sendError } from '../../http/respond.js';
import { tenantOf } from '../../http/tenant-header.js';
import { PYROSCOPE_DEFAULT_SAMPLE_RATE } from '../../model/ingest-profile.js';
import type { ServerMetrics } from '../../observability/metrics.js';
import { parseTime } from '../../syntax/pyroscope-time.js';
import { type LabelLimits, parseAppName } from '../app-name.js';
import type { Intake } from '../intake.js';
import type { IntakeRequest } from '../intake-request.js';
import { readBody } from './read-body.js';

const UNSUPPORTED_FORMATS = new Set(['trie', 'tree', 'lines', 'jfr', 'speedscope']);
const FOLDED_FORMATS = new Set(['', 'folded', 'collapsed']);

/** A `POST /ingest` request after its body was read. */
export interface IngestHttpRequest {
  readonly query: URLSearchParams;
  readonly contentType: string;
  /** The body as received; a `Content-Encoding: gzip` is undone by the pipeline. */
  readonly body: Uint8Array;
  readonly contentEncoding?: 'gzip';
  readonly receivedBytes: number;
}

/**
 * Pyroscope's `POST /ingest` protocol, read into an {@link IntakeRequest}: `name`
 * (`app.cpu{k=v}`), `from`/`until`, `sampleRate` (invalid → Pyroscope's default 100),
 * `spyName`, `format` (`pprof`; folded by default; trie, tree, lines, jfr and speedscope are
 * refused), a multipart body (`profile`, `sample_type_config`, `prev_profile`) whatever the
 * format, and for folded text `units` and `aggregationType`.
 */
export function intakeFromIngest(
  req: IngestHttpRequest,
  limits: Readonly<LabelLimits & { maxDecompressedBytes: number }>,
  nowMs: number,
  tenant?: string,
): IntakeRequest {
  const q = req.query;
  const series = parseAppName(q.get('name'), limits);
  const startMs = readTime(q.get('from'), 'from', nowMs);
  const endMs = readTime(q.get('until'), 'until', nowMs);
  if (startMs > endMs) {
    throw new ValidationError('KPROF_INGEST_BAD_TIME_RANGE', `from (${q.get('from')}) is after until (${q.get('until')})`);
  }
  const format = (q.get('format') ?? '').toLowerCase();
  if (UNSUPPORTED_FORMATS.has(format) || (!FOLDED_FORMATS.has(format) && format !== 'pprof')) {
    throw new ValidationError(
      'KPROF_INGEST_UNSUPPORTED_FORMAT',
      `format ${JSON.stringify(format)} is not supported; use pprof, folded (collapsed) or multipart/form-data with a profile field`,
    );
  }
  const rateParam = Number(q.get('sampleRate'));
  const aggregation = q.get('aggregationType');
  return {
    origin: { kind: 'ingest' },
    body: req.body,
    receivedBytes: req.receivedBytes,
    format: /^multipart\/form-data/i.test(req.contentType) ? 'multipart' : format === 'pprof' ? 'pprof' : 'folded',
    contentType: req.contentType,
    ...(req.contentEncoding !== undefined ? { contentEncoding: req.contentEncoding } : {}),
    maxDecompressedBytes: limits.maxDecompressedBytes,
    series,
    ...(tenant !== undefined ? { tenant } : {}),
    time: { startMs, endMs },
    spyName: q.get('spyName') || 'unknown',
    // Pyroscope reads an invalid sampleRate as the default.
    sampleRate: Number.isInteger(rateParam) && rateParam > 0 && rateParam <= 1e9 ? rateParam : PYROSCOPE_DEFAULT_SAMPLE_RATE,
    folded: { units: q.get('units') || 'samples', aggregation: aggregation === 'average' || aggregation === 'avg' ? 'average' : 'sum' },
  };
}

function readTime(value: string | null, param: string, nowMs: number): number {
  try {
    return parseTime(value ?? undefined, nowMs, nowMs);
  } catch (err) {
    throw new ValidationError('KPROF_INGEST_BAD_TIME', `${param}: ${(err as Error).message}`, { cause: err });
  }
}

/** What the `/ingest` route needs. */
export interface IngestRouteDeps {
  readonly config: ServerConfig;
  readonly intake: Intake;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * `POST /ingest`: bearer auth (`auth.ingest-tokens`), the tenant (`X-Scope-OrgID` in
 * multi-tenant mode), the body read within `ingest.max-body-bytes`, then the intake; answers 200
 * once the profile is committed. Counts `kprof_ingest_profiles_total{format}`, bytes, and
 * refusals by code.
 */
export function createIngestRoute(deps: IngestRouteDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { config, metrics } = deps;
  const log = deps.logger.child({ component: 'http' });
  return async (req, res, url) => {
    const started = performance.now();
    let bodyRead = false;
    try {
      checkBearer(req, config.auth.ingestTokens, 'ingest');
      const tenant = tenantOf(req, config.auth);
      const { body, contentEncoding, receivedBytes } = await readBody(req, config.ingest.maxBodyBytes);
      bodyRead = true;
      const request = intakeFromIngest(
        { query: url.searchParams, contentType: req.headers['content-type'] ?? '', body, receivedBytes, ...(contentEncoding !== undefined ? { contentEncoding } : {}) },
        config.ingest,
        deps.now(),
        tenant,
      );
      const [profile] = await deps.intake.ingest([request]);
      const format = url.searchParams.get('format') || (request.format === 'multipart' ? 'multipart' : 'folded');
      metrics.profilesIngested.inc({ format });
      metrics.bytesIngested.inc(receivedBytes);
      log.debug(
        { name: url.searchParams.get('name'), format, bytes: receivedBytes, series: profile!.series.length, ms: Math.round(performance.now() - started) },
        'ingested profile',
      );
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    } catch (err) {
      const code = sendError(res, err, log, { route: '/ingest' }, !bodyRead);
      metrics.rejected.inc({ reason: code });
    }
  };
}
