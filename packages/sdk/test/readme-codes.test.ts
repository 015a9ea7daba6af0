// Every error code the SDK can throw must be documented in the README's error-code table.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function codesThrownInSrc(): Set<string> {
  const codes = new Set<string>();
  // The code is the first argument of every KprofError subclass constructor.
  const pattern = /new\s+[A-Za-z]*Error\(\s*'(KPROF_[A-Z0-9_]+)'/g;
  for (const file of sourceFiles(join(pkg, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) codes.add(m[1] as string);
  }
  return codes;
}

function codesInReadmeTable(): Set<string> {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const section = readme.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
  return new Set([...section.matchAll(/^\| `(KPROF_[A-Z0-9_]+)` \|[^|]+\|[^|]+\|$/gm)].map((m) => m[1] as string));
}

describe('README error-code table', () => {
  it('finds the codes thrown in src (sanity check of the scan)', () => {
    const codes = codesThrownInSrc();
    expect(codes.has('KPROF_CONFIG_APP_NAME')).toBe(true);
    expect(codes.has('KPROF_ABORTED')).toBe(true);
    expect(codes.has('KPROF_EXPORT_INVALID_OPTION')).toBe(true);
  });

  it('documents every code thrown in src, each with a meaning and a fix', () => {
    const documented = codesInReadmeTable();
    const missing = [...codesThrownInSrc()].filter((c) => !documented.has(c)).sort();
    expect(missing).toEqual([]);
  });
});
