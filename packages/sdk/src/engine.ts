import type * as Pprof from '@datadog/pprof';
import { KprofError } from './errors.js';

/** The profiling engine's module (`@datadog/pprof`). */
export type Engine = typeof Pprof;

let engine: Engine | undefined;
let loadError: unknown;

/**
 * Loads `@datadog/pprof` on first use instead of at import: its native addon fails to load on platforms it ships no
 * binary for, and importing `@kprof/sdk` (or calling `withLabels`) must never crash the host there. Profiling calls
 * then fail with a typed error the host can catch.
 * @throws KprofError `KPROF_ENGINE_UNAVAILABLE` when the engine cannot be loaded.
 */
export function loadEngine(): Engine {
  if (engine) return engine;
  if (loadError === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      engine = require('@datadog/pprof') as Engine;
      return engine;
    } catch (err) {
      loadError = err;
    }
  }
  throw new KprofError(
    'KPROF_ENGINE_UNAVAILABLE',
    `the profiling engine @datadog/pprof could not be loaded on ${process.platform}-${process.arch} Node ${process.versions.node} ` +
      `(${loadError instanceof Error ? loadError.message : String(loadError)}); profiling is off, the rest of the service is unaffected`,
    { cause: loadError },
  );
}
