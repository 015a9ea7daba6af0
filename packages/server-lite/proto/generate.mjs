#!/usr/bin/env node
// Regenerates src/gen/ from the .proto files here with the buf CLI and protoc-gen-es, both
// devDependencies of this package (no network: the protos import nothing remote).
// Run from anywhere: `node packages/server-lite/proto/generate.mjs`.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const protoDir = dirname(fileURLToPath(import.meta.url));
const packageDir = dirname(protoDir);
const bin = (name) => join(packageDir, 'node_modules', '.bin', name);
const outDir = join(packageDir, 'src', 'gen');

const template = {
  version: 'v2',
  plugins: [
    {
      local: bin('protoc-gen-es'),
      out: outDir,
      // .js suffixes on relative imports: the package compiles with NodeNext resolution.
      opt: ['target=ts', 'import_extension=js'],
      include_imports: false,
    },
  ],
};

// Generated files are replaced wholesale so a deleted .proto leaves nothing stale behind.
rmSync(outDir, { recursive: true, force: true });
execFileSync(bin('buf'), ['generate', '--template', JSON.stringify(template)], {
  cwd: protoDir,
  stdio: 'inherit',
});
