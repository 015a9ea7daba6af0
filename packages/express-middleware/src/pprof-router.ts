import { collectHeapProfile, collectTimeProfile, encodeProfile, ensureHeapSampling, isProfilerRunning } from '@kprof/sdk';
import { Router, type Request, type Response } from 'express';
import { authorizeRequest } from './authorize-request.js';
import { resolveRouterConfig, type PprofRouterOptions, type RouterConfig } from './config.js';
import { runFullGc } from './full-gc.js';
import { atoiOrZero, firstQueryValue, parseGoInt } from './go-query.js';
import { sendErrorAnswer, sendProfile, sendText } from './go-replies.js';
import { subtractHeapProfiles } from './heap-delta.js';
import { renderHeapText } from './heap-text.js';
import { renderIndexPage } from './index-page.js';
import { GO_ONLY_PROFILES } from './profile-catalog.js';

/** Go's message when a CPU profile is already being taken; one on-demand profile per process, as in Go. */
const CPU_IN_USE = 'Could not enable CPU profiling: cpu profiling already in use';

/** Process-wide, like Go's runtime CPU profiler: routers mounted twice still take one profile at a time. */
let cpuProfileInUse = false;

/**
 * An Express 5 Router serving Go's `/debug/pprof` routes for this Node.js process, readable by `go tool pprof`,
 * Grafana Alloy and Pyroscope pull mode. Mount it anywhere: `app.use('/debug/pprof', pprofRouter())`, preferably on a
 * separate admin app bound to a private port (see the README's security section).
 *
 * Profiles come from `@kprof/sdk`: `profile` cuts its window from the continuous profiler when `start()` runs (pushed
 * profiles lose nothing), else profiles on demand and stops afterwards. Heap sampling starts when the router is created
 * unless `heapSampling: false`.
 * @throws ConfigError `KPROF_EXPRESS_INVALID_OPTION` for bad options.
 */
