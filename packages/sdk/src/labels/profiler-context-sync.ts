import { createHook, type AsyncHook } from 'node:async_hooks';
import { loadEngine } from '../engine.js';
import type { LabelSet } from './label-set.js';

/**
 * How the current labels reach the time profiler.
 * - `global` (Node < 24): the engine's context is one global value read when a sample is taken and does not follow
 *   async work. An async hook's `before` callback pushes the continuation's labels into it every time an async
 *   callback (promise continuation, timer, I/O callback) is about to run, so work that resumes after `await` is
 *   labelled with its own labels even while other requests interleave.
 * - `cped` (runtimes with AsyncContextFrame, Node >= 24): the engine keeps the context per async context frame;
 *   `withLabels` runs its function with `time.runWithContext` and no hook is needed.
 */
export type ContextMode = 'global' | 'cped';

// Sentinel: forces the next push even when the store is undefined.
const UNSET = Symbol('unset');

/** Keeps the time profiler's context equal to the labels of the code that runs. Active only while profiling runs. */
export class ProfilerContextSync {
  private mode: ContextMode | undefined;
  private hook: AsyncHook | undefined;
  private lastPushed: LabelSet | undefined | typeof UNSET = UNSET;
  /** Context pushes into the engine (only when the labels changed). */
  pushes = 0;
  /** Pushes the engine refused; never thrown into the host. */
  errors = 0;

  constructor(private readonly currentLabels: () => LabelSet | undefined) {}

  /** Call right after `time.start`. */
  attach(mode: ContextMode): void {
    this.detach();
    this.mode = mode;
    if (mode === 'global') {
      this.lastPushed = UNSET;
      this.push(this.currentLabels());
      // `before` runs after Node has entered the callback's async resource, so the store read here is the one the
      // callback will see. No `after` hook: the next `before` (or withLabels' exit) overwrites the value anyway.
      this.hook = createHook({ before: () => this.push(this.currentLabels()) });
      this.hook.enable();
    }
  }

  /** Call right before `time.stop(false)`: the engine throws on setContext once stopped. */
  detach(): void {
    this.hook?.disable();
    this.hook = undefined;
    this.mode = undefined;
    this.lastPushed = UNSET;
  }

  /** Runs `fn` with `labels` as the profiler context; `parent` is what is current again once `fn` returns. */
  run<R>(labels: LabelSet, parent: LabelSet | undefined, fn: () => R): R {
    if (this.mode === 'cped') {
      try {
        return loadEngine().time.runWithContext(labels, fn);
      } catch (err) {
        // runWithContext throws only before calling fn (profiler stopped between the check and the call).
        if (err instanceof Error && /not started|AsyncContextFrame/.test(err.message)) {
          this.errors++;
          return fn();
        }
        throw err;
      }
    }
    if (this.mode !== 'global') return fn();
    this.push(labels);
    try {
      return fn();
    } finally {
      if (this.mode === 'global') this.push(parent);
    }
  }

  private push(labels: LabelSet | undefined): void {
    if (labels === this.lastPushed) return;
    this.lastPushed = labels;
    try {
      loadEngine().time.setContext(labels);
      this.pushes++;
    } catch {
      // An exception thrown from an async hook would kill the process.
      this.errors++;
    }
  }
}

/**
 * AsyncContextFrame-backed contexts: Node >= 24 where the engine reports the frame active. Never on Node 20 (the
 * engine's useCPED throws there).
 */
export function detectContextMode(): ContextMode {
  const major = Number(process.versions.node.split('.')[0]);
  if (!(major >= 24)) return 'global';
  try {
    // Not re-exported from the package index; the package has no exports map, so the deep path is loadable.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const acf = require('@datadog/pprof/out/src/async-context-frame') as { isAsyncContextFrameActive?: () => boolean };
    return acf.isAsyncContextFrameActive?.() === true ? 'cped' : 'global';
  } catch {
    return 'global';
  }
}
