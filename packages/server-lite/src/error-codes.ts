/**
 * Every error code server-lite answers with or logs, in one table: the error class that carries
 * it, the HTTP status (`null`: never an HTTP answer — a config error stops the start, a scrape
 * error marks its target down), what it means and how to fix it. The README's code table is
 * this table (`test/readme-codes.test.ts` compares them), and `errors.ts` takes a code's status
 * from here, so one code always answers with one status. A code is never reused for another
 * meaning; add a new one instead.
 */

/** Error classes of `errors.ts`, by name. */
export type ErrorKind =
  | 'ConfigError'
  | 'ValidationError'
  | 'UnprocessableError'
  | 'UnauthorizedError'
  | 'NotFoundError'
  | 'LimitError'
  | 'ScrapeError'
  | 'UnavailableError'
  | 'InternalError';

/** One row of {@link ERROR_CODES}. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** HTTP status of the answer; `null` for errors that are never an HTTP answer. */
  readonly status: 400 | 401 | 404 | 413 | 422 | 429 | 500 | 503 | null;
  /** What happened, one line (the README's "meaning"). */
  readonly meaning: string;
  /** What to do about it (the README's "fix"). */
  readonly fix: string;
}

export const ERROR_CODES = Object.freeze({
  KPROF_BAD_URL: { kind: 'ValidationError', status: 400, meaning: 'request URL unreadable', fix: 'fix the client' },
  KPROF_METHOD_NOT_ALLOWED: { kind: 'ValidationError', status: 400, meaning: 'wrong HTTP method for the route', fix: 'use the documented method' },
  KPROF_NOT_FOUND: { kind: 'NotFoundError', status: 404, meaning: 'no such route', fix: 'check the path' },
  KPROF_NOT_READY: { kind: 'UnavailableError', status: 503, meaning: 'starting or shutting down', fix: 'retry' },
  KPROF_TENANT_MISSING: { kind: 'UnauthorizedError', status: 401, meaning: '`auth.multi-tenant` is on and the request has no `X-Scope-OrgID`', fix: 'send `X-Scope-OrgID: <tenant>`' },
  KPROF_TENANT_INVALID: { kind: 'ValidationError', status: 400, meaning: '`X-Scope-OrgID` is not a valid tenant ID', fix: '1–150 of `A-Za-z0-9!-_.*\'()`, not `.`/`..`' },
  KPROF_SHUTTING_DOWN: { kind: 'UnavailableError', status: 503, meaning: 'ingest during shutdown', fix: 'retry against another instance or later' },
  KPROF_UNAUTHORIZED: { kind: 'UnauthorizedError', status: 401, meaning: 'missing or wrong bearer token', fix: 'send `Authorization: Bearer <token>` from `auth.*-tokens`' },
  KPROF_INTERNAL: { kind: 'InternalError', status: 500, meaning: 'unexpected failure', fix: 'see the server log' },
  KPROF_CONFIG_INVALID: { kind: 'ConfigError', status: null, meaning: 'config file problems (listed with line and key)', fix: 'fix the file' },
  KPROF_CONFIG_UNREADABLE: { kind: 'ConfigError', status: null, meaning: 'config file missing or unreadable', fix: 'check `--config` / `KPROF_CONFIG`' },
  KPROF_CONFIG_BAD_LISTEN: { kind: 'ConfigError', status: null, meaning: 'listen address unreadable', fix: 'use `host:port`, `:port`, `[::1]:port`' },
  KPROF_STORE_OPEN_FAILED: { kind: 'ConfigError', status: null, meaning: 'database cannot be opened', fix: 'check `data-dir` permissions and space' },
  KPROF_STORE_BAD_BLOCK: { kind: 'ConfigError', status: null, meaning: 'a file in `<data-dir>/blocks/` named like a block is not one', fix: 'move the file out of the blocks directory; `kprof-server check` lists what is wrong' },
  KPROF_STORE_SCHEMA_TOO_NEW: { kind: 'ConfigError', status: null, meaning: 'database from a newer kprof', fix: 'upgrade or use another `data-dir`' },
  KPROF_STORE_CLOSED: { kind: 'LimitError', status: 429, meaning: 'write after the store closed', fix: 'retry later' },
  KPROF_STORE_ROLLUP_MISMATCH: { kind: 'InternalError', status: 500, meaning: 'a rollup being built does not sum to its profiles (not stored; queries read the profiles)', fix: 'report it with the server log' },
  KPROF_STORE_CORRUPT_BLOB: { kind: 'InternalError', status: 500, meaning: 'a stored blob is damaged', fix: 'run `PRAGMA integrity_check`; restore' },
  KPROF_STORE_TOO_MANY_NAMES: { kind: 'LimitError', status: 413, meaning: '2^30 distinct function names', fix: 'use a new `data-dir`' },
  KPROF_STORE_TOO_MANY_STACKS: { kind: 'LimitError', status: 413, meaning: '30 M distinct call paths', fix: 'lower `storage.max-age` or use a new `data-dir`' },
  KPROF_INGEST_BAD_NAME: { kind: 'ValidationError', status: 400, meaning: '`name` missing or malformed', fix: '`name=app.cpu{k=v}`, app `[A-Za-z0-9_.-]`' },
  KPROF_INGEST_BAD_LABEL: { kind: 'ValidationError', status: 400, meaning: 'label name invalid or reserved (`__…`)', fix: 'use `[A-Za-z0-9_]`' },
  KPROF_INGEST_NAME_TOO_LONG: { kind: 'LimitError', status: 413, meaning: '`name` too long', fix: '`ingest.max-name-length`' },
  KPROF_INGEST_TOO_MANY_LABELS: { kind: 'LimitError', status: 413, meaning: 'too many labels on a series', fix: '`ingest.max-labels`' },
  KPROF_INGEST_LABEL_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'label name or value too long', fix: '`ingest.max-label-*-length`' },
  KPROF_INGEST_BAD_TIME: { kind: 'ValidationError', status: 400, meaning: '`from`/`until` unreadable', fix: 'unix time, `now-1h`, RFC 3339' },
  KPROF_INGEST_BAD_TIME_RANGE: { kind: 'ValidationError', status: 400, meaning: '`from` after `until`', fix: 'swap them' },
  KPROF_INGEST_UNSUPPORTED_FORMAT: { kind: 'ValidationError', status: 400, meaning: '`format` not pprof/folded (trie, tree, lines, jfr, speedscope are not supported)', fix: 'send pprof or folded' },
  KPROF_INGEST_BAD_MULTIPART: { kind: 'ValidationError', status: 400, meaning: 'multipart body malformed', fix: 'fix the client' },
  KPROF_INGEST_MISSING_PROFILE: { kind: 'ValidationError', status: 400, meaning: 'multipart without a `profile` field', fix: 'name the part `profile`' },
  KPROF_INGEST_BAD_SAMPLE_TYPE_CONFIG: { kind: 'ValidationError', status: 400, meaning: '`sample_type_config` not a JSON object', fix: 'fix the client' },
  KPROF_INGEST_SAMPLE_TYPE_CONFIG_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: '`sample_type_config` over 64 KiB', fix: 'send only the sample types the profile has' },
  KPROF_INGEST_BAD_PREV_PROFILE: { kind: 'ValidationError', status: 400, meaning: '`prev_profile` empty, or with other sample types than `profile`', fix: 'send the previous profile of the same kind, or leave the field out' },
  KPROF_INGEST_PREV_PROFILE_NOT_PPROF: { kind: 'UnprocessableError', status: 422, meaning: '`prev_profile` is not a readable pprof', fix: 'send the previous pprof profile, or leave the field out' },
  KPROF_DELTA_BAD_MASK: { kind: 'ValidationError', status: 400, meaning: 'cumulative mask length differs from the profile\'s sample types', fix: 'build it with `cumulativeMask`' },
  KPROF_INGEST_EMPTY_PROFILE: { kind: 'ValidationError', status: 400, meaning: 'empty pprof body', fix: 'send a profile' },
  KPROF_INGEST_BAD_ENCODING: { kind: 'ValidationError', status: 400, meaning: '`Content-Encoding` other than gzip', fix: 'use gzip or none' },
  KPROF_INGEST_BAD_GZIP: { kind: 'UnprocessableError', status: 422, meaning: 'body or profile claims gzip but is not', fix: 'send valid gzip' },
  KPROF_INGEST_BAD_PPROF: { kind: 'UnprocessableError', status: 422, meaning: 'pprof protobuf malformed (truncated, bad lengths, dangling ids)', fix: 'send a valid pprof' },
  KPROF_INGEST_BODY_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: 'body over the limit', fix: '`ingest.max-body-bytes`' },
  KPROF_INGEST_DECOMPRESSED_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: 'over the limit after gunzip', fix: '`ingest.max-decompressed-bytes`' },
  KPROF_INGEST_TOO_MANY_SAMPLES: { kind: 'LimitError', status: 413, meaning: 'too many samples', fix: '`ingest.max-samples`' },
  KPROF_INGEST_TOO_MANY_LOCATIONS: { kind: 'LimitError', status: 413, meaning: 'too many locations or functions', fix: '`ingest.max-locations`' },
  KPROF_INGEST_STRING_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'a pprof string too long', fix: '`ingest.max-string-bytes`' },
  KPROF_INGEST_TOO_MANY_SERIES: { kind: 'LimitError', status: 413, meaning: 'too many sample types × label sets', fix: '`ingest.max-series-per-profile`' },
  KPROF_INGEST_BACKPRESSURE: { kind: 'LimitError', status: 429, meaning: 'write queue or decode queue full', fix: 'retry; `storage.max-pending-profiles`' },
  KPROF_LIMIT_APP_SERIES: { kind: 'LimitError', status: 429, meaning: 'the application has `limits.app-max-series` series in this block window', fix: 'fewer label sets or sample types, or raise `limits.app-max-series`; the next window starts empty' },
  KPROF_LIMIT_TENANT_SERIES: { kind: 'LimitError', status: 429, meaning: 'the tenant has `limits.tenant-max-series` series in this block window', fix: 'fewer series, or raise `limits.tenant-max-series`' },
  KPROF_LIMIT_APP_NEW_STACKS: { kind: 'LimitError', status: 429, meaning: 'the application added `limits.app-max-new-stacks-per-minute` new call paths this minute', fix: 'retry later; look for generated function names (closures, line numbers) or raise the limit' },
  KPROF_LIMIT_APP_NEW_NAMES: { kind: 'LimitError', status: 429, meaning: 'the application added `limits.app-max-new-names-per-minute` new function names this minute', fix: 'retry later; look for generated function names or raise the limit' },
  KPROF_LIMIT_PROFILE_NEW_STACKS: { kind: 'LimitError', status: 413, meaning: 'one profile adds more new call paths than `limits.app-max-new-stacks-per-minute`', fix: 'send smaller profiles or raise the limit' },
  KPROF_LIMIT_APP_BYTES: { kind: 'LimitError', status: 429, meaning: 'the application sent `limits.app-max-bytes-per-minute` this minute', fix: 'retry later, or raise the limit' },
  KPROF_LIMIT_TENANT_BYTES: { kind: 'LimitError', status: 429, meaning: 'the tenant sent `limits.tenant-max-bytes-per-minute` this minute', fix: 'retry later, or raise the limit' },
  KPROF_INGEST_DECODE_TIMEOUT: { kind: 'UnprocessableError', status: 422, meaning: 'one profile took longer than `ingest.decode-timeout` to parse (its worker was replaced)', fix: 'send smaller profiles; `ingest.decode-timeout`' },
  KPROF_INGEST_WORKER_FAILED: { kind: 'InternalError', status: 500, meaning: 'the decode worker thread died while parsing this profile (it is replaced)', fix: 'retry; report the profile if it repeats' },
  KPROF_STORE_WRITER_FAILED: { kind: 'InternalError', status: 500, meaning: 'the store writer thread stopped before answering this write (a new one takes over)', fix: 'retry; see the server log' },
  KPROF_FOLDED_BAD_VALUE: { kind: 'ValidationError', status: 400, meaning: 'folded line value not an integer', fix: 'fix the line named' },
  KPROF_FOLDED_TOO_MANY_LINES: { kind: 'LimitError', status: 413, meaning: 'folded body too long', fix: 'send less' },
  KPROF_FOLDED_LINE_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'folded line too long', fix: 'shorter stacks' },
  KPROF_FOLDED_STACK_TOO_DEEP: { kind: 'LimitError', status: 413, meaning: 'folded stack too deep', fix: 'shallower stacks' },
  KPROF_QUERY_MISSING_QUERY: { kind: 'ValidationError', status: 400, meaning: '`/render` without `query`/`name`', fix: 'add `query=app.cpu{…}`' },
  KPROF_QUERY_MISSING_LABEL: { kind: 'ValidationError', status: 400, meaning: '`/label-values` without `label`', fix: 'add `label=`' },
  KPROF_QUERY_BAD_FORMAT: { kind: 'ValidationError', status: 400, meaning: '`format` not json/pprof/collapsed', fix: 'use one of them' },
  KPROF_QUERY_BAD_SELECTOR: { kind: 'ValidationError', status: 400, meaning: 'selector syntax, bad regex, reserved label', fix: 'fix the query' },
  KPROF_QUERY_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'query text too long', fix: 'shorten it' },
  KPROF_QUERY_SELECTOR_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'selector too long (querier API)', fix: 'shorten it' },
  KPROF_QUERY_TOO_MANY_MATCHERS: { kind: 'LimitError', status: 413, meaning: 'too many matchers', fix: 'fewer matchers' },
  KPROF_QUERY_REGEX_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'regex too long', fix: 'shorter regex' },
  KPROF_QUERY_BAD_TIME: { kind: 'ValidationError', status: 400, meaning: 'time unreadable', fix: '`now-1h`, unix time, `YYYYMMDD`, RFC 3339' },
  KPROF_QUERY_BAD_TIME_RANGE: { kind: 'ValidationError', status: 400, meaning: '`from` not before `until`', fix: 'fix the range' },
  KPROF_QUERY_RANGE_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'range over `query.max-range`', fix: 'shorter range' },
  KPROF_QUERY_BAD_MAX_NODES: { kind: 'ValidationError', status: 400, meaning: '`maxNodes` not an integer ≥ -1', fix: '1..1048576, 0 or -1' },
  KPROF_QUERY_MAX_NODES_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: '`maxNodes` over 1048576', fix: 'ask for fewer' },
  KPROF_QUERY_TOO_MANY_SERIES: { kind: 'LimitError', status: 413, meaning: 'selection over `query.max-series`', fix: 'add matchers' },
  KPROF_QUERY_TOO_MANY_PROFILES: { kind: 'LimitError', status: 413, meaning: 'profiles and rollups read over `query.max-profiles`', fix: 'narrow labels or range' },
  KPROF_QUERY_TOO_MANY_LISTED_PROFILES: { kind: 'LimitError', status: 413, meaning: 'profiles listed over `query.max-listed-profiles`', fix: 'narrow labels or range' },
  KPROF_QUERY_TREE_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: 'merged tree over its node limit', fix: 'narrow the query' },
  KPROF_QUERY_BAD_TREE_LIMIT: { kind: 'ValidationError', status: 400, meaning: 'internal tree limit invalid', fix: '—' },
  KPROF_QUERY_BAD_DIVISOR: { kind: 'ValidationError', status: 400, meaning: 'internal: average divisor not a positive integer', fix: '—' },
  KPROF_QUERY_BAD_SAMPLE_VALUE: { kind: 'ValidationError', status: 400, meaning: 'a value is not a non-negative safe integer', fix: '—' },
  KPROF_QUERY_TIMELINE_TOO_LONG: { kind: 'LimitError', status: 413, meaning: 'timeline over 20000 buckets', fix: 'shorter range' },
  KPROF_QUERY_BAD_STEP: { kind: 'ValidationError', status: 400, meaning: 'timeline step invalid', fix: '—' },
  KPROF_QUERY_DIFF_MISMATCH: { kind: 'ValidationError', status: 400, meaning: 'diff sides with different units/sample rates', fix: 'compare like with like' },
  KPROF_QUERY_INVALID_MAX_NODES: { kind: 'ValidationError', status: 400, meaning: 'querier `max_nodes` invalid', fix: '0..1048576' },
  KPROF_QUERY_INVALID_PROFILE_TYPE: { kind: 'ValidationError', status: 400, meaning: 'profile type ID malformed', fix: '`name:type:unit:period_type:period_unit`' },
  KPROF_QUERY_INVALID_RANGE: { kind: 'ValidationError', status: 400, meaning: 'querier start/end invalid', fix: 'start < end' },
  KPROF_QUERY_INVALID_STEP: { kind: 'ValidationError', status: 400, meaning: 'querier step invalid', fix: 'positive step' },
  KPROF_QUERY_INVALID_TIME: { kind: 'ValidationError', status: 400, meaning: 'querier time invalid', fix: 'unix ms' },
  KPROF_QUERY_TOO_MANY_ENTRIES: { kind: 'LimitError', status: 413, meaning: 'querier list too long', fix: 'fewer entries' },
  KPROF_QUERY_TOO_MANY_POINTS: { kind: 'LimitError', status: 413, meaning: 'querier series too many points', fix: 'larger step' },
  KPROF_PPROF_BAD_FRAME: { kind: 'ValidationError', status: 400, meaning: 'frame line number invalid in pprof export', fix: '—' },
  KPROF_SCRAPE_K8S_KUBECONFIG: { kind: 'ConfigError', status: null, meaning: 'kubeconfig unreadable', fix: 'fix `kubeconfig-file`' },
  KPROF_SCRAPE_K8S_CREDENTIALS: { kind: 'ConfigError', status: null, meaning: 'token/password file, or the service account\'s `token`/`ca.crt`, unreadable', fix: 'fix the path; mount the service account or set `KPROF_K8S_SERVICE_ACCOUNT_DIR`' },
  KPROF_SCRAPE_K8S_NOT_IN_CLUSTER: { kind: 'ConfigError', status: null, meaning: 'no API server and not in a pod', fix: 'set `api-server` or `kubeconfig-file`' },
  KPROF_SCRAPE_CONNECT: { kind: 'ScrapeError', status: null, meaning: 'target unreachable (refused, DNS, reset)', fix: 'check the address/port and that it runs' },
  KPROF_SCRAPE_TIMEOUT: { kind: 'ScrapeError', status: null, meaning: 'no full answer within the deadline', fix: '`scrape-timeout`, or a slow target' },
  KPROF_SCRAPE_TLS: { kind: 'ScrapeError', status: null, meaning: 'TLS handshake or certificate failed', fix: '`tls-config` (`ca-file`, `server-name`, `insecure-skip-verify`)' },
  KPROF_SCRAPE_CREDENTIALS: { kind: 'ScrapeError', status: null, meaning: '`bearer-token-file`, `password-file` or a `tls-config` file unreadable', fix: 'fix the path or permissions' },
  KPROF_SCRAPE_HTTP_STATUS: { kind: 'ScrapeError', status: null, meaning: 'answer not 200 (message has the start of the body)', fix: 'profile path, port, credentials' },
  KPROF_SCRAPE_BAD_CONTENT_TYPE: { kind: 'ScrapeError', status: null, meaning: 'answer is HTML/JSON/text, not a profile', fix: 'profile path' },
  KPROF_SCRAPE_TOO_LARGE: { kind: 'ScrapeError', status: null, meaning: 'body over `body-size-limit` (as sent or after gunzip)', fix: 'raise `body-size-limit`' },
  KPROF_SCRAPE_NOT_PPROF: { kind: 'ScrapeError', status: null, meaning: 'body is not (gzipped) pprof, or has no sample types', fix: 'profile path' },
  KPROF_PUSH_TOO_MANY_LABELS: { kind: 'ValidationError', status: 400, meaning: 'push.v1 series with more labels than `ingest.max-labels`', fix: 'fewer labels' },
  KPROF_PUSH_LABEL_NAME_TOO_LONG: { kind: 'ValidationError', status: 400, meaning: 'push.v1 label name over `ingest.max-label-name-length` bytes', fix: 'shorter name' },
  KPROF_PUSH_LABEL_VALUE_TOO_LONG: { kind: 'ValidationError', status: 400, meaning: 'push.v1 label value over `ingest.max-label-value-length` bytes', fix: 'shorter value' },
  KPROF_PUSH_INVALID_LABEL_NAME: { kind: 'ValidationError', status: 400, meaning: 'push.v1 label name not `[a-zA-Z_][a-zA-Z0-9_]*` (after `.` → `_`)', fix: 'fix the name' },
  KPROF_PUSH_DUPLICATE_LABEL: { kind: 'ValidationError', status: 400, meaning: 'push.v1 series has a label twice', fix: 'send it once' },
  KPROF_PUSH_MISSING_NAME: { kind: 'ValidationError', status: 400, meaning: 'push.v1 series without `__name__`', fix: 'add the profile name, e.g. `process_cpu`' },
  KPROF_PUSH_EMPTY_PROFILE: { kind: 'ValidationError', status: 400, meaning: 'push.v1 sample with an empty `raw_profile`', fix: 'send a profile' },
  KPROF_PUSH_PROFILE_TOO_LARGE: { kind: 'LimitError', status: 413, meaning: 'push.v1 `raw_profile` over `ingest.max-body-bytes`', fix: 'smaller profiles' },
  KPROF_PUSH_TOO_MANY_PROFILES: { kind: 'LimitError', status: 413, meaning: 'over 1000 profiles in one push', fix: 'push fewer at a time' },
  KPROF_PUSH_TIME_IN_FUTURE: { kind: 'ValidationError', status: 400, meaning: 'profile time over 10 minutes ahead of the server', fix: 'fix the client clock' },
} as const satisfies Record<`KPROF_${string}`, ErrorSpec>);

/** A registered error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes carried by one error class. */
export type CodeOfKind<K extends ErrorKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never }[ErrorCode];

/** True for a string that is a registered code (for values read back from elsewhere, e.g. a worker's error). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
