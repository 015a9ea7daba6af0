import { appsUrl, renderJsonUrl } from './api-urls.js';
import { parseState } from './url-state.js';

/**
 * URLs the view in `search` (a location.search) asks for first. Used by the boot script
 * (boot-fetch.ts) and, bundled on its own by build.mjs (`boot-urls.cjs`), by the server's page
 * handler, which names them in a `Link: rel=preload` header so the browser starts them when
 * the page's response arrives — before the page is parsed. One function, so both agree.
 */
export function bootUrls(search: string): string[] {
  const s = parseState(search);
  if (s.view === 'single' && s.query) return [renderJsonUrl(s.query, s.from, s.until, s.maxNodes), appsUrl()];
  if (s.view === 'apps' || s.view === 'diff') return [appsUrl()];
  return [];
}
