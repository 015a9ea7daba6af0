import { AsyncLocalStorage } from 'node:async_hooks';
import { ValidationError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { EMPTY_LABELS, LabelDropReporter, isLabelSet, mergeLabels, type LabelSet } from './label-set.js';
import { ProfilerContextSync } from './profiler-context-sync.js';

const storage = new AsyncLocalStorage<LabelSet>();

/** Reports labels dropped by `withLabels`; `start()` points it at the host's logger. */
export const labelDropReporter = new LabelDropReporter(silentLogger);

/** Pushes the current labels into the time profiler while it runs; driven by the time collector. */
export const profilerContextSync = new ProfilerContextSync(() => storage.getStore());

/**
 * Runs `fn` with `labels` added to the current labels (nested calls merge; inner values win) and returns its result,
 * sync or async. Time samples taken while `fn` and the async work it starts run carry these labels.
 * A bad label is dropped with one logged warning per label name; this never throws because of labels.
 * Limits: 16 labels per context, names `[a-zA-Z_][a-zA-Z0-9_]*` up to 64 characters (not starting with `__`),
 * values up to 256 characters; numbers and booleans are converted to strings.
 */
export function withLabels<R>(labels: Readonly<Record<string, string | number | boolean>>, fn: () => R): R {
  if (typeof fn !== 'function') {
    throw new ValidationError('KPROF_LABELS_NOT_A_FUNCTION', `withLabels(labels, fn): fn must be a function, got ${typeof fn}`);
  }
  const parent = storage.getStore();
  const merged = mergeLabels(parent ?? EMPTY_LABELS, labels, labelDropReporter);
  if (merged === (parent ?? EMPTY_LABELS)) return fn();
  return storage.run(merged, () => profilerContextSync.run(merged, parent, fn));
}

/** The labels of the current async context (a frozen object; empty outside `withLabels`). */
export function getLabels(): Readonly<Record<string, string>> {
  return storage.getStore() ?? EMPTY_LABELS;
}

/**
 * `generateLabels` for the engine's serializer: a sample's labels are the label set that was its context; anything
 * else the engine holds there (its initial `{}`, objects set by other code) gives no labels.
 */
export function sampleLabels(args: { context?: { context?: object } }): Readonly<Record<string, string>> {
  const ctx = args.context?.context;
  return isLabelSet(ctx) ? ctx : EMPTY_LABELS;
}
