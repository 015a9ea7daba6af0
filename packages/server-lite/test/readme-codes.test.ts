// The README's error-code table is the registry (src/error-codes.ts) written out, and every code
// src/ uses is registered: a code added, removed or reworded in one place and not the other fails here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorSpec } from '../src/error-codes.js';

const ROOT = join(__dirname, '..');
// Environment variable names share the prefix but are not error codes.
const NOT_CODES = new Set(['KPROF_CONFIG', 'KPROF_DATA_DIR', 'KPROF_LISTEN', 'KPROF_K8S_SERVICE_ACCOUNT_DIR']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('error-codes.ts') ? [p] : [];
  });
}

/** The README table rows for the registry, in registry order. */
function expectedRows(): string[] {
  return Object.entries(ERROR_CODES).map(([code, spec]: [string, ErrorSpec]) => `| \`${code}\` | ${spec.status ?? '—'} | ${spec.meaning} | ${spec.fix} |`);
}

describe('error codes', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('the README table is the registry (paste the expected rows into README.md "Errors")', () => {
    const rows = readme.split('\n').filter((l) => /^\| `KPROF_[A-Z0-9_]+` \|/.test(l));
    expect(rows).toEqual(expectedRows());
  });

  it('every code used in src/ is registered, and every registered code is used', () => {
    const used = new Set<string>();
    for (const f of sourceFiles(join(ROOT, 'src'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/'(KPROF_[A-Z0-9_]+)'/g)) if (!NOT_CODES.has(m[1]!)) used.add(m[1]!);
    }
    const registered = new Set(Object.keys(ERROR_CODES));
    expect([...used].filter((c) => !registered.has(c)).sort()).toEqual([]);
    expect([...registered].filter((c) => !used.has(c)).sort()).toEqual([]);
  });

  it.each(Object.entries(ERROR_CODES))('%s: status fits its class', (_code, spec) => {
    const allowed: Record<ErrorSpec['kind'], ReadonlyArray<ErrorSpec['status']>> = {
      ConfigError: [null],
      ScrapeError: [null],
      ValidationError: [400],
      UnprocessableError: [422],
      UnauthorizedError: [401],
      NotFoundError: [404],
      LimitError: [413, 429],
      UnavailableError: [503],
      InternalError: [500],
    };
    expect(allowed[spec.kind]).toContain(spec.status);
    expect(spec.meaning).not.toBe('');
    expect(spec.fix).not.toBe('');
  });
});
