// The heavy corpus: Node time profiles pushed by @kprof/sdk from the generated 300-handler Express
// service and Go CPU profiles from the generated 400-function Go service, both under load that
// changes every few seconds (route mix and hot set, connections, work size). A corpus directory
// holds node-<k>.pb.gz and go-<k>.pb.gz (the bytes as the SDK pushed them / as
// /debug/pprof/profile answered) and corpus.json (how it was made, and each file's figures).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureGoProfiles, captureSdkPushes, counter, loadLoop, startGoService } from '../server-query/profile-corpus.mjs';
import { profileStats, statsSummary } from './corpus-stats.mjs';
import { generateGoService } from './go-service-gen.mjs';
import { generateNodeService } from './node-service-gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CORPUS_DIR = join(here, '..', 'results', 'heavy-corpus');
const NODE_SEED = 1;
const GO_SEED = 2;

/**
 * Changing load over `routes` (from a generator's routes.json): phases of `phaseMs`, each with its
 * own connection count, work size and hot set: `hot` routes from an offset that moves every
 * phase (all routes when `hot` is unset), drawn with a skew (index ∝ u^skew), so the busiest
 * handlers change from phase to phase.
 */
function routeLoad(base, routes, stop, { phaseMs, concurrencies, sizes, skew, hot = routes.length }) {
  return loadLoop(stop, phaseMs, concurrencies, (phase, slot) => {
    const offset = (phase * 53) % routes.length;
    const r = routes[(offset + Math.floor(Math.random() ** skew * hot)) % routes.length];
    const url = `${base}${r.path}?size=${sizes[phase % sizes.length]}&id=${slot}`;
    return r.method === 'post'
      ? fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: slot, items: [1, 2, 3], note: 'bench' }) })
      : fetch(url);
  });
}

const NODE_LOAD = { phaseMs: 5_000, concurrencies: [2, 6, 3, 9, 4, 10, 2, 7], sizes: [1, 2, 1, 3, 2, 4, 1, 2], skew: 1.5, hot: 32 };
const GO_LOAD = { phaseMs: 2_900, concurrencies: [3, 8, 4, 12, 6, 2, 10], sizes: [1, 2, 3, 1, 4, 2, 1], skew: 2.5 };

/**
 * Captures `nodeCount` Node and `goCount` Go profiles of `intervalS` into `dir`, with `jobs`
 * services of each kind running at once (each its own process; they share the file numbers).
 * `parallel` (default): the Node and Go services run at the same time; on 2 cores the Go service
 * then gets about a core, which gives the issue's sample counts (alone it takes ~1.8 cores and its
 * profiles are ~25 % larger); `parallel: false` captures Node first, then Go (twice the time).
 * The services' sources are generated into `dir`/node-service and `dir`/go-service.
 */
