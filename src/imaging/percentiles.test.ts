import { distribution, percentile } from './percentiles';

describe('percentile (type 7)', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75);
    expect(percentile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5);
    expect(percentile([10], 0.75)).toBe(10);
  });

  it('sorts numerically, not as text', () => {
    expect(distribution([100, 9, 20, 3, 50])).toEqual({ count: 5, min: 3, p25: 9, median: 20, p75: 50, max: 100 });
    expect(distribution([])).toBeUndefined();
  });
});
