// Tests of src/analysis/holm.ts against hand-worked adjustments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holmAdjust } from '../../src/analysis/holm.ts';

const close = (actual: number[], expected: number[]): void =>
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 1e-12, `[${i}] ${a} vs ${expected[i]}`));

describe('analysis/holm', () => {
  it('multiplies the i-th smallest of m p-values by m - i + 1 and keeps them non-decreasing, in input order', () => {
    // Sorted: 0.005 x 4 = 0.02; 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 to stay monotone.
    // statsmodels 0.15's multipletests([0.01, 0.04, 0.03, 0.005], method='holm') gives the same.
    close(holmAdjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
    // Capped at 1.
    close(holmAdjust([0.5, 0.6]), [1, 1]);
    // One test: unchanged.
    close(holmAdjust([0.03]), [0.03]);
    assert.deepEqual(holmAdjust([]), []);
  });
});
