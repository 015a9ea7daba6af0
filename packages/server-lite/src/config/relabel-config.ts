import { type ConfigProblems, type KeySpec, readList, readObject, readString, readStringList } from './config-reader.js';
import { compileRelabelConfig, isValidLabelName, RELABEL_ACTIONS, RELABEL_DEFAULTS, type RelabelAction, type RelabelRule } from './relabel-rules.js';

const RELABEL_KEYS: readonly KeySpec[] = [
  { name: 'source-labels' },
  { name: 'separator' },
  { name: 'target-label' },
  { name: 'regex' },
  { name: 'modulus' },
  { name: 'replacement' },
  { name: 'action' },
];

/** Parses and compiles a `relabel-configs` list (kebab-case keys, Prometheus defaults). */
export function parseRelabelConfigs(raw: unknown, path: string, problems: ConfigProblems): RelabelRule[] {
  const rules: RelabelRule[] = [];
  (readList(raw ?? null, path, problems) ?? []).forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (item === null) {
      problems.add(p, 'empty relabel rule; remove it or give it an action');
      return;
    }
    const o = readObject(item, p, problems, RELABEL_KEYS);
    if (o === undefined) return;
    const before = problems.errors.length;
    let sourceLabels: string[] | undefined;
    if (o.has('source-labels') && o.get('source-labels') !== null) {
      sourceLabels = readStringList(o.get('source-labels'), `${p}.source-labels`, problems);
      sourceLabels?.forEach((name, j) => {
        if (!isValidLabelName(name)) problems.add(`${p}.source-labels[${j}]`, `${JSON.stringify(name)} is not a valid label name`);
      });
    }
    // Go's YAML decoder leaves an explicit null at the zero value (empty string), not the default.
    const str = (key: string, dflt: string): string | undefined => (o.has(key) ? readString(o.get(key), `${p}.${key}`, problems) : dflt);
    const separator = str('separator', RELABEL_DEFAULTS.separator);
    const targetLabel = str('target-label', RELABEL_DEFAULTS.targetLabel);
    const regex = str('regex', RELABEL_DEFAULTS.regex);
    const replacement = str('replacement', RELABEL_DEFAULTS.replacement);
    const actionText = str('action', RELABEL_DEFAULTS.action);
    const action = actionText?.toLowerCase();
    if (action === '') problems.add(`${p}.action`, `relabel action cannot be empty; use one of ${RELABEL_ACTIONS.join(', ')}`);
    let modulus = RELABEL_DEFAULTS.modulus;
    if (o.has('modulus') && o.get('modulus') !== null) {
      const m = o.get('modulus');
      if ((typeof m === 'number' && Number.isSafeInteger(m) && m >= 0) || (typeof m === 'string' && /^\d+$/.test(m))) modulus = BigInt(m);
      else if (typeof m === 'bigint' && m >= 0n) modulus = m;
      else problems.add(`${p}.modulus`, `expected a whole number ≥ 0, got ${JSON.stringify(m)}`);
      if (modulus >= 2n ** 64n) problems.add(`${p}.modulus`, `must be below 2^64, got ${modulus}`);
    }
    if (problems.errors.length > before || separator === undefined || targetLabel === undefined || regex === undefined || replacement === undefined || action === undefined || action === '') return;
    const compiled = compileRelabelConfig({ sourceLabels, separator, targetLabel, regex, replacement, modulus, action: action as RelabelAction });
    if (compiled.ok) rules.push(compiled.rule);
    else for (const e of compiled.errors) problems.add(p, e);
  });
  return rules;
}

