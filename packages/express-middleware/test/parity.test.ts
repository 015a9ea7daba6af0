// Parity suite: the same requests against Go's net/http/pprof (test/go-pprof-fixture, built with the installed Go) and
// against pprofRouter in a Node service; same status and headers unless the row says why Node differs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoProgram, decodeGzippedProfile, goVersion, makeTempDir, type SharedTempDir } from '@kprof/test-support';
import { request, startGet, type Answer } from './support/http.js';
import { GO_FIXTURE_DIR, spawnListening, startNodeApp, type Running } from './support/processes.js';

const [goMajor, goMinor] = goVersion();
/** Go 1.23+ registers the routes as `GET /debug/pprof/…` (405 for other methods); Debian's Go 1.19 serves any method. */
const goHasMethodPatterns = goMajor > 1 || goMinor >= 23;

const CPU_IN_USE = 'Could not enable CPU profiling: cpu profiling already in use\n';
const PPROF_BINARY = {
  'content-type': 'application/octet-stream',
  'x-content-type-options': 'nosniff',
  'x-go-pprof': undefined,
  location: undefined,
  allow: undefined,
};
const binary = (filename: string) => ({ ...PPROF_BINARY, 'content-disposition': `attachment; filename="${filename}"` });
const TEXT_ERROR = {
  'content-type': 'text/plain; charset=utf-8',
  'content-disposition': undefined,
  'x-content-type-options': 'nosniff',
  'x-go-pprof': '1',
  location: undefined,
  allow: undefined,
};
const TEXT_OK = { ...TEXT_ERROR, 'x-go-pprof': undefined };
const NODE_405 = {
  status: 405,
  headers: { ...TEXT_OK, allow: 'GET, HEAD' },
};

interface Expect {
  status: number;
  headers: Record<string, string | undefined>;
  /** Exact body, when the answer is text both sides share. */
  body?: string;
  /** The body is a gzipped pprof profile. */
  pprof?: boolean;
}
interface Row {
  name: string;
  path: string;
  method?: string;
  /** Both servers answer this. */
  same?: Expect;
  /** Where Node must differ: each side's answer, and why. */
  go?: Expect;
  node?: Expect;
  why?: string;
}

const goOnly = (name: string, path = name): Row => ({
  name: `${name} (Go-only)`,
  path: `/debug/pprof/${path}`,
  go: { status: 200, headers: binary(name) },
  node: { status: 501, headers: TEXT_ERROR },
  why: `Node.js has no ${name} data; a faked Go profile would mislead, so Node answers 501 with the reason`,
});

const ROWS: Row[] = [
  { name: 'index', path: '/debug/pprof/', same: { status: 200, headers: { ...TEXT_OK, 'content-type': 'text/html; charset=utf-8' } } },
  {
    name: 'index without trailing slash',
    path: '/debug/pprof',
    same: {
      status: 301,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-disposition': undefined, 'x-content-type-options': undefined, 'x-go-pprof': undefined, location: '/debug/pprof/', allow: undefined },
      body: '<a href="/debug/pprof/">Moved Permanently</a>.\n\n',
    },
  },
  { name: 'profile?seconds=1', path: '/debug/pprof/profile?seconds=1', same: { status: 200, headers: binary('profile'), pprof: true } },
  { name: 'unknown profile', path: '/debug/pprof/nope', same: { status: 404, headers: TEXT_ERROR, body: 'Unknown profile\n' } },
  { name: 'unknown nested path', path: '/debug/pprof/heap/x', same: { status: 404, headers: TEXT_ERROR, body: 'Unknown profile\n' } },
  { name: 'heap', path: '/debug/pprof/heap', same: { status: 200, headers: binary('heap'), pprof: true } },
  { name: 'heap?gc=1', path: '/debug/pprof/heap?gc=1', same: { status: 200, headers: binary('heap'), pprof: true } },
  { name: 'allocs', path: '/debug/pprof/allocs', same: { status: 200, headers: binary('allocs'), pprof: true } },
  { name: 'heap?debug=1', path: '/debug/pprof/heap?debug=1', same: { status: 200, headers: TEXT_OK } },
  { name: 'allocs?debug=1', path: '/debug/pprof/allocs?debug=1', same: { status: 200, headers: TEXT_OK } },
  { name: 'heap?seconds=1 (delta)', path: '/debug/pprof/heap?seconds=1', same: { status: 200, headers: binary('heap-delta'), pprof: true } },
  { name: 'allocs?seconds=1 (delta)', path: '/debug/pprof/allocs?seconds=1', same: { status: 200, headers: binary('allocs-delta'), pprof: true } },
  {
    name: 'heap?seconds=abc',
    path: '/debug/pprof/heap?seconds=abc',
    same: { status: 400, headers: TEXT_ERROR, body: 'invalid value for "seconds" - must be a positive integer\n' },
  },
  {
    name: 'heap?seconds=0',
    path: '/debug/pprof/heap?seconds=0',
    same: { status: 400, headers: TEXT_ERROR, body: 'invalid value for "seconds" - must be a positive integer\n' },
  },
  {
    name: 'heap?seconds=1&debug=1',
    path: '/debug/pprof/heap?seconds=1&debug=1',
    same: { status: 400, headers: TEXT_ERROR, body: 'seconds and debug params are incompatible\n' },
  },
  { name: 'cmdline', path: '/debug/pprof/cmdline', same: { status: 200, headers: TEXT_OK } },
  { name: 'HEAD heap', path: '/debug/pprof/heap', method: 'HEAD', same: { status: 200, headers: binary('heap') } },
  {
    name: 'symbol',
    path: '/debug/pprof/symbol',
    go: { status: 200, headers: TEXT_OK, body: 'num_symbols: 1\n' },
    node: { status: 200, headers: TEXT_OK, body: 'num_symbols: 0\n' },
    why: 'Node frames already carry function names: the symbol protocol\'s "num_symbols: 0" says there is nothing to resolve',
  },
  goOnly('goroutine'),
  goOnly('block'),
  goOnly('mutex'),
  goOnly('threadcreate'),
  goOnly('trace', 'trace?seconds=1'),
  {
    name: 'wrong method (POST heap)',
    path: '/debug/pprof/heap',
    method: 'POST',
    go: goHasMethodPatterns ? NODE_405 : { status: 200, headers: binary('heap'), pprof: true },
    node: NODE_405,
    why: goHasMethodPatterns
      ? 'same as Go 1.23+'
      : `Node follows Go 1.23+ (routes registered as "GET /debug/pprof/…": 405 + Allow: GET, HEAD); the installed Go ${goMajor}.${goMinor} serves any method`,
  },
  {
    name: 'wrong method (DELETE profile)',
    path: '/debug/pprof/profile?seconds=1',
    method: 'DELETE',
    go: goHasMethodPatterns ? NODE_405 : { status: 200, headers: binary('profile'), pprof: true },
    node: NODE_405,
    why: `as above: Go ${goMajor}.${goMinor} accepts any method, Go 1.23+ and Node answer 405`,
  },
];

