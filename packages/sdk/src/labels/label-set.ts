import { silentLogger, type Logger } from '../logger.js';
import { LABEL_LIMITS, LABEL_NAME_PATTERN } from './label-limits.js';

/** An immutable set of validated labels. */
export type LabelSet = Readonly<Record<string, string>>;

/** The labels of code that runs outside any `withLabels`. */
export const EMPTY_LABELS: LabelSet = Object.freeze({});

// Label sets built by mergeLabels. The profiler's context can also hold objects set by others (the engine puts `{}`
// there on start); only these become sample labels.
const ownSets = new WeakSet<object>();

/** True for label sets produced by {@link mergeLabels}. */
export function isLabelSet(value: unknown): value is LabelSet {
  return typeof value === 'object' && value !== null && ownSets.has(value);
}

/** Where dropped labels are reported: one warning per label name, every drop counted. */
export class LabelDropReporter {
  private logger: Logger;
  private readonly warnedNames = new Set<string>();
  private suppressed = false;
  dropped = 0;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  setLogger(logger: Logger): void {
    this.logger = logger;
  }

  drop(name: string, reason: string): void {
    this.dropped++;
    // Before start() there is no logger: keep the name un-warned so the first drop after start() is still logged.
    if (this.logger === silentLogger) return;
    if (this.warnedNames.has(name)) return;
    if (this.warnedNames.size >= LABEL_LIMITS.maxWarnedNames) {
      if (!this.suppressed) {
        this.suppressed = true;
        this.safeWarn({ maxWarnedNames: LABEL_LIMITS.maxWarnedNames }, 'too many distinct bad label names; further drops are only counted in stats()');
      }
      return;
    }
    this.warnedNames.add(name);
    this.safeWarn({ label: name.slice(0, LABEL_LIMITS.maxNameChars + 16), reason }, 'label dropped');
  }

  private safeWarn(obj: object, msg: string): void {
    try {
      this.logger.warn(obj, msg);
    } catch {
      // A throwing host logger must not turn a dropped label into an exception in the host's request.
    }
  }
}

function checkName(name: string): string | undefined {
  if (name.length > LABEL_LIMITS.maxNameChars) {
    return `name has ${name.length} characters, over the limit of ${LABEL_LIMITS.maxNameChars}`;
  }
  if (!LABEL_NAME_PATTERN.test(name)) return `name must match ${LABEL_NAME_PATTERN.source}`;
  // Double-underscore names are reserved for the server (`__name__`, `__profile_type__`, …).
  if (name.startsWith('__')) return 'names starting with __ are reserved';
  return undefined;
}

function normaliseValue(value: unknown): string | { reason: string } {
  let s: string;
  if (typeof value === 'string') s = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'bigint') {
    s = String(value);
  } else {
    return { reason: `value must be a string, number or boolean, got ${value === null ? 'null' : typeof value}` };
  }
  if (s === '') return { reason: 'value is empty' };
  if (s.length > LABEL_LIMITS.maxValueChars) {
    return { reason: `value has ${s.length} characters, over the limit of ${LABEL_LIMITS.maxValueChars}` };
  }
  return s;
}

/**
 * Merges `input` over `parent` (inner labels win). Invalid labels, and new labels past `maxLabels`, are dropped and
 * reported. Returns `parent` itself when nothing changes, so callers can skip a context switch.
 */
export function mergeLabels(parent: LabelSet, input: unknown, reporter: LabelDropReporter): LabelSet {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    reporter.drop('(labels)', `labels must be an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
    return parent;
  }
  const merged: Record<string, string> = { ...parent };
  let count = Object.keys(merged).length;
  let changed = false;
  let seen = 0;
  for (const name in input) {
    if (!Object.prototype.hasOwnProperty.call(input, name)) continue;
    if (++seen > LABEL_LIMITS.maxInputKeys) {
      reporter.drop('(labels)', `more than ${LABEL_LIMITS.maxInputKeys} keys in one withLabels call; the rest are ignored`);
      break;
    }
    const badName = checkName(name);
    if (badName) {
      reporter.drop(name, badName);
      continue;
    }
    const value = normaliseValue((input as Record<string, unknown>)[name]);
    if (typeof value !== 'string') {
      reporter.drop(name, value.reason);
      continue;
    }
    if (merged[name] === value) continue;
    if (merged[name] === undefined) {
      if (count >= LABEL_LIMITS.maxLabels) {
        reporter.drop(name, `context already has ${LABEL_LIMITS.maxLabels} labels (the limit)`);
        continue;
      }
      count++;
    }
    merged[name] = value;
    changed = true;
  }
  if (!changed) return parent;
  const frozen = Object.freeze(merged);
  ownSets.add(frozen);
  return frozen;
}
