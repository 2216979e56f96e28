// Tests of src/analysis/rank.ts: hand-computed coefficients with ties, scipy's values, and the seeded bootstrap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetspaceError } from '../../src/errors.ts';
import { averageRanks, kendallTauB, rankCorrelation, spearmanRho } from '../../src/analysis/rank.ts';

/**
 * scipy 1.17.1's spearmanr and kendalltau on these pairs, written by test/analysis/rank-fixtures.py (run it to
 * regenerate; the cases are defined there).
 */
const SCIPY_FIXTURES: Record<string, { x: number[]; y: number[]; spearman: number; kendall: number }> = {
  'no ties': {
    x: [0.31, 0.12, 0.45, 0.27, 0.18, 0.52, 0.09],
    y: [0.22, 0.15, 0.41, 0.3, 0.11, 0.4, 0.1],
    spearman: 0.8928571428571429,
    kendall: 0.7142857142857143,
  },
  'ties in x': {
    x: [1, 2, 2, 3, 4, 4, 4, 5],
    y: [2.0, 1.0, 3.0, 5.0, 4.0, 6.0, 5.5, 7.0],
    spearman: 0.8838515090524254,
    kendall: 0.7715167498104596,
  },
  'ties in both': {
    x: [0.1, 0.2, 0.2, 0.3, 0.3, 0.4],
    y: [0.5, 0.5, 0.6, 0.6, 0.7, 0.5],
    spearman: 0.25425669046549126,
    kendall: 0.25087260300212727,
  },
  'reversed with a tie': {
    x: [1, 2, 3, 4, 5],
    y: [5, 4, 3, 3, 1],
    spearman: -0.9746794344808964,
    kendall: -0.9486832980505137,
  },
  'errors at 2 and 8 epochs': {
    x: [0.182, 0.201, 0.175, 0.24, 0.199, 0.188, 0.26, 0.175, 0.221, 0.193, 0.305, 0.187],
    y: [0.121, 0.14, 0.119, 0.16, 0.128, 0.131, 0.171, 0.122, 0.15, 0.14, 0.199, 0.126],
    spearman: 0.9614035087719299,
    kendall: 0.8923076923076924,
  },
};

const near = (actual: number | null, expected: number, label = ''): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-12, `${label} ${actual} vs ${expected}`);
};

describe('analysis/rank', () => {
  it('gives tied values the mean of the ranks they span', () => {
    assert.deepEqual(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
    assert.deepEqual(averageRanks([0.3, 0.1, 0.3, 0.3, 0.2]), [4, 1, 4, 4, 2]);
    assert.deepEqual(averageRanks([]), []);
  });

  it('matches hand-computed rho and tau-b with ties', () => {
    // x = 1..5, y = 5 4 3 3 1: y's ranks 5 4 2.5 2.5 1; deviations (-2 -1 0 1 2) and (2 1 -0.5 -0.5 -2):
    // rho = -9.5 / sqrt(10 * 9.5) = -sqrt(0.95). Pairs: 10, one tied in y, 9 discordant: tau-b = -9 / sqrt(10 * 9).
    near(spearmanRho([1, 2, 3, 4, 5], [5, 4, 3, 3, 1]), -Math.sqrt(0.95));
    near(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 3, 1]), -9 / Math.sqrt(90));
    // x = .1 .2 .2 .3 .3 .4, y = .5 .5 .6 .6 .7 .5: of 15 pairs 6 concordant, 3 discordant, 2 tied in x, 4 tied in y:
    // tau-b = 3 / sqrt(13 * 11).
    near(kendallTauB([0.1, 0.2, 0.2, 0.3, 0.3, 0.4], [0.5, 0.5, 0.6, 0.6, 0.7, 0.5]), 3 / Math.sqrt(143));
    // Without ties rho is 1 - 6 sum d^2 / (n (n^2 - 1)): ranks (1 2 3 4) vs (2 1 4 3), sum d^2 = 4: 1 - 24/60 = 0.6.
    near(spearmanRho([1, 2, 3, 4], [20, 10, 40, 30]), 0.6);
    // ... and tau = (C - D) / 6 with C = 4, D = 2.
    near(kendallTauB([1, 2, 3, 4], [20, 10, 40, 30]), 2 / 6);
  });

  it('matches scipy.stats.spearmanr and kendalltau (tau-b)', () => {
    for (const [name, c] of Object.entries(SCIPY_FIXTURES)) {
      near(spearmanRho(c.x, c.y), c.spearman, `${name}: rho`);
      near(kendallTauB(c.x, c.y), c.kendall, `${name}: tau-b`);
    }
  });

  it('is null where no ranking exists and refuses unpaired or non-finite input', () => {
    assert.equal(spearmanRho([1, 1, 1], [1, 2, 3]), null);
    assert.equal(kendallTauB([1, 2, 3], [4, 4, 4]), null);
    assert.equal(spearmanRho([1], [2]), null);
    assert.equal(kendallTauB([], []), null);
    assert.throws(() => spearmanRho([1, 2], [1]), (e: unknown) => e instanceof NetspaceError && /x has 2 values but y has 1/.test(e.message));
    assert.throws(() => kendallTauB([1, NaN], [1, 2]), (e: unknown) => e instanceof NetspaceError && /kendallTauB x: value \[1\]/.test(e.message));
  });

  it('puts seeded percentile bootstrap intervals around both coefficients', () => {
    const c = SCIPY_FIXTURES['errors at 2 and 8 epochs']!;
    const r = rankCorrelation(c.x, c.y, { resamples: 400, seed: 3, stream: 'test' });
    assert.equal(r.n, 12);
    assert.equal(r.level, 0.95);
    near(r.spearman.value, c.spearman);
    near(r.kendall.value, c.kendall);
    for (const i of [r.spearman, r.kendall]) {
      assert.ok(i.low !== null && i.high !== null);
      assert.ok(i.low <= i.value! && i.value! <= i.high && i.high <= 1 && i.low > 0.5, JSON.stringify(i));
      assert.ok(i.resamples > 390 && i.resamples <= 400);
    }
    assert.deepEqual(rankCorrelation(c.x, c.y, { resamples: 400, seed: 3, stream: 'test' }), r, 'same seed, same intervals');
    assert.notDeepEqual(rankCorrelation(c.x, c.y, { resamples: 400, seed: 4, stream: 'test' }), r);
    const narrow = rankCorrelation(c.x, c.y, { resamples: 400, seed: 3, stream: 'test', level: 0.5 });
    assert.ok(narrow.spearman.high! - narrow.spearman.low! < r.spearman.high! - r.spearman.low!);
    // A perfectly monotone sample stays so in every resample that has two distinct pairs.
    const perfect = rankCorrelation([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12], { resamples: 200 });
    assert.deepEqual([perfect.spearman.low, perfect.spearman.high, perfect.kendall.low, perfect.kendall.high], [1, 1, 1, 1]);
    const constant = rankCorrelation([1, 1, 1], [1, 2, 3], { resamples: 50 });
    assert.deepEqual(constant.spearman, { value: null, low: null, high: null, resamples: 0 });
    assert.throws(() => rankCorrelation([1, 2], [1, 2], { level: 1 }), /level must be a number strictly between 0 and 1/);
    assert.throws(() => rankCorrelation([1, 2], [1, 2], { resamples: 0 }), /resamples must be a positive integer/);
  });
});
