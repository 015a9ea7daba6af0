import { createHash } from 'node:crypto';
import { parseAnchoredRegex, type AnchoredRegex } from '../syntax/anchored-regex.js';
import { expandGoTemplate } from './go-expand.js';

/** A label set: name → value. A label with an empty value does not exist. */
export type Labels = Record<string, string>;

/** The relabel actions of Prometheus (all of them, including ≥ 2.36/2.41 additions). */
export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/**
 * One relabel rule as written in config (after YAML decoding and defaults). Field defaults
 * are Prometheus's: see {@link RELABEL_DEFAULTS}.
 */
export interface RelabelConfig {
  /** Labels whose values are joined with `separator`; `undefined` = not given (same as `[]`). */
  readonly sourceLabels?: readonly string[] | undefined;
  /** Default `;`. */
  readonly separator: string;
  /** RE2 pattern, anchored at both ends when compiled. Default `(.*)`. */
  readonly regex: string;
  /** hashmod only; must be > 0 there. Default 0. */
  readonly modulus: bigint;
  /** Default `""`. May contain `$1`/`${name}` references for `replace`. */
  readonly targetLabel: string;
  /** Go `Regexp.Expand` template. Default `$1`. */
  readonly replacement: string;
  /** Default `replace`. */
  readonly action: RelabelAction;
}

/** Prometheus's defaults for a relabel rule. */
export const RELABEL_DEFAULTS: RelabelConfig = Object.freeze({
  separator: ';',
  regex: '(.*)',
  modulus: 0n,
  targetLabel: '',
  replacement: '$1',
  action: 'replace',
});

/** A validated rule with its regex compiled, ready for {@link relabel}. */
export interface RelabelRule {
  readonly config: RelabelConfig;
  readonly regex: AnchoredRegex;
}

/** Result of {@link compileRelabelConfig}. */
export type RelabelCompileResult =
  | { readonly ok: true; readonly rule: RelabelRule }
  | { readonly ok: false; readonly errors: readonly string[] };

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A target label or labelmap replacement made of label-name characters and `$ref`/`${ref}`
// references (the check Prometheus applies before any value is known).
const TEMPLATE_LABEL_NAME = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** True for a label name in the legacy (Prometheus 2 / Pyroscope) character set. */
export function isValidLabelName(name: string): boolean {
  return LEGACY_LABEL_NAME.test(name);
}

/**
 * Checks one rule the way Prometheus does when loading config and compiles its regex.
 * Messages use the kebab-case key names of Pyroscope OG configs (`target-label`, …).
 */
export function compileRelabelConfig(config: RelabelConfig): RelabelCompileResult {
  const errors = validateRelabelConfig(config);
  const parsed = parseAnchoredRegex(config.regex);
  if (!parsed.ok) errors.push(parsed.message);
  if (errors.length > 0 || !parsed.ok) return { ok: false, errors };
  return { ok: true, rule: Object.freeze({ config, regex: parsed.regex }) };
}

