// The built packages must load from both module systems (Express services are often CommonJS)
// and resolve to one module instance, so a process that mixes import and require runs one profiler.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@kprof/test-support';

const repo = resolve(__dirname, '..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

function consumerProject(type: 'module' | 'commonjs'): string {
  const dir = tempDir(`kprof-consumer-${type}-`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  mkdirSync(join(dir, 'node_modules/@kprof'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  for (const p of ['sdk', 'express-middleware']) symlinkSync(join(repo, 'packages', p), join(dir, 'node_modules/@kprof', p));
  symlinkSync(join(repo, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'));
  return dir;
}

const runNode = (dir: string, file: string) => execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }).trim();

const SDK_EXPORTS = ['start', 'stop', 'withLabels', 'stats', 'collectTimeProfile', 'collectHeapProfile', 'KprofError'];

describe('@kprof/sdk package exports', () => {
  it('loads from an ESM project, and import and require give the same instance', () => {
    const dir = consumerProject('module');
    writeFileSync(join(dir, 'main.js'), `
      import { createRequire } from 'node:module';
      import * as ns from '@kprof/sdk';
      import sdkDefault from '@kprof/sdk';
      const required = createRequire(import.meta.url)('@kprof/sdk');
      const names = ${JSON.stringify(SDK_EXPORTS)};
      console.log(JSON.stringify({
        types: names.map((n) => typeof ns[n]),
        sameInstance: names.every((n) => ns[n] === required[n] && sdkDefault[n] === required[n]),
      }));`);
    const out = JSON.parse(runNode(dir, 'main.js'));
    expect(out.types).toEqual(SDK_EXPORTS.map(() => 'function'));
    expect(out.sameInstance).toBe(true);
  });

  it('loads from a CommonJS project', () => {
    const dir = consumerProject('commonjs');
    writeFileSync(join(dir, 'main.js'), `
      const sdk = require('@kprof/sdk');
      console.log(JSON.stringify(${JSON.stringify(SDK_EXPORTS)}.map((n) => typeof sdk[n])));`);
    expect(JSON.parse(runNode(dir, 'main.js'))).toEqual(SDK_EXPORTS.map(() => 'function'));
  });

  it.each([
    { name: 'ESM (.mts, NodeNext)', file: 'main.mts', type: 'module' as const },
    { name: 'CommonJS (.cts, NodeNext)', file: 'main.cts', type: 'commonjs' as const },
  ])('type-checks a TypeScript consumer: $name', ({ file, type }) => {
    const dir = consumerProject(type);
    writeFileSync(join(dir, file), `
      import { withLabels, stats, type SdkOptions } from '@kprof/sdk';
      const opts: SdkOptions = { appName: 'consumer' };
      const n: number = withLabels({ route: 'GET /x' }, () => 1);
      void opts; void n; void stats;`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: [file],
    }));
    // Throws with tsc's diagnostics on stdout when the package's types do not resolve.
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  });
});
