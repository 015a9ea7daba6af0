// What the heavy server benches share. They drive server-lite only through its CLI (a build's
// dist/cli.js) and HTTP, and read only what any storage layout has: the data directory's files,
// the process's /proc figures, and the server's answers.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { SERVER_DIR, cpuSecondsOf } from '../server-query/server-process.mjs';

/** The 1-, 5- and 15-minute load averages, as "a b c". */
export const loadAvgText = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function commitOf(dir) {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The builds a bench compares: `--server-dir` (default this checkout's packages/server-lite) and,
 * with `--baseline-server-dir`, a second one run side by side. [{ key, dir, commit }], key
 * 'server' / 'baseline'.
 */
export function readBuilds(serverDir, baselineDir) {
  const builds = [{ key: 'server', dir: resolve(serverDir ?? SERVER_DIR) }];
  if (baselineDir) builds.push({ key: 'baseline', dir: resolve(baselineDir) });
  return builds.map((b) => ({ ...b, commit: commitOf(b.dir) }));
}

/** The order builds run in round `r`: rotated each round, so neither always goes first. */
export const roundOrder = (builds, r) => builds.map((_, i) => builds[(i + r) % builds.length]);

/** Bytes of every file under `dir` (apparent sizes) and the blocks they hold on disk. */
export function dirBytes(dir) {
  let bytes = 0;
  let allocated = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const st = statSync(join(e.parentPath ?? e.path, e.name));
    bytes += st.size;
    allocated += st.blocks * 512;
    files++;
  }
  return { bytes, allocated, files };
}

/**
 * Waits until the server has finished its background work (rollups, compaction, flushes, whatever
 * its storage does): its CPU time grows by at most `maxCores` × the window and the data dir's
 * bytes do not change, over `windowS` seconds. Every storage layout is observed the same way.
 * Returns seconds waited; throws after `timeoutS`.
 */
export async function waitForQuiet(pid, dataDir, { windowS = 12, maxCores = 0.02, timeoutS = 1800 } = {}) {
  const started = performance.now();
  for (;;) {
    const cpu0 = cpuSecondsOf(pid);
    const bytes0 = dirBytes(dataDir).bytes;
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const cpu = cpuSecondsOf(pid) - cpu0;
    const bytes = dirBytes(dataDir).bytes;
    if (cpu <= maxCores * windowS && bytes === bytes0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutS * 1000) throw new Error(`server still busy after ${timeoutS} s (${cpu.toFixed(2)} CPU-s in the last ${windowS} s)`);
  }
}

/** GET /render as JSON; { status, ms, numTicks, body }. */
export async function renderJson(url, params) {
  const t = performance.now();
  const res = await fetch(`${url}/render?${new URLSearchParams({ format: 'json', ...params })}`);
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) return { status: res.status, ms, body: text };
  return { status: 200, ms, numTicks: JSON.parse(text).flamebearer.numTicks };
}

/**
 * Polls /render until every check's total (flamebearer numTicks of `query` over [from, until))
 * equals its `expected` sum — i.e. every profile sent is queryable; throws if a total goes past
 * it (profiles counted twice), a query fails, or `timeoutS` passes. Returns { polls, lastMs }.
 */
export async function waitQueryable(url, checks, { timeoutS = 300, pollMs = 50 } = {}) {
  const started = performance.now();
  for (let polls = 1; ; polls++) {
    let pending = 0;
    let lastMs = 0;
    for (const c of checks) {
      const r = await renderJson(url, { query: c.query, from: String(c.from), until: String(c.until), maxNodes: '1' });
      lastMs += r.ms;
      if (r.status !== 200) throw new Error(`/render ${c.query} answered ${r.status}: ${r.body.slice(0, 300)}`);
      if (r.numTicks > c.expected) throw new Error(`/render ${c.query}: total ${r.numTicks} is over the ${c.expected} sent`);
      if (r.numTicks < c.expected) pending++;
      c.seen = r.numTicks;
    }
    if (pending === 0) return { polls, lastMs };
    if (performance.now() - started > timeoutS * 1000) {
      throw new Error(`not every profile became queryable in ${timeoutS} s: ${checks.map((c) => `${c.query} ${c.seen} of ${c.expected}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const BOUNDARY = 'kprofbench0123456789';
/** A multipart/form-data body with one `profile` part, as Pyroscope's Go agent sends it. */
export function multipartBody(gz) {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="profile"; filename="profile.pprof"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    gz,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/**
 * How a corpus entry is posted: Node as the SDK pushes it (format=pprof, gzipped body), Go as
 * multipart with a `profile` part (`multipart` true) or as format=pprof. { params, body, headers }
 * without name/from/until.
 */
export function ingestRequest(kind, entry, { multipart = false } = {}) {
  if (kind === 'go' && multipart) {
    entry.multipart ??= multipartBody(entry.gz);
    return { params: { spyName: 'gospy', sampleRate: '100' }, body: entry.multipart, headers: { 'content-type': MULTIPART_TYPE } };
  }
  return {
    params: { format: 'pprof', spyName: kind === 'go' ? 'gospy' : 'nodespy', sampleRate: '100' },
    body: entry.gz,
    headers: { 'content-type': 'application/octet-stream' },
  };
}

/**
 * gunzip + pprof-format decode of each file in a loop, `secondsEach` per file: profiles per
 * CPU-second of this thread, per file, and for a mix where file i is sent with weight w[i]
 * (the weighted harmonic mean).
 */
export function decodeRates(entries, secondsEach, weights = entries.map(() => 1)) {
  const perFile = entries.map((e) => {
    for (let i = 0; i < 10; i++) Profile.decode(gunzipSync(e.gz)); // warm the JIT
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < secondsEach * 1000) {
      Profile.decode(gunzipSync(e.gz));
      n++;
    }
    const c = process.cpuUsage(c0);
    return n / ((c.user + c.system) / 1e6);
  });
  const wsum = weights.reduce((a, b) => a + b, 0);
  const mix = wsum / perFile.reduce((s, r, i) => s + weights[i] / r, 0);
  return { perFile, mix };
}

/** The median of a list (the lower middle one for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Formats a number with thousands separators and `d` decimals. */
export const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
