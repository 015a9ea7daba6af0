import { parseGoDuration } from '../syntax/go-duration.js';

/**
 * Small readers for a YAML document already decoded into plain JS values. Each reader records
 * problems as `path: message` strings (so the config loader can list every problem at once)
 * and returns `undefined` when the value is unusable.
 */
export class ConfigProblems {
  readonly errors: string[] = [];

  add(path: string, message: string): undefined {
    this.errors.push(`${path}: ${message}`);
    return undefined;
  }
}

/** A key an object accepts; `aliases` are alternative spellings (e.g. Prometheus snake_case). */
export interface KeySpec {
  readonly name: string;
  readonly aliases?: readonly string[];
}

/** Kebab-case keys that Prometheus' configs spell in snake_case too (`tls-config` / `tls_config`). */
export function kebabOrSnakeKeys(...names: readonly string[]): KeySpec[] {
  return names.map((name) => ({ name, aliases: [name.replace(/-/g, '_')] }));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads a mapping whose keys must all be in `keys`; returns canonical key → value. An unknown
 * key is an error naming it and listing the accepted ones. `notSupported` maps keys that
 * Pyroscope accepted but kprof does not to the reason.
 */
export function readObject(
  raw: unknown,
  path: string,
  problems: ConfigProblems,
  keys: readonly KeySpec[],
  notSupported: Readonly<Record<string, string>> = {},
): Map<string, unknown> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return problems.add(path, `expected a mapping, got ${describe(raw)}`);
  }
  const byName = new Map<string, string>();
  for (const k of keys) {
    byName.set(k.name, k.name);
    for (const a of k.aliases ?? []) byName.set(a, k.name);
  }
  const out = new Map<string, unknown>();
  const seenAs = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const canonical = byName.get(key);
    if (canonical === undefined) {
      const reason = notSupported[key];
      if (reason !== undefined) {
        problems.add(`${path}.${key}`, reason);
        continue;
      }
      const kebab = key.replace(/_/g, '-');
      const hint = byName.has(kebab) ? ` (did you mean '${kebab}'?)` : '';
      problems.add(`${path}.${key}`, `unknown key${hint}; allowed keys: ${keys.map((k) => k.name).join(', ')}`);
      continue;
    }
    const earlier = seenAs.get(canonical);
    if (earlier !== undefined) {
      problems.add(`${path}.${key}`, `'${key}' and '${earlier}' are the same setting; keep one`);
      continue;
    }
    seenAs.set(canonical, key);
    out.set(canonical, value);
  }
  return out;
}

/**
 * Reads a string. Numbers and booleans become their text (YAML decodes `regex: true` or
 * `port: 8080` as non-strings; Go's decoder would hand over the source text). `null` reads as
 * `nullAs` (Go's zero value, `''`, unless a caller needs otherwise).
 */
export function readString(value: unknown, path: string, problems: ConfigProblems, nullAs = ''): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return nullAs;
  return problems.add(path, `expected a string, got ${describe(value)}`);
}

/** Reads a list of strings (`null` = empty list). */
export function readStringList(value: unknown, path: string, problems: ConfigProblems): string[] | undefined {
  if (value === null) return [];
  if (!Array.isArray(value)) return problems.add(path, `expected a list of strings, got ${describe(value)}`);
  const out: string[] = [];
  let ok = true;
  value.forEach((item, i) => {
    const s = item === null ? problems.add(`${path}[${i}]`, 'expected a string, got null') : readString(item, `${path}[${i}]`, problems);
    if (s === undefined) ok = false;
    else out.push(s);
  });
  return ok ? out : undefined;
}

/** Reads a list of anything (`null` = empty list). */
export function readList(value: unknown, path: string, problems: ConfigProblems): unknown[] | undefined {
  if (value === null) return [];
  if (!Array.isArray(value)) return problems.add(path, `expected a list, got ${describe(value)}`);
  return value;
}

/** Reads a boolean; also accepts the strings `true`/`false`. */
export function readBoolean(value: unknown, path: string, problems: ConfigProblems): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return problems.add(path, `expected true or false, got ${describe(value)}`);
}

/** Reads a string → string mapping (label sets, URL params); scalar values become text. */
export function readStringMap(value: unknown, path: string, problems: ConfigProblems): Map<string, string> | undefined {
  if (value === null) return new Map();
  if (typeof value !== 'object' || Array.isArray(value)) {
    return problems.add(path, `expected a mapping, got ${describe(value)}`);
  }
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(value)) {
    const s = readString(v, `${path}.${k}`, problems);
    if (s !== undefined) out.set(k, s);
  }
  return out;
}

/**
 * Reads a Go duration string (`10s`, `1m30s`) as milliseconds, which must be > 0. Bare numbers
 * are refused: Go's YAML decoder would read them as nanoseconds, which nobody means.
 */
export function readDurationMs(value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (typeof value !== 'string') {
    return problems.add(path, `expected a duration such as "15s" or "1m", got ${describe(value)}`);
  }
  const ms = parseGoDuration(value);
  if (ms === undefined) return problems.add(path, `invalid duration ${JSON.stringify(value)}; use Go syntax such as "15s", "1m30s", "500ms"`);
  if (ms <= 0) return problems.add(path, `duration must be > 0, got ${JSON.stringify(value)}`);
  return ms;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Reads a byte size: a non-negative integer, or a string such as `64MB` / `512KiB` (units are powers of 1024). */
export function readByteSize(value: unknown, path: string, problems: ConfigProblems): number | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    return problems.add(path, `expected a whole number of bytes ≥ 0, got ${value}`);
  }
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase() || 'b'];
    if (m !== null && unit !== undefined) return Math.floor(Number(m[1]) * unit);
  }
  return problems.add(path, `expected a size such as 64MB, 512KiB or a number of bytes, got ${describe(value)}`);
}
