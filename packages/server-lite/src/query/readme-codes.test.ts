import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('query/README.md', () => {
  it('lists every error code thrown by the query modules', async () => {
    const dir = __dirname;
    const sources = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const codes = new Set<string>();
    for (const file of sources) {
      for (const m of (await readFile(join(dir, file), 'utf8')).matchAll(/'(KPROF_[A-Z_]+)'/g)) codes.add(m[1] as string);
    }
    const readme = await readFile(join(dir, 'README.md'), 'utf8');
    expect(codes.size).toBeGreaterThan(10);
    expect([...codes].filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });
});
