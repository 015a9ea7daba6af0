import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';
import { ConfigError, KprofError, LimitError } from './errors.js';

/** Source files (not tests) below `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('error registry', () => {
  it('has no dead codes: each one is thrown somewhere in src (registry keys are not quoted)', () => {
    const src = sourceFiles(__dirname).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(Object.keys(ERROR_CODES).filter((code) => !src.includes(`'${code}'`))).toEqual([]);
  });

  it('builds errors only with codes registered for their class (checked by tsc; the calls still run)', () => {
    // @ts-expect-error a code missing from the registry
    expect(new LimitError('KPROF_NOT_REGISTERED', 'x')).toBeInstanceOf(KprofError);
    // @ts-expect-error a code registered for another class
    expect(new ConfigError('KPROF_ABORTED', 'x').name).toBe('ConfigError');
    expect(new ConfigError<'KPROF_OTHER_PACKAGE'>('KPROF_OTHER_PACKAGE', 'x')).toMatchObject({ code: 'KPROF_OTHER_PACKAGE' });
  });
});
