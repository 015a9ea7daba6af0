// Catalogue of arms: what each one runs in the server process (env read by profiler-arms.mjs).
// `none` is the baseline every ratio is taken against; it is always run.

export const ARMS = {
  'none': { env: { BENCH_PROFILER: 'none' }, about: 'no profiler' },
  'raw-pprof': {
    env: { BENCH_PROFILER: 'raw-pprof' },
    about: '@datadog/pprof 5.20.0 alone: wall 100 Hz + CPU time + heap 512 KiB/64, rotate+encode every 15 s, no export',
  },
  'kprof-sdk': {
    env: { BENCH_PROFILER: 'kprof-sdk' },
    about: '@kprof/sdk defaults, withLabels({route}) per request, push every 15 s to the local sink',
  },
  'pyroscope': {
    env: { BENCH_PROFILER: 'pyroscope' },
    about: '@pyroscope/nodejs 0.6.4 defaults (wall 100 Hz, no CPU time, heap 512 KiB/64), flush every 10 s to the local sink',
  },
  // Extra arms for the ablation of the engine's cost and for like-for-like comparisons.
  'raw-no-cpu-time': { env: { BENCH_PROFILER: 'raw-pprof', BENCH_RAW_CPU_TIME: '0' }, about: 'raw-pprof without CPU-time collection' },
  'raw-50hz': { env: { BENCH_PROFILER: 'raw-pprof', BENCH_RAW_INTERVAL_US: '20000' }, about: 'raw-pprof at 50 Hz' },
  'raw-no-heap': { env: { BENCH_PROFILER: 'raw-pprof', BENCH_RAW_HEAP: '0' }, about: 'raw-pprof without heap sampling' },
  'kprof-sdk-no-labels': { env: { BENCH_PROFILER: 'kprof-sdk', BENCH_KPROF_LABELS: '0' }, about: '@kprof/sdk defaults, no withLabels' },
  'pyroscope-cpu-time': {
    env: { BENCH_PROFILER: 'pyroscope', BENCH_PYROSCOPE_CPU_TIME: '1' },
    about: '@pyroscope/nodejs 0.6.4 as above plus wall.collectCpuTime (the SDK\'s engine settings)',
  },
};

export const DEFAULT_ARMS = ['none', 'raw-pprof', 'kprof-sdk', 'pyroscope'];
