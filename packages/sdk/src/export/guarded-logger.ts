import type { Logger } from '../logger.js';

/**
 * Wraps a host-supplied logger so that a logger that throws (a closed file stream, a buggy transport) can never break
 * the exporter's loop or surface as an exception or unhandled rejection in the host.
 */
export function guardLogger(logger: Logger): Logger {
  const call =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      try {
        logger[level](obj, msg);
      } catch {
        // Nowhere left to report it: the logger is the reporting channel.
      }
    };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}
