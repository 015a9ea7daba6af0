// Captures a corpus of real, varied profiles for the server-lite benchmarks:
// - Node: the sdk-overhead Express app with @kprof/sdk (its defaults, labels per route) pushing
//   every `intervalS` to a local sink here; the wall/CPU time profiles it pushes are kept as-is.
// - Go: examples/go-service (net/http, sha256 chains, allocations) profiled through its own
//   /debug/pprof/profile?seconds=intervalS.
// Both run under load that changes every few seconds (concurrency, route mix, work size), so no
// two profiles are alike. Files land in `dir` as node-<i>.pb.gz and go-<i>.pb.gz (gzipped pprof,
// exactly the bytes the SDK / Go runtime produced).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function sampleTypeNames(gz) {
  const p = Profile.decode(gunzipSync(gz));
  return p.sampleType.map((t) => p.stringTable.strings[Number(t.type)]);
}

// Changing load: each phase lasts `phaseMs`; `fire(phase, slot)` issues one request (a fetch
// promise); `concurrencies[phase % n]` requests are in flight during a phase.
export async function loadLoop(stop, phaseMs, concurrencies, fire) {
  let phase = 0;
  const started = Date.now();
  const worker = async (slot) => {
    while (!stop.done) {
      phase = Math.floor((Date.now() - started) / phaseMs);
      if (slot >= concurrencies[phase % concurrencies.length]) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        const res = await fire(phase, slot);
        await res.arrayBuffer();
      } catch {
        if (!stop.done) await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(...concurrencies) }, (_, i) => worker(i)));
}

/**
 * Runs `script` (a Node service that starts @kprof/sdk with serverAddress = BENCH_SINK_URL and
 * says { type: 'ready', port } over IPC) under `load(base, stop)` and keeps the time profiles
 * (those with a `wall` sample type) it pushes to a sink here, byte for byte, as
 * `<dir>/node-<k>.pb.gz` with k from `claim()` (a {@link counter}: stops once `claim.done()`); the first `skip`
 * time profiles (start-up) are dropped. Resolves with [{ file, bytes, query }], query = the
 * push's URL parameters.
 */
export async function captureSdkPushes({ dir, script, args = [], env = {}, claim, skip = 0, load, log }) {
  const files = [];
  let seen = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const sink = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      const body = Buffer.concat(chunks);
      try {
        if (!sampleTypeNames(body).includes('wall') || seen++ < skip) return;
      } catch {
        return;
      }
      const k = claim();
      if (k < 0) return;
      const file = join(dir, `node-${k}.pb.gz`);
      writeFileSync(file, body);
      files.push({ file, bytes: body.length, query: Object.fromEntries(new URL(req.url, 'http://sink').searchParams) });
      log(`node profile ${k}: ${body.length} bytes`);
      if (claim.done()) resolveDone();
    });
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env, BENCH_SINK_URL: `http://127.0.0.1:${sink.address().port}` },
  });
  const stop = { done: false };
  try {
    const [ready] = await Promise.race([once(child, 'message'), once(child, 'exit').then(([code]) => Promise.reject(new Error(`${script} exited (${code})`)))]);
    const running = load(`http://127.0.0.1:${ready.port}`, stop);
    await done;
    stop.done = true;
    await running;
  } finally {
    stop.done = true;
    child.kill('SIGKILL');
    sink.closeAllConnections();
    sink.close();
  }
  return files;
}

/** Builds the Go module in `srcDir` into `bin` and runs it with `-listen 127.0.0.1:0`; resolves with { base, child }. */
export async function startGoService(srcDir, bin) {
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: srcDir, env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const child = spawn(bin, ['-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}`)));
    });
    return { base, child };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/**
 * Takes CPU profiles of `intervalS` seconds from the Go service at `base` through its
 * /debug/pprof/profile, as `<dir>/go-<k>.pb.gz` with k from `claim()` (-1: stop), while
 * `load(stop)` runs. Resolves with [{ file, bytes }].
 */
export async function captureGoProfiles({ dir, base, intervalS, claim, load, log }) {
  const stop = { done: false };
  const files = [];
  const running = load(stop);
  try {
    for (let k = claim(); k >= 0; k = claim()) {
      const res = await fetch(`${base}/debug/pprof/profile?seconds=${intervalS}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (!res.ok) throw new Error(`${base}/debug/pprof/profile answered ${res.status}: ${body.toString().slice(0, 200)}`);
      const file = join(dir, `go-${k}.pb.gz`);
      writeFileSync(file, body);
      files.push({ file, bytes: body.length });
      log(`go profile ${k}: ${body.length} bytes`);
    }
  } finally {
    stop.done = true;
    await running;
  }
  return files;
}

/** claim() for `count` files numbered from 0, shared by concurrent captures; claim.done() once all are claimed. */
export function counter(count) {
  let next = 0;
  const claim = () => (next < count ? next++ : -1);
  claim.done = () => next >= count;
  return claim;
}

async function captureNode(dir, count, intervalS, log) {
  const routes = ['users', 'orders'];
  return captureSdkPushes({
    dir,
    script: join(repo, 'bench', 'sdk-overhead', 'server.mjs'),
    env: { BENCH_PROFILER: 'kprof-sdk', BENCH_APP_NAME: 'corpus', KPROF_UPLOAD_INTERVAL_MS: String(intervalS * 1000) },
    claim: counter(count),
    load: (base, stop) => loadLoop(stop, 3_700, [1, 6, 3, 10, 2, 8], (phase, slot) => fetch(`${base}/${routes[(phase + slot) % 3 === 0 ? 1 : 0]}/${slot}`)),
    log: (m) => log(`${m} (of ${count})`),
  });
}

async function captureGo(dir, count, intervalS, log) {
  const { base, child } = await startGoService(join(repo, 'examples', 'go-service'), join(dir, 'go-service'));
  try {
    return await captureGoProfiles({
      dir,
      base,
      intervalS,
      claim: counter(count),
      load: (stop) =>
        loadLoop(stop, 2_900, [2, 1, 5, 3, 8], (phase, slot) =>
          slot % 3 === 2 ? fetch(`${base}/alloc?kib=${64 << phase % 5}`) : fetch(`${base}/cpu?rounds=${20_000 * (1 + ((phase * 7 + slot) % 9))}`),
        ),
      log: (m) => log(`${m} (of ${count})`),
    });
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * Captures `nodeCount` Node time profiles and `goCount` Go CPU profiles, each covering
 * `intervalS` seconds, concurrently. Returns { node: [{file, bytes}], go: [{file, bytes}] }.
 */
export async function captureCorpus({ dir, nodeCount, goCount, intervalS = 10, log = () => {} }) {
  const [node, go] = await Promise.all([captureNode(dir, nodeCount, intervalS, log), captureGo(dir, goCount, intervalS, log)]);
  return { node, go };
}
