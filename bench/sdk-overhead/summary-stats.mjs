// Order statistics for pooling per-process figures: median and interquartile range
// (linear interpolation between closest ranks).

export function quantile(values, q) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** { n, median, p25, p75, min, max } of the finite values. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    n: v.length, median: quantile(v, 0.5), p25: quantile(v, 0.25), p75: quantile(v, 0.75),
    min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN,
  };
}

// Small deterministic PRNG (mulberry32) so a report's bootstrap intervals (and the heavy corpus'
// generated services) are reproducible.
export function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Percentile-bootstrap 95 % interval of median(a) / median(b), resampling processes of each arm
 * independently. Says how sure a ratio of medians is given the process-to-process spread.
 */
export function bootstrapMedianRatio(a, b, { resamples = 4000, seed = 1 } = {}) {
  const va = a.filter(Number.isFinite);
  const vb = b.filter(Number.isFinite);
  if (va.length === 0 || vb.length === 0) return { ratio: NaN, low: NaN, high: NaN };
  const random = makeRandom(seed);
  const draw = (v) => quantile(Array.from(v, () => v[Math.floor(random() * v.length)]), 0.5);
  const ratios = Array.from({ length: resamples }, () => draw(va) / draw(vb));
  return { ratio: quantile(va, 0.5) / quantile(vb, 0.5), low: quantile(ratios, 0.025), high: quantile(ratios, 0.975) };
}
