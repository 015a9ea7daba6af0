/** Request URLs shared by the main bundle (api.ts) and the boot script (boot-fetch.ts). */

/** `?a=b` query string, or '' when there are no parameters. */
export function withParams(path: string, params: Record<string, string>): string {
  const qs = new URLSearchParams(params).toString();
  return qs ? `${path}?${qs}` : path;
}

/** Parameters of `GET /render`. */
export function renderParams(query: string, from: string, until: string, maxNodes: number): Record<string, string> {
  return { query, from, until, maxNodes: String(maxNodes) };
}

/** `GET /render?format=json` for the single view. */
export function renderJsonUrl(query: string, from: string, until: string, maxNodes: number): string {
  return withParams('/render', { ...renderParams(query, from, until, maxNodes), format: 'json' });
}

/** `GET /api/apps`. */
export function appsUrl(): string {
  return '/api/apps';
}
