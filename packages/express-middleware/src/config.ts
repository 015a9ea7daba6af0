import { checkIntegerOption, type Logger } from '@kprof/sdk';
import type { Request } from 'express';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';
import { invalidOption } from './error-codes.js';

const ROUTER = MIDDLEWARE_DEFAULTS.router;

/**
 * What `authorize(req)` may answer: `true` serves the request; `false` answers 403; an object denies with its own status
 * (401 with a `WWW-Authenticate` challenge, or 403) and an optional message for the text/plain body.
 */
export type AuthorizeDecision =
  | boolean
  | { status: 401 | 403; message?: string; wwwAuthenticate?: string };

/** Options of {@link pprofRouter}. */
export interface PprofRouterOptions {
  /** Called before every request; see {@link AuthorizeDecision}. Default: none (every request is served). */
  authorize?: (req: Request) => AuthorizeDecision | Promise<AuthorizeDecision>;
  /** Longest `profile?seconds=N` and `heap|allocs?seconds=N` accepted, in seconds (Go has no bound). Default 300; 1..3600. */
  maxProfileSeconds?: number;
  /** Heap/allocs requests served at once; more get 429. Default 2; 1..64. */
  maxConcurrentHeapRequests?: number;
  /**
   * Heap sampling settings passed to the SDK's `ensureHeapSampling` when the router is created (so `heap` shows objects
   * allocated since then, as Go's always-on sampling does). `false`: start sampling only at the first heap request.
   * Default `{}` (the SDK's settings: 512 KiB, 64 frames).
   */
  heapSampling?: { intervalBytes?: number; stackDepth?: number } | false;
  /** pino-compatible logger; silent without one. */
  logger?: Logger;
}

/** Defaults of {@link PprofRouterOptions}. `profileSeconds` is Go's default for `profile` without a valid `seconds`. */
export const ROUTER_DEFAULTS = Object.freeze({
  /** Go's net/http/pprof default, seconds. */
  profileSeconds: ROUTER.profileSeconds,
  /** seconds */
  maxProfileSeconds: ROUTER.maxProfileSeconds.default,
  maxConcurrentHeapRequests: ROUTER.maxConcurrentHeapRequests.default,
});

export interface RouterConfig {
  readonly authorize: PprofRouterOptions['authorize'];
  readonly maxProfileSeconds: number;
  /** `profile` duration when `seconds` is missing or not a positive integer: Go's 30, or the maximum when lower. */
  readonly defaultProfileSeconds: number;
  readonly maxConcurrentHeapRequests: number;
  readonly heapSampling: { intervalBytes?: number; stackDepth?: number } | false;
  readonly logger: Logger;
}

const noop = (): void => {};
const silent: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Validates options once, when the router is built. @throws ConfigError `KPROF_EXPRESS_INVALID_OPTION`. */
export function resolveRouterConfig(input: PprofRouterOptions | undefined): RouterConfig {
  if (input !== undefined && (input === null || typeof input !== 'object')) {
    throw invalidOption(`pprofRouter options must be an object, got ${input === null ? 'null' : typeof input}`);
  }
  const opts = input ?? {};
  if (opts.authorize !== undefined && typeof opts.authorize !== 'function') {
    throw invalidOption(`authorize must be a function (req) => boolean | { status, message? }, got ${typeof opts.authorize}`);
  }
  const integer = (name: 'maxProfileSeconds' | 'maxConcurrentHeapRequests'): number =>
    checkIntegerOption(opts[name], ROUTER[name], { name, invalid: invalidOption });
  const maxProfileSeconds = integer('maxProfileSeconds');
  const maxConcurrentHeapRequests = integer('maxConcurrentHeapRequests');
  const heapSampling = opts.heapSampling ?? {};
  if (heapSampling !== false && (heapSampling === null || typeof heapSampling !== 'object')) {
    throw invalidOption(`heapSampling must be false or { intervalBytes?, stackDepth? }, got ${String(heapSampling)}`);
  }
  const logger = opts.logger ?? silent;
  return Object.freeze({
    authorize: opts.authorize,
    maxProfileSeconds,
    defaultProfileSeconds: Math.min(ROUTER.profileSeconds, maxProfileSeconds),
    maxConcurrentHeapRequests,
    heapSampling,
    logger: logger.child ? logger.child({ component: 'pprof-router' }) : logger,
  });
}
