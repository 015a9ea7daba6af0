// Server side of the arms: starts the profiler an arm asks for (from env set by the harness) and
// says how a route handler is wrapped. Each arm runs in its own fresh server process.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Engine settings the SDK uses by default (SDK-CONTRACT.md): 100 Hz wall, CPU time, 512 KiB / 64 heap. */
const SDK_ENGINE = { intervalMicros: 10_000, collectCpuTime: true, heapIntervalBytes: 524_288, heapStackDepth: 64 };
const SDK_ROTATE_MS = 15_000;

function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name}=${raw} is not a number`);
  return n;
}
function envBool(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw === '1' || raw === 'true';
}

const unwrapped = (_route, fn) => fn();

/**
 * The engine alone: @datadog/pprof with the SDK's sampling settings, rotated and encoded every
 * 15 s like the SDK does, profiles dropped (no export). No labels are set. Env knobs exist for the
 * ablation arms: BENCH_RAW_INTERVAL_US, BENCH_RAW_CPU_TIME, BENCH_RAW_HEAP.
 */
function startRawPprof(counters) {
  const { time, heap, encode } = require('@datadog/pprof');
  const intervalMicros = envNumber('BENCH_RAW_INTERVAL_US', SDK_ENGINE.intervalMicros);
  const collectCpuTime = envBool('BENCH_RAW_CPU_TIME', SDK_ENGINE.collectCpuTime);
  const heapOn = envBool('BENCH_RAW_HEAP', true);
  // durationMillis only bounds profile(); with start/stop(restart) the rotation timer decides.
  time.start({ intervalMicros, withContexts: true, collectCpuTime, workaroundV8Bug: true });
  if (heapOn) heap.start(SDK_ENGINE.heapIntervalBytes, SDK_ENGINE.heapStackDepth);
  let rotating = false;
  const timer = setInterval(async () => {
    if (rotating) { counters.skippedRotations++; return; }
    rotating = true;
    try {
      const timeBytes = await encode(time.stop(true));
      counters.encodedBytes += timeBytes.length;
      if (heapOn) counters.encodedBytes += (await encode(heap.profile())).length;
      counters.rotations++;
    } finally {
      rotating = false;
    }
  }, SDK_ROTATE_MS);
  timer.unref();
  return { wrap: unwrapped, describe: { intervalMicros, collectCpuTime, heap: heapOn, rotateMs: SDK_ROTATE_MS } };
}

/** @kprof/sdk with its defaults, per-request labels, pushing to the harness' sink. */
function startKprofSdk(sink, appName) {
  // The harness hands a frozen copy of the built SDK (sdk-snapshot.mjs), so every process of a run measures one build.
  const sdk = require(process.env.BENCH_KPROF_SDK_DIR || '@kprof/sdk');
  if (typeof sdk.start !== 'function') throw new Error('@kprof/sdk has no start(): build packages/sdk first');
  sdk.start({ appName, serverAddress: sink, tags: { bench: 'sdk_overhead' } });
  const labels = envBool('BENCH_KPROF_LABELS', true);
  const wrap = labels ? (route, fn) => sdk.withLabels({ route }, fn) : unwrapped;
  return { wrap, describe: { labels }, stats: () => sdk.stats?.() };
}

/**
 * @pyroscope/nodejs 0.6.4 with its defaults except the flush interval: 10 s (default 60 s), the
 * interval the reference figures were measured with. Its defaults are 100 Hz wall,
 * no CPU time, heap 512 KiB / 64. No labels: its wrapWithLabels only covers synchronous code.
 * BENCH_PYROSCOPE_CPU_TIME=1 turns CPU time on (an extra arm, same settings as the SDK).
 */
function startPyroscope(sink, appName) {
  const Pyroscope = require('@pyroscope/nodejs');
  const collectCpuTime = envBool('BENCH_PYROSCOPE_CPU_TIME', false);
  Pyroscope.init({
    appName,
    serverAddress: sink,
    flushIntervalMs: 10_000,
    tags: { bench: 'sdk_overhead' },
    ...(collectCpuTime ? { wall: { collectCpuTime: true } } : {}),
  });
  Pyroscope.start();
  return { wrap: unwrapped, describe: { flushIntervalMs: 10_000, collectCpuTime } };
}

/**
 * Starts the profiler named by BENCH_PROFILER (none | raw-pprof | kprof-sdk | pyroscope).
 * Returns { wrap(route, fn), describe, stats? }.
 */
export function startArmProfiler(counters) {
  const kind = process.env.BENCH_PROFILER ?? 'none';
  const sink = process.env.BENCH_SINK_URL ?? 'http://127.0.0.1:9';
  const appName = process.env.BENCH_APP_NAME ?? 'bench';
  switch (kind) {
    case 'none': return { wrap: unwrapped, describe: {} };
    case 'raw-pprof': return startRawPprof(counters);
    case 'kprof-sdk': return startKprofSdk(sink, appName);
    case 'pyroscope': return startPyroscope(sink, appName);
    default: throw new Error(`BENCH_PROFILER=${kind} is not one of none, raw-pprof, kprof-sdk, pyroscope`);
  }
}
