import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

const run = promisify(execFile);
const FIXTURES = join(__dirname, '..', 'fixtures');

/** A temp dir removed by `cleanup`. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds the Go CPU burner and returns a function that writes one real CPU profile per call. */
export async function buildGoBurn(dir: string): Promise<(name: string, ms?: number) => Promise<string>> {
  const bin = join(dir, 'go-burn');
  await run('go', ['build', '-o', bin, '.'], { cwd: join(FIXTURES, 'go-burn'), env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' } });
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

/** The raw (gunzipped) bytes of a profile file. */
export function rawProfile(file: string): Buffer {
  const buf = readFileSync(file);
  return buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
}

/**
 * Totals per stack (root-first frames joined by `;`) that `go tool pprof -raw` reports for
 * `files` merged, for sample type index `valueIndex`.
 */
export async function pprofRawTotals(files: readonly string[], valueIndex: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const file of files) {
    const { stdout } = await run('go', ['tool', 'pprof', '-raw', file], { maxBuffer: 64 * 1024 * 1024 });
    const lines = stdout.split('\n');
    const locations = new Map<string, string[]>();
    const samples: { values: number[]; locs: string[] }[] = [];
    let section = '';
    let lastLoc: string[] | undefined;
    for (const line of lines) {
      if (line === 'Samples:' || line === 'Locations' || line === 'Mappings') {
        section = line;
        continue;
      }
      if (section === 'Samples:') {
        const m = /^\s*([\d\s]+):\s*([\d\s]*)$/.exec(line);
        if (m === null) continue;
        samples.push({ values: m[1]!.trim().split(/\s+/).map(Number), locs: m[2]!.trim().split(/\s+/).filter(Boolean) });
      } else if (section === 'Locations') {
        const m = /^\s*(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(\S+)/.exec(line);
        if (m !== null) {
          // Inlined frames follow on indented lines, callee first like pprof's Line list.
          lastLoc = [m[2]!];
          locations.set(m[1]!, lastLoc);
        } else if (lastLoc !== undefined && /^\s{10,}\S/.test(line)) {
          lastLoc.push(line.trim().split(/\s+/)[0]!);
        }
      }
    }
    for (const s of samples) {
      const frames: string[] = [];
      for (let i = s.locs.length - 1; i >= 0; i--) {
        const loc = locations.get(s.locs[i]!) ?? [];
        for (let j = loc.length - 1; j >= 0; j--) frames.push(loc[j]!);
      }
      const key = frames.join(';');
      const v = s.values[valueIndex]!;
      if (v > 0) totals.set(key, (totals.get(key) ?? 0) + v);
    }
  }
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
