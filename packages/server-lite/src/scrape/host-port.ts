/**
 * Go's `net.SplitHostPort`: splits `host:port`, `[v6]:port`; returns `undefined` where Go
 * returns an error (missing port, too many colons, stray brackets). The port may be empty.
 */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return undefined;
  }
  if (hostport.slice(j).includes('[') || hostport.slice(k).includes(']')) return undefined;
  return { host, port: hostport.slice(i + 1) };
}

/**
 * Prometheus's rule for a default port: add one only when the address has none and adding one
 * makes it valid (so `[::1]` gets a port but a malformed address is left for later checks).
 */
export function needsDefaultPort(address: string): boolean {
  if (splitHostPort(address) !== undefined) return false;
  return splitHostPort(`${address}:1234`) !== undefined;
}
