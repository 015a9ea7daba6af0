// server-lite's modules are grouped by stage (docs/ARCHITECTURE.md): a module may import its own
// folder and earlier stages, never a later one, and no chain of imports may come back to where
// it started. This test reads every import of src/ (type-only ones too: a type pulled from a
// later stage is the same knot) and fails on a cycle or a backward import, naming the files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', 'src');

/** Stages in data-flow order: each may import only the ones before it (and itself). */
const STAGES = [
  'gen',
  'error-codes.ts',
  'errors.ts',
  'syntax',
  'model',
  'threads',
  'config',
  'observability',
  'http',
  'store',
  'ingest',
  'scrape',
  'query',
  'api',
  'ui',
  'server.ts',
  'cli.ts',
  'index.ts',
] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Relative imports of a file, resolved to absolute `.ts` paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  return out;
}

function stageOf(file: string): number {
  const top = relative(SRC, file).split('/')[0]!;
  const i = STAGES.indexOf(top as (typeof STAGES)[number]);
  if (i < 0) throw new Error(`${relative(SRC, file)} is in no stage: add its folder to STAGES (and to docs/ARCHITECTURE.md)`);
  return i;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('server-lite import stages', () => {
  it('every module sits in a known stage', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) expect(() => stageOf(f)).not.toThrow();
  });

  it('no module imports a later stage', () => {
    const backward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        if (stageOf(dep) > stageOf(file)) backward.push(`${relative(SRC, file)} → ${relative(SRC, dep)}`);
      }
    }
    expect(backward).toEqual([]);
  });

  it('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      path.push(f);
      for (const dep of graph.get(f) ?? []) {
        if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].map((p) => relative(SRC, p)).join(' → '));
        else if (state.get(dep) === undefined && graph.has(dep)) visit(dep);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (state.get(f) === undefined) visit(f);
    expect(cycles).toEqual([]);
  });
});