export async function captureHeavyCorpus({ dir, nodeCount, goCount, intervalS = 10, jobs = 1, parallel = true, log = () => {} }) {
  mkdirSync(dir, { recursive: true });
  const started = new Date();
  const loadAtStart = loadavg();
  const nodeSrc = join(dir, 'node-service');
  const goSrc = join(dir, 'go-service');
  for (const kind of ['node', 'go']) for (const f of kindFiles(dir, kind)) rmSync(f);
  rmSync(nodeSrc, { recursive: true, force: true });
  rmSync(goSrc, { recursive: true, force: true });
  const { routes: nodeRoutes } = generateNodeService(nodeSrc, { seed: NODE_SEED });
  const { routes: goRoutes } = generateGoService(goSrc, { seed: GO_SEED });
  const nodeClaim = counter(nodeCount);
  const goClaim = counter(goCount);
  const nodeJob = () =>
    captureSdkPushes({
      dir,
      script: join(here, 'node-service.mjs'),
      args: [nodeSrc],
      env: { KPROF_UPLOAD_INTERVAL_MS: String(intervalS * 1000) },
      claim: nodeClaim,
      skip: 1, // the first window holds start-up and JIT warm-up
      load: (base, stop) => routeLoad(base, nodeRoutes, stop, NODE_LOAD),
      log: (m) => log(`${m} (of ${nodeCount})`),
    });
  const goJob = async (j) => {
    const { base, child } = await startGoService(goSrc, join(goSrc, `heavygo-${j}`));
    try {
      // Warm-up: one window of load before the first profile.
      const stop = { done: false };
      const warm = routeLoad(base, goRoutes, stop, GO_LOAD);
      await new Promise((r) => setTimeout(r, intervalS * 1000));
      stop.done = true;
      await warm;
      return await captureGoProfiles({ dir, base, intervalS, claim: goClaim, load: (s) => routeLoad(base, goRoutes, s, GO_LOAD), log: (m) => log(`${m} (of ${goCount})`) });
    } finally {
      child.kill('SIGKILL');
    }
  };
  const nodeJobs = () => Promise.all(Array.from({ length: nodeCount > 0 ? jobs : 0 }, nodeJob));
  const goJobs = () => Promise.all(Array.from({ length: goCount > 0 ? jobs : 0 }, (_, j) => goJob(j)));
  if (parallel) await Promise.all([nodeJobs(), goJobs()]);
  else {
    await nodeJobs();
    await goJobs();
  }
  const manifest = {
    captured: started.toISOString(),
    capturedSeconds: (Date.now() - started.getTime()) / 1000,
    loadAvgAtStart: loadAtStart,
    loadAvgAtEnd: loadavg(),
    commit: gitCommit(),
    node: process.version,
    intervalS,
    jobs,
    parallel,
    generators: {
      node: { seed: NODE_SEED, handlers: nodeRoutes.length, source: 'node-service-gen.mjs + node-service.mjs (@kprof/sdk defaults, withLabels({ area }))', load: NODE_LOAD },
      go: { seed: GO_SEED, handlers: goRoutes.length, source: 'go-service-gen.mjs (net/http/pprof /debug/pprof/profile)', load: GO_LOAD },
    },
  };
  writeFileSync(join(dir, 'corpus.json'), JSON.stringify(manifest, null, 2));
  return loadHeavyCorpus(dir);
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Files of one kind in a corpus dir, in order: node-0, node-1, … until one is missing. */
function kindFiles(dir, kind) {
  const out = [];
  for (let k = 0; existsSync(join(dir, `${kind}-${k}.pb.gz`)); k++) out.push(join(dir, `${kind}-${k}.pb.gz`));
  return out;
}

/**
 * Reads a corpus dir: { dir, manifest, node: [entry], go: [entry] }, entry = { file, name, gz,
 * ...profileStats }. Throws if it has no corpus.json or no files of a kind.
 */
export function loadHeavyCorpus(dir) {
  const manifestFile = join(dir, 'corpus.json');
  if (!existsSync(manifestFile)) throw new Error(`${dir} has no corpus.json: capture with node bench/heavy-corpus/capture.mjs --out ${dir}`);
  const corpus = { dir, manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) };
  for (const kind of ['node', 'go']) {
    const files = kindFiles(dir, kind);
    if (files.length === 0) throw new Error(`${dir} has no ${kind}-0.pb.gz`);
    corpus[kind] = files.map((file) => {
      const gz = readFileSync(file);
      return { file, name: file.slice(dir.length + 1), gz, ...profileStats(gz) };
    });
  }
  return corpus;
}

/**
 * The corpus in `dir` if it is there, else one captured into it (`count` of each kind): what the
 * benches call, so a corpus is captured once and reused across runs and builds.
 */
export async function ensureHeavyCorpus(dir, { count = 32, log = () => {} } = {}) {
  if (existsSync(join(dir, 'corpus.json'))) {
    const corpus = loadHeavyCorpus(dir);
    log(`heavy corpus: ${dir} (${corpus.node.length} Node, ${corpus.go.length} Go profiles, captured ${corpus.manifest.captured})`);
    return corpus;
  }
  log(`heavy corpus: capturing ${count} Node + ${count} Go profiles of 10 s into ${dir} (≈ ${Math.ceil((count * 10) / 60) + 1} min)…`);
  return captureHeavyCorpus({ dir, nodeCount: count, goCount: count, log });
}

/** One line per kind: mean figures of the corpus, for reports. */
export function corpusSummaryLines(corpus) {
  return ['node', 'go'].map((kind) => {
    const s = statsSummary(corpus[kind]);
    return `${kind}: ${s.files} profiles, mean ${s.gzKB.toFixed(1)} KB gz / ${s.rawKB.toFixed(1)} KB raw, ${s.samples.toFixed(0)} samples, ${s.locations.toFixed(0)} locations, ${s.functions.toFixed(0)} functions, stack depth mean ${s.meanDepth.toFixed(1)} (max ${s.maxDepth})`;
  });
}
