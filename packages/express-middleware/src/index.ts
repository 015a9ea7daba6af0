/**
 * `@kprof/express-middleware`: Go-compatible `/debug/pprof` routes for Express 5 services, and per-route profile labels.
 */
export { pprofRouter } from './pprof-router.js';
export { profileRoutes } from './route-labels.js';
export type { ProfileRoutesOptions } from './route-labels.js';
export { ROUTER_DEFAULTS } from './config.js';
export type { PprofRouterOptions, AuthorizeDecision } from './config.js';
