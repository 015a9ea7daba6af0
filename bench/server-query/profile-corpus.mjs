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

// Changing load: each phase lasts `phaseMs`; `fire(phase)` issues one request.
async function loadLoop(stop, phaseMs, concurrencies, fire) {
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

async function captureNode(dir, count, intervalS, log) {
  const files = [];
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const sink = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end();
      const body = Buffer.concat(chunks);
      try {
        if (!sampleTypeNames(body).includes('wall') || files.length >= count) return;
      } catch {
        return;
      }
      const file = join(dir, `node-${files.length}.pb.gz`);
      writeFileSync(file, body);
      files.push({ file, bytes: body.length });
      log(`node profile ${files.length}/${count}: ${body.length} bytes`);
      if (files.length >= count) resolveDone();
    });
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const child = spawn(process.execPath, [join(repo, 'bench', 'sdk-overhead', 'server.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_PROFILER: 'kprof-sdk',
      BENCH_SINK_URL: `http://127.0.0.1:${sink.address().port}`,
      BENCH_APP_NAME: 'corpus',
      KPROF_UPLOAD_INTERVAL_MS: String(intervalS * 1000),
    },
  });
  const stop = { done: false };
  try {
    const [ready] = await once(child, 'message');
    const base = `http://127.0.0.1:${ready.port}`;
    const routes = ['users', 'orders'];
    const load = loadLoop(stop, 3_700, [1, 6, 3, 10, 2, 8], (phase, slot) =>
      fetch(`${base}/${routes[(phase + slot) % 3 === 0 ? 1 : 0]}/${slot}`),
    );
    await done;
    stop.done = true;
    await load;
  } finally {
    stop.done = true;
    child.kill('SIGKILL');
    sink.closeAllConnections();
    sink.close();
  }
  return files;
}

async function captureGo(dir, count, intervalS, log) {
  const bin = join(dir, 'go-service');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: join(repo, 'examples', 'go-service'), env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const child = spawn(bin, ['-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = { done: false };
  const files = [];
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`go-service exited with ${code}`)));
    });
    const load = loadLoop(stop, 2_900, [2, 1, 5, 3, 8], (phase, slot) =>
      slot % 3 === 2
        ? fetch(`${base}/alloc?kib=${64 << phase % 5}`)
        : fetch(`${base}/cpu?rounds=${20_000 * (1 + ((phase * 7 + slot) % 9))}`),
    );
    while (files.length < count) {
      const res = await fetch(`${base}/debug/pprof/profile?seconds=${intervalS}`);
      const body = Buffer.from(await res.arrayBuffer());
      const file = join(dir, `go-${files.length}.pb.gz`);
      writeFileSync(file, body);
      files.push({ file, bytes: body.length });
      log(`go profile ${files.length}/${count}: ${body.length} bytes`);
    }
    stop.done = true;
    await load;
  } finally {
    stop.done = true;
    child.kill('SIGKILL');
  }
  return files;
}

/**
 * Captures `nodeCount` Node time profiles and `goCount` Go CPU profiles, each covering
 * `intervalS` seconds, concurrently. Returns { node: [{file, bytes}], go: [{file, bytes}] }.
 */
export async function captureCorpus({ dir, nodeCount, goCount, intervalS = 10, log = () => {} }) {
  const [node, go] = await Promise.all([captureNode(dir, nodeCount, intervalS, log), captureGo(dir, goCount, intervalS, log)]);
  return { node, go };
}
