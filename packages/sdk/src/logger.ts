/**
 * The logger shape the SDK writes to: pino-compatible (`logger.warn({ obj }, 'msg')`), so a host can pass its own
 * pino instance. The SDK never writes to the console itself.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** Optional: pino's child loggers; used to tag SDK records with `{ component }` when present. */
  child?(bindings: object): Logger;
}

const noop = (): void => {};

/** A logger that discards everything; the default when no logger is given. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
