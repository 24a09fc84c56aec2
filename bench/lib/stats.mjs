/** Statistics of the benchmark: percentiles, medians and min-max spreads over repetitions. */

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

/** The median of the finite values; NaN when there are none. */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** "median (min-max)" over repetitions. */
export function spread(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, runs: values };
}

/** Rounds to `d` decimals; null for anything that is not a finite number. */
export const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** a / b rounded, or null when either is missing or b is 0 (a ratio never pretends to be 0). */
export const ratio = (a, b, d = 2) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b, d) : null);
