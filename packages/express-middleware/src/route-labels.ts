import { checkIntegerOption, LABEL_LIMITS, withLabels, type Logger } from '@kprof/sdk';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';
import { invalidOption } from './error-codes.js';

const ROUTES = MIDDLEWARE_DEFAULTS.routes;
/** The SDK's label-name syntax (Prometheus-style); its length bound is `LABEL_LIMITS.maxNameChars`. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Options of {@link profileRoutes}. */
export interface ProfileRoutesOptions {
  /** Label name. Default `'route'`. */
  labelName?: string;
  /** Value for work before a route matches and for requests no route matches. Default `'unmatched'`. */
  unmatchedValue?: string;
  /** Distinct route values kept; later new ones share `overflowValue`. Default 256; 1..10 000. */
  maxRoutes?: number;
  /** Value once `maxRoutes` is reached. Default `'other'`. */
  overflowValue?: string;
  /** pino-compatible logger (one warning when `maxRoutes` is reached); silent without one. */
  logger?: Logger;
}

type Handler = (...args: unknown[]) => unknown;
interface RouteLike {
  path: unknown;
  stack: { handle: Handler }[];
}

/** Requests that passed through a `profileRoutes()` middleware, with that middleware's value table. */
const labelling = new WeakMap<Request, RouteValues>();
/** Route layers already wrapped (a route is wrapped once, on its first matched request). */
const wrappedLayers = new WeakSet<object>();

class RouteValues {
  private readonly values = new Set<string>();
  private warned = false;

  constructor(
    readonly labelName: string,
    readonly unmatchedValue: string,
    private readonly maxRoutes: number,
    private readonly overflowValue: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** The bounded value for `value`: itself while fewer than maxRoutes distinct values were seen, else the overflow. */
  admit(value: string): string {
    if (this.values.has(value)) return value;
    if (this.values.size < this.maxRoutes) {
      this.values.add(value);
      return value;
    }
    if (!this.warned) {
      this.warned = true;
      this.logger?.warn({ maxRoutes: this.maxRoutes, value }, 'route label limit reached; further routes are labelled with the overflow value (raise profileRoutes maxRoutes)');
    }
    return this.overflowValue;
  }
}

function describePath(path: unknown): string {
  if (Array.isArray(path)) return path.map(describePath).join(',');
  return String(path);
}

/** `METHOD <mount path><route path>`, cut to the SDK's label value limit. */
function routeValue(req: Request, route: RouteLike): string {
  return `${req.method} ${req.baseUrl}${describePath(route.path)}`.slice(0, LABEL_LIMITS.maxValueChars);
}

/**
 * Wraps each handler of `route` once so that, for requests marked by profileRoutes(), it runs inside
 * `withLabels({ route: 'GET /users/:id' })`. Arity is kept: Express tells error handlers (4 arguments) from request
 * handlers by `fn.length`.
 */
function wrapRouteHandlers(route: RouteLike): void {
  for (const layer of route.stack) {
    if (wrappedLayers.has(layer) || typeof layer.handle !== 'function') continue;
    wrappedLayers.add(layer);
    const original = layer.handle;
    const run = (req: Request, call: () => unknown): unknown => {
      const values = labelling.get(req);
      if (!values) return call();
      return withLabels({ [values.labelName]: values.admit(routeValue(req, route)) }, call);
    };
    layer.handle =
      original.length === 4
        ? function (this: unknown, err: unknown, req: unknown, res: unknown, next: unknown) {
            return run(req as Request, () => original.call(this, err, req, res, next));
          }
        : function (this: unknown, req: unknown, res: unknown, next: unknown) {
            return run(req as Request, () => original.call(this, req, res, next));
          };
  }
}

/**
 * Middleware that labels the profile samples of each request with its Express route template
 * (`{ route: 'GET /users/:id' }`, never the raw URL), through `@kprof/sdk`'s `withLabels`. Mount it first:
 * `app.use(profileRoutes())`.
 *
 * Express 5 knows the route only after routing, so the request starts under `{ route: unmatchedValue }` and the matched
 * route's handlers (and the async work they start) run under the route's value. Requests no route matches keep
 * `unmatchedValue`. Values are bounded by `maxRoutes`. Mount paths with parameters (`app.use('/t/:id', r)`) appear with
 * their values, since Express keeps no template for them; the bound still holds.
 * @throws ConfigError `KPROF_EXPRESS_INVALID_OPTION` for bad options.
 */
export function profileRoutes(options: ProfileRoutesOptions = {}): RequestHandler {
  const values = resolveRouteValues(options);
  return function profileRoutesMiddleware(req: Request, _res: Response, next: NextFunction): void {
    labelling.set(req, values);
    // Express assigns req.route in Route#dispatch just before the route's first handler runs: the one moment the
    // template is known. The setter wraps that route's handlers (once per route) so they run under its label.
    let current: unknown = req.route;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (route: unknown) => {
        current = route;
        if (route !== null && typeof route === 'object' && Array.isArray((route as RouteLike).stack)) wrapRouteHandlers(route as RouteLike);
      },
    });
    withLabels({ [values.labelName]: values.unmatchedValue }, next);
  };
}

/** Checks `profileRoutes`' options once, when the middleware is built. */
function resolveRouteValues(options: ProfileRoutesOptions): RouteValues {
  if (options === null || typeof options !== 'object') {
    throw invalidOption(`profileRoutes options must be an object, got ${String(options)}`);
  }
  const { maxNameChars, maxValueChars } = LABEL_LIMITS;
  const labelName = options.labelName ?? ROUTES.labelName;
  if (typeof labelName !== 'string' || !LABEL_NAME.test(labelName) || labelName.length > maxNameChars || labelName.startsWith('__')) {
    throw invalidOption(
      `profileRoutes labelName ${JSON.stringify(labelName)} is not a valid label name ` +
        `(${LABEL_NAME.source.slice(1, -1)}, up to ${maxNameChars} characters, not starting with __)`,
    );
  }
  const maxRoutes = checkIntegerOption(options.maxRoutes, ROUTES.maxRoutes, { name: 'maxRoutes', caller: 'profileRoutes', invalid: invalidOption });
  for (const [key, value] of [['unmatchedValue', options.unmatchedValue], ['overflowValue', options.overflowValue]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > maxValueChars)) {
      throw invalidOption(`profileRoutes ${key} must be a string of 1 to ${maxValueChars} characters, got ${JSON.stringify(value)}`);
    }
  }
  return new RouteValues(
    labelName,
    options.unmatchedValue ?? ROUTES.unmatchedValue,
    maxRoutes,
    options.overflowValue ?? ROUTES.overflowValue,
    options.logger,
  );
}
