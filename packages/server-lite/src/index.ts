export const VERSION = '0.1.0';

export { DEFAULTS } from './config/defaults.js';
export { resolveConfig } from './config/resolve-config.js';
export type { AuthSettings, ConfigFlags, IngestLimits, LogLevel, QueryLimits, ServerConfig, StorageSettings } from './config/resolve-config.js';
export type { ListenAddress } from './config/listen-address.js';
export {
  ConfigError,
  ConflictError,
  KprofError,
  LimitError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
  ValidationError,
  toHttpError,
} from './errors.js';
export type { HttpError, HttpErrorBody, KprofErrorOptions } from './errors.js';
export { startServer } from './server.js';
export type { KprofServer, StartServerOptions } from './server.js';
// Body of GET /api/v1/targets (Prometheus' shape plus kprof's slot counts), for clients reading it.
export type { ActiveTargetJson, DroppedTargetJson, TargetsResponse } from './api/targets-route.js';
export type { MissedReason, SlotCounts } from './scrape/scrape-loop.js';
