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
