import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
// Environment variable names share the prefix but are not error codes.
const NOT_CODES = new Set(['KPROF_CONFIG', 'KPROF_DATA_DIR', 'KPROF_LISTEN']);
// Modules whose owners document their codes in their own sections.
const ELSEWHERE = ['ui', 'gen'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return ELSEWHERE.includes(name) && dir.endsWith('src') ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('README error codes', () => {
  it('lists every code thrown in src/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const codes = new Set<string>();
    for (const f of sourceFiles(join(ROOT, 'src'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/'(KPROF_[A-Z0-9_]+)'/g)) if (!NOT_CODES.has(m[1]!)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(40);
    const missing = [...codes].filter((c) => !readme.includes(`\`${c}\``)).sort();
    expect(missing).toEqual([]);
  });
});
