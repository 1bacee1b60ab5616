/**
 * Percentile by linear interpolation between closest ranks (Hyndman & Fan type 7, the default of R, NumPy
 * and spreadsheets' PERCENTILE.INC): h = (n − 1)·p, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * `sorted` must be ascending and non-empty.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface Distribution {
  count: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export function distribution(values: number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  return { count: arr.length, min: arr[0], p25: percentile(arr, 0.25), median: percentile(arr, 0.5), p75: percentile(arr, 0.75), max: arr[arr.length - 1] };
}