function validateRelabelConfig(c: RelabelConfig): string[] {
  const errors: string[] = [];
  const { action } = c;
  if (!(RELABEL_ACTIONS as readonly string[]).includes(action)) {
    errors.push(`unknown relabel action ${JSON.stringify(action)}; use one of ${RELABEL_ACTIONS.join(', ')}`);
    return errors;
  }
  if (action === 'hashmod' && c.modulus <= 0n) {
    errors.push(`hashmod action requires 'modulus' > 0, got ${c.modulus}`);
  }
  const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
  if (needsTarget && c.targetLabel === '') {
    errors.push(`${action} action requires 'target-label'`);
  } else if (needsTarget) {
    const valid =
      action === 'replace' && c.targetLabel.includes('$')
        ? TEMPLATE_LABEL_NAME.test(c.targetLabel)
        : isValidLabelName(c.targetLabel);
    if (!valid) {
      errors.push(
        `${JSON.stringify(c.targetLabel)} is an invalid 'target-label' for ${action} action; ` +
          `use [a-zA-Z_][a-zA-Z0-9_]*${action === 'replace' ? ' (with $1 or ${name} references)' : ''}`,
      );
    }
  }
  const caseOrEqual = ['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
  if (caseOrEqual && c.replacement !== RELABEL_DEFAULTS.replacement) {
    errors.push(`'replacement' cannot be set for ${action} action`);
  }
  if (action === 'labelmap' && !TEMPLATE_LABEL_NAME.test(c.replacement)) {
    errors.push(
      `${JSON.stringify(c.replacement)} is an invalid 'replacement' for labelmap action; ` +
        'it must be a label name, optionally with $1 or ${name} references',
    );
  }
  if (
    (action === 'keepequal' || action === 'dropequal') &&
    (c.regex !== RELABEL_DEFAULTS.regex ||
      c.modulus !== RELABEL_DEFAULTS.modulus ||
      c.separator !== RELABEL_DEFAULTS.separator ||
      c.replacement !== RELABEL_DEFAULTS.replacement)
  ) {
    errors.push(`${action} action takes only 'source-labels' and 'target-label', no other fields`);
  }
  if (
    (action === 'labeldrop' || action === 'labelkeep') &&
    (c.sourceLabels !== undefined ||
      c.targetLabel !== RELABEL_DEFAULTS.targetLabel ||
      c.modulus !== RELABEL_DEFAULTS.modulus ||
      c.separator !== RELABEL_DEFAULTS.separator ||
      c.replacement !== RELABEL_DEFAULTS.replacement)
  ) {
    errors.push(`${action} action takes only 'regex', no other fields`);
  }
  return errors;
}

/**
 * Applies `rules` in order to `labels` with Prometheus semantics. Returns the new label set
 * (sorted by name; the input is not modified), or `null` when a keep/drop rule drops it.
 */
export function relabel(labels: Readonly<Labels>, rules: readonly RelabelRule[]): Labels | null {
  const lb = new Map<string, string>();
  for (const [name, value] of Object.entries(labels)) if (value !== '') lb.set(name, value);
  for (const rule of rules) {
    if (!applyRule(rule, lb)) return null;
  }
  return Object.fromEntries([...lb.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// Setting an empty value deletes the label, as Prometheus's labels.Builder does.
function setLabel(lb: Map<string, string>, name: string, value: string): void {
  if (value === '') lb.delete(name);
  else lb.set(name, value);
}

function applyRule({ config: c, regex }: RelabelRule, lb: Map<string, string>): boolean {
  const value = (c.sourceLabels ?? []).map((name) => lb.get(name) ?? '').join(c.separator);
  switch (c.action) {
    case 'drop':
      return !regex.test(value);
    case 'keep':
      return regex.test(value);
    case 'dropequal':
      return (lb.get(c.targetLabel) ?? '') !== value;
    case 'keepequal':
      return (lb.get(c.targetLabel) ?? '') === value;
    case 'replace': {
      const groups = regex.match(value);
      if (groups === null) return true;
      const target = expandGoTemplate(c.targetLabel, groups, regex.groupNames);
      // An expanded target that is not a label name leaves the set unchanged (Prometheus ≥ 2.50).
      if (!isValidLabelName(target)) return true;
      setLabel(lb, target, expandGoTemplate(c.replacement, groups, regex.groupNames));
      return true;
    }
    case 'lowercase':
      setLabel(lb, c.targetLabel, goToLower(value));
      return true;
    case 'uppercase':
      setLabel(lb, c.targetLabel, goToUpper(value));
      return true;
    case 'hashmod':
      setLabel(lb, c.targetLabel, hashMod(value, c.modulus).toString());
      return true;
    case 'labelmap':
      // Iterate over a snapshot: labels written by this rule are not matched again.
      for (const [name, v] of [...lb.entries()]) {
        const groups = regex.match(name);
        if (groups !== null) setLabel(lb, expandGoTemplate(c.replacement, groups, regex.groupNames), v);
      }
      return true;
    case 'labeldrop':
      for (const name of [...lb.keys()]) if (regex.test(name)) lb.delete(name);
      return true;
    case 'labelkeep':
      for (const name of [...lb.keys()]) if (!regex.test(name)) lb.delete(name);
      return true;
  }
}

/**
 * Prometheus's hashmod: MD5 of the UTF-8 value, bytes 8–15 read as a big-endian uint64,
 * modulo `modulus` (BigInt, since the value exceeds 2^53).
 */
export function hashMod(value: string, modulus: bigint): bigint {
  const digest = createHash('md5').update(value, 'utf8').digest();
  return digest.readBigUInt64BE(8) % modulus;
}

// Go's strings.ToLower/ToUpper map each code point on its own with Unicode's simple case
// mapping. JavaScript applies the full (SpecialCasing) mapping, which can change the length
// (`ß` → `SS`, `İ` → `i̇`) and looks at context (final sigma). Map code point by code point
// and keep Go's single-code-point results.
function goToLower(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const lower = ch.toLowerCase();
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}

function goToUpper(value: string): string {
  let out = '';
  for (const ch of value) {
    const upper = ch.toUpperCase();
    if ([...upper].length === 1) {
      out += upper;
      continue;
    }
    out += simpleGreekUpper(ch) ?? ch;
  }
  return out;
}

// Greek letters with ypogegrammeni have a single-code-point simple uppercase (the
// prosgegrammeni form) but a two-letter full uppercase in JavaScript.
function simpleGreekUpper(ch: string): string | undefined {
  const cp = ch.codePointAt(0) as number;
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return String.fromCodePoint(cp + 8);
  }
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return String.fromCodePoint(cp + 9);
  return undefined;
}
