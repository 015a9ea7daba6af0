import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the README lists every error code the source throws', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const codes = new Set<string>();
  for (const file of readdirSync(__dirname)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const m of readFileSync(join(__dirname, file), 'utf8').matchAll(/'(KPROF_[A-Z_]+)'/g)) codes.add(m[1]!);
  }
  expect(codes.size).toBeGreaterThan(0);
  for (const code of codes) expect(readme, code).toContain(`\`${code}\``);
});
