import { apiHeaders } from './auth-token.js';
import { bootUrls } from './boot-urls.js';

/**
 * Requests the page starts from its inline boot script (boot.ts, inlined into index.html by
 * build.mjs), before the stylesheet and main bundle load: on a page load the `/render` answer
 * is then on its way while the browser fetches and runs the bundle, instead of after. Keyed by
 * URL; the main bundle takes each one once (api.ts), so a later request for the same URL goes
 * to the network as usual.
 */
declare global {
  interface Window {
    kprofBoot?: Map<string, Promise<BootAnswer>>;
  }
}

/**
 * A boot request's answer with its body already read. Reading it here, as soon as it arrives,
 * means the bundle gets a settled promise: decoding and drawing then run in the bundle's own
 * task, not several tasks (and a "Loading…" frame) later, after the body is read from the network.
 */
export interface BootAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly text: string;
}

/** Starts the requests for `search`; called once, by the boot script. */
export function startBootFetches(search: string): void {
  const started = new Map<string, Promise<BootAnswer>>();
  for (const url of bootUrls(search)) {
    const p = fetch(url, { headers: apiHeaders() })
      .then(async (res): Promise<BootAnswer> => ({ ok: res.ok, status: res.status, text: await res.text() }));
    // Nobody may take it (the view changed first); never an unhandled rejection.
    p.catch(() => undefined);
    started.set(url, p);
  }
  window.kprofBoot = started;
}

/** The boot script's response promise for `url`, once; undefined when it did not start one. */
export function takeBootFetch(url: string): Promise<BootAnswer> | undefined {
  const p = window.kprofBoot?.get(url);
  if (p) window.kprofBoot?.delete(url);
  return p;
}
