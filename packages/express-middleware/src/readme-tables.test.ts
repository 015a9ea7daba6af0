// The README's tables are documentation of tables in the source: each row must say what the source says.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';
import { ERROR_CODES } from './error-codes.js';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
/** 10 000, as the README writes numbers. */
const formatNumber = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ' ');
const { router, routes } = MIDDLEWARE_DEFAULTS;

describe('README option tables', () => {
  it.each([
    { name: 'maxProfileSeconds', rule: router.maxProfileSeconds },
    { name: 'maxConcurrentHeapRequests', rule: router.maxConcurrentHeapRequests },
    { name: 'maxRoutes', rule: routes.maxRoutes },
  ])('$name: the range and default of the defaults table', ({ name, rule }) => {
    const range = `${formatNumber(rule.min)}–${formatNumber(rule.max)}`;
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\| integer, [^|]*${range} \\| \`${rule.default}\` \\|`, 'm'));
  });

  it.each(['labelName', 'unmatchedValue', 'overflowValue'] as const)('%s: the default of the defaults table', (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\| [^|]+ \\| \`'${routes[name]}'\` \\|`, 'm'));
  });
});

describe('README error-code table', () => {
  it('lists every code of the registry, and only those, with its status or class, meaning and fix', () => {
    const rows = [...readme.matchAll(/^\| `(KPROF_[A-Z_]+)` \| (.+?) \| (.+?) \| (.+?) \|$/gm)];
    const documented = Object.fromEntries(rows.map(([, code, status, meaning, fix]) => [code, { status, meaning, fix }]));
    const registered = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, e]) => [code, {
        status: 'class' in e ? `thrown (\`${e.class}\`)` : String(e.status),
        meaning: e.meaning,
        fix: e.fix,
      }]),
    );
    expect(documented).toEqual(registered);
  });

  it('has no dead codes: each one is answered or thrown somewhere in src (registry keys are not quoted)', () => {
    const src = readdirSync(__dirname)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(__dirname, f), 'utf8'))
      .join('\n');
    expect(Object.keys(ERROR_CODES).filter((code) => !src.includes(`'${code}'`))).toEqual([]);
  });
});
