import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/resolve-config.js';

/** Creates the server's pino logger (JSON to stdout); auth headers and tokens are redacted. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'kprof-server' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '[redacted]' },
  });
}
