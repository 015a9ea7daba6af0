// The README's tables are documentation of tables in the source: each row must say what the source says.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';

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

it('the README lists every error code the source throws', () => {
  const codes = new Set<string>();
  for (const file of readdirSync(__dirname)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const m of readFileSync(join(__dirname, file), 'utf8').matchAll(/'(KPROF_[A-Z_]+)'/g)) codes.add(m[1]!);
  }
  expect(codes.size).toBeGreaterThan(0);
  for (const code of codes) expect(readme, code).toContain(`\`${code}\``);
});
