import { ConfigError } from '../errors.js';

/** Where the server listens; `host` undefined = all interfaces. */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/**
 * Parses `host:port`, `:port` or `[v6]:port` (port 0 = any free port). Throws `ConfigError`
 * `KPROF_CONFIG_BAD_LISTEN` naming `source` (the flag, variable or key it came from).
 */
export function parseListenAddress(text: string, source: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65_535) {
    throw new ConfigError(
      'KPROF_CONFIG_BAD_LISTEN',
      `${source}: cannot read listen address ${JSON.stringify(text)}; use host:port, :port or [::1]:port with a port 0..65535`,
    );
  }
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
