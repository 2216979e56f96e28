import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goodRange } from '../../src/analysis/good-range.ts';
import { percentile } from '../../src/analysis/stats.ts';

describe('analysis/good-range', () => {
  it('computes numpy-style linear percentiles', () => {
    assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
    assert.ok(Math.abs(percentile([1, 2, 3, 4], 2.5) - 1.075) < 1e-12);
    assert.ok(Math.abs(percentile([1, 2, 3, 4], 97.5) - 3.925) < 1e-12);
    assert.equal(percentile([7], 97.5), 7);
    assert.throws(() => percentile([1], 101), /percentile: p must be a number from 0 to 100, got 101/);
  });

  it('follows the distribution of the best of a quarter (hand-computed)', () => {
    // 8 runs, value = error rank; each resample draws floor(8 * 0.25) = 2 with replacement. The best of two has rank r
    // with P(rank <= r) = 1 - ((8 - r) / 8)^2: 0.234, 0.438, 0.609, ..., 0.9375 (r = 6), 0.984 (r = 7).
    // So the median is 3, the 2.5th percentile 1 and the 97.5th 7.
    const values = [1, 2, 3, 4, 5, 6, 7, 8];
    const errors = values.map((v) => 0.1 + v / 100);
    const range = goodRange(values, errors, { resamples: 20000, seed: 5 });
    assert.deepEqual(range, { low: 1, median: 3, high: 7, sampleSize: 2 });
  });

  it('keeps the value of the best run when every resample holds all runs often', () => {
    // sample = 1 with 40 runs: P(best run missing from a resample) = (39/40)^40 = 0.36, so the median is the best's value
    // and values of runs ranked 2nd or 3rd show up at the high end.
    const values = Array.from({ length: 40 }, (_, i) => 100 + i);
    const errors = values.map((_, i) => i / 100);
    const range = goodRange(values, errors, { sample: 1, resamples: 4000, seed: 1 });
    assert.equal(range.low, 100);
    assert.equal(range.median, 100);
    assert.ok(range.high >= 101 && range.high <= 104, String(range.high));
    assert.equal(range.sampleSize, 40);
  });

  it('is reproducible and names bad options', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    const errors = values.map((v, i) => ((v * 7 + i * 3) % 11) / 20);
    assert.deepEqual(goodRange(values, errors, { seed: 9 }), goodRange(values, errors, { seed: 9 }));
    assert.deepEqual(goodRange([4, 4, 4], [0.3, 0.2, 0.1]), { low: 4, median: 4, high: 4, sampleSize: 1 });
    assert.throws(() => goodRange(values, errors, { sample: 0 }), /goodRange: sample must be a number greater than 0 and at most 1, got 0/);
    assert.throws(() => goodRange(values, errors, { resamples: 1.5 }), /goodRange: resamples must be a positive integer, got 1.5/);
    assert.throws(() => goodRange([1, 2], [0.1]), /goodRange: values has 2 values but errors has 1/);
    assert.throws(() => goodRange([], []), /goodRange values: needs at least one value/);
  });
});
