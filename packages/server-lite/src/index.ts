export { DEFAULTS } from './config/defaults.js';
export { resolveConfig } from './config/resolve-config.js';
export type { AuthSettings, ConfigFlags, IngestLimits, LogLevel, QueryLimits, ServerConfig, StorageSettings } from './config/resolve-config.js';
export type { ListenAddress } from './config/listen-address.js';
export {
  ConfigError,
  KprofError,
  LimitError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  ScrapeError,
  InternalError,
  ValidationError,
  toHttpError,
} from './errors.js';
export type { HttpError, HttpErrorBody, KprofErrorOptions } from './errors.js';
export { ERROR_CODES } from './error-codes.js';
export type { CodeOfKind, ErrorCode, ErrorKind, ErrorSpec } from './error-codes.js';
export { startServer } from './server.js';
export type { KprofServer, StartServerOptions } from './server.js';
// Body of GET /api/v1/targets (Prometheus' shape plus kprof's slot counts), for clients reading it.
export type { ActiveTargetJson, DroppedTargetJson, TargetsResponse } from './api/targets-route.js';
export type { MissedReason, SlotCounts } from './scrape/scrape-status.js';
