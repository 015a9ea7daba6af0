import { createHash } from 'node:crypto';
import { isValidLabelName, type Labels, type RelabelRule } from '../config/relabel-rules.js';
import { expandGoTemplate } from './go-expand.js';

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
