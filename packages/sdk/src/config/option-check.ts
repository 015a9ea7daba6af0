/** A bounded integer option: its default and inclusive range. The option's name carries the unit (`uploadIntervalMs`). */
export interface IntegerOptionRule {
  /** Used when the option is left unset. */
  readonly default: number;
  /** Smallest accepted value, inclusive. */
  readonly min: number;
  /** Largest accepted value, inclusive. */
  readonly max: number;
}

/** Names the option {@link checkIntegerOption} checks and builds the error it throws. */
export interface OptionSubject {
  /** The option's name, e.g. `maxRoutes`. */
  readonly name: string;
  /** The function that takes the option, when the name alone is ambiguous; prefixes the message (`profileRoutes maxRoutes is 0; …`). */
  readonly caller?: string;
  /** Builds the error to throw from the message: the calling package's `ConfigError` with its own code. */
  readonly invalid: (message: string) => Error;
}

/**
 * Checks one integer option passed in code (durations in ms or s, sizes, counts): returns `value`, or `rule.default`
 * when it is `undefined`. Shared by `@kprof/sdk` and `@kprof/express-middleware`, so every integer option of both
 * packages is checked and reported the same way.
 * @throws the error `subject.invalid` builds when `value` is not an integer from `rule.min` to `rule.max`; the message
 *   names the option, its value, the range and the default.
 */
export function checkIntegerOption(value: unknown, rule: IntegerOptionRule, subject: OptionSubject): number {
  if (value === undefined) return rule.default;
  if (isIntegerInRange(value, rule)) return value;
  const label = subject.caller === undefined ? subject.name : `${subject.caller} ${subject.name}`;
  throw subject.invalid(
    `${label} is ${describeValue(value)}; it must be an integer from ${rule.min} to ${rule.max}; ` +
      `change ${subject.name} or leave it unset for ${rule.default}`,
  );
}

/** True for an integer from `range.min` to `range.max`, inclusive. */
export function isIntegerInRange(value: unknown, range: { readonly min: number; readonly max: number }): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** A short rendering of a value for an error message: strings quoted and cut, objects named, never dumped. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v.slice(0, 80)}'`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