let go: Running;
let node: Running;
let goBuild: SharedTempDir;

beforeAll(async () => {
  goBuild = makeTempDir('kprof-go-fixture-');
  const binary = await buildGoProgram(GO_FIXTURE_DIR, join(goBuild.dir, 'go-pprof-fixture'));
  [go, node] = await Promise.all([spawnListening(binary, ['-addr', '127.0.0.1:0']), startNodeApp()]);
});
afterAll(async () => {
  await Promise.all([go?.close(), node?.close()]);
  goBuild?.cleanup();
});

function check(answer: Answer, want: Expect, side: string): void {
  expect({ side, status: answer.status, headers: answer.headers }).toEqual({ side, status: want.status, headers: want.headers });
  if (want.body !== undefined) expect(answer.body.toString('utf8')).toBe(want.body);
  if (want.pprof) {
    expect(answer.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const profile = decodeGzippedProfile(answer.body);
    expect(profile.sampleType.length).toBeGreaterThan(0);
  }
}

describe('parity with Go net/http/pprof', () => {
  it.each(ROWS)('$name', async (row) => {
    const [goAnswer, nodeAnswer] = await Promise.all([
      request(go.origin + row.path, { method: row.method }),
      request(node.origin + row.path, { method: row.method }),
    ]);
    if (row.same) {
      check(goAnswer, row.same, 'go');
      check(nodeAnswer, row.same, 'node');
    } else {
      expect(row.why).toBeTruthy();
      check(goAnswer, row.go!, 'go');
      check(nodeAnswer, row.node!, 'node');
    }
  });

  // Go reads a malformed, zero or negative `seconds` on /profile as its default 30 s, without an error. Waiting 30 s
  // per row is too slow, so each side shows it accepted the request: a second profile request meanwhile gets Go's
  // 500 "already in use"; then the first request is cancelled and the profiler must become free again.
  it.each(['abc', '-1', '0', '1.5'])('profile?seconds=%s starts the default-length profile, as Go', async (seconds) => {
    for (const server of [go, node]) {
      // The probe can still reach the profiler before the first request does (both are in flight at once). Then the
      // first request is answered Go's 500 "already in use" — it too was taken as a profile request, not a 400 — and
      // the pair is retried to see the first one running.
      for (let attempt = 1; ; attempt++) {
        const first = startGet(`${server.origin}/debug/pprof/profile?seconds=${seconds}`);
        let settled = false;
        void first.answer.then(() => (settled = true), () => (settled = true));
        await first.written;
        const probe = await request(`${server.origin}/debug/pprof/profile?seconds=1`);
        if (probe.status === 500) {
          expect(probe.body.toString()).toBe(CPU_IN_USE);
          expect(settled).toBe(false);
          first.abort();
          await first.answer.catch(() => undefined);
          break;
        }
        expect(await first.answer, `attempt ${attempt}: the probe took the profiler first`).toEqual({ status: 500, body: CPU_IN_USE });
        expect(attempt).toBeLessThan(10);
      }
      // Cancelling the client stops the profile (Go's sleep watches the request context; Node's AbortSignal).
      await expect.poll(async () => (await request(`${server.origin}/debug/pprof/profile?seconds=1`)).status, { timeout: 15_000, interval: 100 }).toBe(200);
    }
  });
});
