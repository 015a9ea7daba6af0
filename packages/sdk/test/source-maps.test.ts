import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile, samples, tempDir } from '@kprof/test-support';
import { runFixture } from './support/run-fixture.js';

const TSC = resolve(__dirname, '../../../node_modules/typescript/bin/tsc');

// Types and blank lines vanish in the emitted JS, so .ts and .js line numbers differ.
const BURN_TS = `export interface Options {
  rounds: number;
  label: string;
}

export type Retained = { id: number; payload: number[] };

const kept: Retained[] = [];

export function burnCpu(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return x;
}

export function retainBuffers(count: number): number {
  for (let i = 0; i < count; i++) kept.push({ id: i, payload: new Array(64).fill(i) });
  return kept.length;
}
`;
const BURN_CPU_LINE = BURN_TS.split('\n').findIndex((l) => l.startsWith('export function burnCpu')) + 1;
const RETAIN_LINE = BURN_TS.split('\n').findIndex((l) => l.startsWith('export function retainBuffers')) + 1;

function compileFixture(dir: string): void {
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'burn.ts'), BURN_TS);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', outDir: 'dist', rootDir: 'src', sourceMap: true, strict: true, types: [] },
    include: ['src'],
  }));
  execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
}

describe('source maps (sourceMaps: true)', () => {
  it('resolves frames of compiled TypeScript to the .ts file and line, in time and heap profiles', async () => {
    const dir = tempDir('kprof-sdk-source-maps-');
    compileFixture(dir);
    const r = await runFixture<{ sourceMaps: { state: string; mappedFiles: number; dirs: string[] } }>('source-maps', { outDir: dir, cwd: dir });
    expect(r.sourceMaps.state).toBe('ready');
    expect(r.sourceMaps.mappedFiles).toBeGreaterThanOrEqual(1);

    const timeFrames = samples(readProfile(join(dir, 'time.pb.gz'))).flatMap((s) => s.frames).filter((f) => f.name === 'burnCpu');
    expect(timeFrames.length).toBeGreaterThan(0);
    for (const f of timeFrames) {
      expect(f.file).toBe(join(dir, 'src', 'burn.ts'));
      expect(f.line).toBe(BURN_CPU_LINE);
    }

    const heapFrames = samples(readProfile(join(dir, 'heap.pb.gz'))).flatMap((s) => s.frames).filter((f) => f.name === 'retainBuffers');
    expect(heapFrames.length).toBeGreaterThan(0);
    for (const f of heapFrames) {
      expect(f.file).toBe(join(dir, 'src', 'burn.ts'));
      expect(f.line).toBe(RETAIN_LINE);
    }
  });
});