export function pprofRouter(options?: PprofRouterOptions): Router {
  const config = resolveRouterConfig(options);
  if (config.heapSampling !== false) ensureHeapSampling(config.heapSampling);
  const state = { heapInFlight: 0 };
  const router = Router();
  router.use((req: Request, res: Response) => {
    serve(config, state, req, res).catch((err: unknown) => {
      config.logger.error({ err, path: req.originalUrl }, 'pprof request failed');
      sendErrorAnswer(res, 'KPROF_EXPRESS_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  return router;
}

async function serve(config: RouterConfig, state: { heapInFlight: number }, req: Request, res: Response): Promise<void> {
  if (!(await authorizeRequest(config, req, res))) return;
  // Go 1.23+ registers the routes as `GET /debug/pprof/…` (HEAD included); Go 1.19 served any method.
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendErrorAnswer(res, 'KPROF_EXPRESS_METHOD_NOT_ALLOWED', 'Method Not Allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const path = req.path;
  if (path === '/' || path === '') {
    serveIndex(req, res);
    return;
  }
  const name = path.slice(1);
  switch (name) {
    case 'profile':
      return serveTimeProfile(config, req, res);
    case 'heap':
    case 'allocs':
      return serveHeap(config, state, name, req, res);
    case 'cmdline':
      sendText(res, [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join('\0'));
      return;
    case 'symbol':
      // The pprof symbol protocol's "no symbols here": Node frames already carry names, nothing to resolve.
      sendText(res, 'num_symbols: 0\n');
      return;
    default: {
      const why = GO_ONLY_PROFILES.get(name);
      if (why !== undefined) {
        sendErrorAnswer(res, 'KPROF_EXPRESS_GO_ONLY_PROFILE', `${name} profile is not available for Node.js: ${why}`);
        return;
      }
      sendErrorAnswer(res, 'KPROF_EXPRESS_UNKNOWN_PROFILE', 'Unknown profile');
    }
  }
}

function serveIndex(req: Request, res: Response): void {
  const pathname = req.originalUrl.split('?')[0] ?? '';
  if (!pathname.endsWith('/')) {
    // As Go's ServeMux: the index's relative links only resolve below a trailing slash.
    const q = req.originalUrl.indexOf('?');
    const target = `${pathname}/${q >= 0 ? req.originalUrl.slice(q) : ''}`;
    const body = req.method === 'GET' ? `<a href="${target.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}">Moved Permanently</a>.\n\n` : '';
    res.statusCode = 301;
    res.setHeader('Location', target);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Length', String(Buffer.byteLength(body)));
    res.end(body);
    return;
  }
  let heapSamples = 0;
  try {
    heapSamples = collectHeapProfile().sample.length;
  } catch {
    // Sampling off (heapSampling: false and no heap request yet): Go would show the count, we have none yet.
  }
  sendText(res, renderIndexPage(new Map([['heap', heapSamples], ['allocs', heapSamples]])), 'text/html; charset=utf-8');
}

/** Aborts when the client goes away before the answer is complete. */
function disconnectSignal(res: Response): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) ac.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);
  return { signal: ac.signal, dispose: () => res.off('close', onClose) };
}

async function serveTimeProfile(config: RouterConfig, req: Request, res: Response): Promise<void> {
  const raw = firstQueryValue(req.originalUrl, 'seconds');
  const parsed = parseGoInt(raw);
  // Go: a missing, unparsable or non-positive value silently means the default (30 s).
  const seconds = parsed === undefined || parsed <= 0 ? config.defaultProfileSeconds : parsed;
  if (raw !== '' && seconds !== parsed) {
    config.logger.debug({ seconds: raw, used: seconds }, 'profile seconds is not a positive integer; using the default as Go does');
  }
  if (seconds > config.maxProfileSeconds) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_DURATION_OVER_LIMIT', durationOverLimit(seconds, config));
    return;
  }
  if (cpuProfileInUse) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_CPU_PROFILE_IN_USE', CPU_IN_USE);
    return;
  }
  cpuProfileInUse = true;
  const { signal, dispose } = disconnectSignal(res);
  try {
    const startedMs = Date.now();
    const profile = await collectTimeProfile({ durationMs: seconds * 1000, signal });
    const body = await encodeProfile(profile);
    if (signal.aborted) return;
    sendProfile(res, 'profile', body);
    config.logger.debug(
      { seconds, bytes: body.byteLength, tookMs: Date.now() - startedMs, continuous: isProfilerRunning() },
      'time profile served',
    );
  } catch (err) {
    if (signal.aborted) {
      config.logger.debug({ seconds }, 'time profile cancelled: client disconnected');
      return;
    }
    config.logger.error({ err, seconds }, 'time profile failed');
    sendErrorAnswer(res, 'KPROF_EXPRESS_CPU_PROFILE_FAILED', `Could not enable CPU profiling: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    dispose();
    cpuProfileInUse = false;
  }
}

async function serveHeap(
  config: RouterConfig,
  state: { heapInFlight: number },
  name: 'heap' | 'allocs',
  req: Request,
  res: Response,
): Promise<void> {
  if (state.heapInFlight >= config.maxConcurrentHeapRequests) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_TOO_MANY_HEAP_REQUESTS', `too many heap profile requests in progress (limit ${config.maxConcurrentHeapRequests}); retry later or raise option maxConcurrentHeapRequests`);
    return;
  }
  state.heapInFlight++;
  try {
    ensureHeapSampling(config.heapSampling === false ? undefined : config.heapSampling);
    const secondsRaw = firstQueryValue(req.originalUrl, 'seconds');
    const debug = atoiOrZero(firstQueryValue(req.originalUrl, 'debug'));
    if (secondsRaw !== '') {
      await serveHeapDelta(config, name, secondsRaw, debug, res);
      return;
    }
    // Go collects garbage only for `heap`, not `allocs`, and never for deltas.
    if (name === 'heap' && atoiOrZero(firstQueryValue(req.originalUrl, 'gc')) > 0) runFullGc();
    const profile = collectHeapProfile();
    if (debug !== 0) {
      sendText(res, renderHeapText(profile, name));
      return;
    }
    sendProfile(res, name, await encodeProfile(profile));
  } finally {
    state.heapInFlight--;
  }
}

async function serveHeapDelta(config: RouterConfig, name: string, secondsRaw: string, debug: number, res: Response): Promise<void> {
  const seconds = parseGoInt(secondsRaw);
  if (seconds === undefined || seconds <= 0) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_INVALID_SECONDS', 'invalid value for "seconds" - must be a positive integer');
    return;
  }
  if (seconds > config.maxProfileSeconds) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_DURATION_OVER_LIMIT', durationOverLimit(seconds, config));
    return;
  }
  if (debug !== 0) {
    sendErrorAnswer(res, 'KPROF_EXPRESS_SECONDS_WITH_DEBUG', 'seconds and debug params are incompatible');
    return;
  }
  const { signal, dispose } = disconnectSignal(res);
  try {
    const beforeMs = Date.now();
    const before = collectHeapProfile();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (signal.aborted) return;
    const afterMs = Date.now();
    const delta = subtractHeapProfiles(before, collectHeapProfile(), beforeMs, afterMs);
    sendProfile(res, `${name}-delta`, await encodeProfile(delta));
  } finally {
    dispose();
  }
}

/** The body of `KPROF_EXPRESS_DURATION_OVER_LIMIT`, for `profile` and heap deltas alike. */
function durationOverLimit(seconds: number, config: RouterConfig): string {
  return `profile duration ${seconds}s exceeds the limit of ${config.maxProfileSeconds}s; ask for less or raise option maxProfileSeconds`;
}
