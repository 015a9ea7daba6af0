// The relabel rules of a config: their syntax, Prometheus' defaults and load-time checks.
// Applying them to a target's labels is scrape/relabel.ts.
import { parseAnchoredRegex, type AnchoredRegex } from '../syntax/anchored-regex.js';

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

