import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildGoProgram } from '@kprof/test-support';
import { goPprofRaw, rawStackTotals } from './pprof-raw.js';

// The tests here, and server-lite's unit tests beside its sources, import these two from this module.
export { makeTempDir, rawProfile } from '@kprof/test-support';

const run = promisify(execFile);
const FIXTURES = join(__dirname, '..', 'fixtures');

/** Builds the Go CPU burner and returns a function that writes one real CPU profile per call. */
export async function buildGoBurn(dir: string): Promise<(name: string, ms?: number) => Promise<string>> {
  const bin = await buildGoProgram(join(FIXTURES, 'go-burn'), join(dir, 'go-burn'), { env: { GOFLAGS: '-mod=mod', GO111MODULE: 'on' } });
  return async (name, ms = 400) => {
    const out = join(dir, name);
    await run(bin, ['-out', out, '-ms', String(ms)]);
    return out;
  };
}

/** Writes a gzipped Node.js wall-time profile from @datadog/pprof (run in a child process). */
export async function makeNodeProfile(dir: string, name: string, ms = 400): Promise<string> {
  const sdkDir = join(__dirname, '..', '..', '..', 'sdk');
  const pprofPath = dirname(require.resolve('@datadog/pprof/package.json', { paths: [sdkDir] }));
  const out = join(dir, name);
  await run(process.execPath, [join(FIXTURES, 'node-profile.cjs'), pprofPath, out, String(ms)]);
  return out;
}

/**
 * Totals per stack (root-first frames joined by `;`) that `go tool pprof -raw` reports for
 * `files` merged, for sample type index `valueIndex`.
 */
export async function pprofRawTotals(files: readonly string[], valueIndex: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const file of files) rawStackTotals(await goPprofRaw([file]), valueIndex, totals);
  return totals;
}

/** Parses collapsed text (`a;b 42` lines) into totals per stack. */
export function collapsedTotals(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(' ');
    if (i <= 0) continue;
    out.set(line.slice(0, i), (out.get(line.slice(0, i)) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

/** Runs the real `@pyroscope/nodejs` 0.6.4 client (installed for the repo's integration tests) against `url`. */
export async function pushWithPyroscopeNode(url: string, appName: string, ms = 1500): Promise<void> {
  const testDir = join(__dirname, '..', '..', '..', '..', 'test');
  // The package's exports hide package.json; its main entry is enough for require().
  const client = require.resolve('@pyroscope/nodejs', { paths: [testDir] });
  await run(process.execPath, [join(FIXTURES, 'pyroscope-node-push.cjs'), client, url, appName, String(ms)]);
}
