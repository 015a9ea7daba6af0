/**
 * Every default and bound of `@kprof/express-middleware` in one place. Units are in the names; integer options are
 * `{ default, min, max }` (inclusive), checked with the SDK's `checkIntegerOption`. The option checks, `ROUTER_DEFAULTS`
 * and the heap text derive from it; the README's option tables are tested against it (`readme-tables.test.ts`).
 * Label names and values follow the SDK's `LABEL_LIMITS`.
 */
export const MIDDLEWARE_DEFAULTS = Object.freeze({
  /** `pprofRouter()`. */
  router: Object.freeze({
    /** `profile` without a valid `seconds`: Go's net/http/pprof default (or `maxProfileSeconds` when lower). */
    profileSeconds: 30,
    /** `maxProfileSeconds`: longest `profile?seconds=N` and `heap|allocs?seconds=N` (Go has no bound). */
    maxProfileSeconds: Object.freeze({ default: 300, min: 1, max: 3_600 }),
    /** `maxConcurrentHeapRequests`: heap/allocs requests served at once; more get 429. */
    maxConcurrentHeapRequests: Object.freeze({ default: 2, min: 1, max: 64 }),
    /** Stacks listed in `heap?debug=1` text, largest first; the rest are summed in one line. */
    maxHeapTextStacks: 2_000,
  }),
  /** `profileRoutes()`. */
  routes: Object.freeze({
    /** `labelName`. */
    labelName: 'route',
    /** `unmatchedValue`: work before a route matches, and requests no route matches. */
    unmatchedValue: 'unmatched',
    /** `maxRoutes`: distinct route values kept; later new ones share `overflowValue`. */
    maxRoutes: Object.freeze({ default: 256, min: 1, max: 10_000 }),
    /** `overflowValue`: the value once `maxRoutes` is reached. */
    overflowValue: 'other',
  }),
});
