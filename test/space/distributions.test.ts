import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { isNetspaceError } from '../../src/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { compileDistribution, parseDistribution, type Distribution } from '../../src/space/distributions.ts';

/** Kolmogorov-Smirnov 1% critical value for n draws (asymptotic; conservative for discrete targets). */
const ksCritical = (n: number) => 1.628 / Math.sqrt(n);

/**
 * KS statistic of quantized draws against a target with P(X <= v) = cdf(v) and P(X < v) = below(v): the empirical
 * CDF is flat between drawn values, so the supremum sits at a drawn value or just below one.
 */
function ksStatistic(draws: number[], cdf: (v: number) => number, below: (v: number) => number): number {
  const sorted = [...draws].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; ) {
    const v = sorted[i]!;
    let j = i;
    while (j < n && sorted[j] === v) j++;
    d = Math.max(d, Math.abs(j / n - cdf(v)), Math.abs(i / n - below(v)));
    i = j;
  }
  return d;
}

function drawMany(d: Distribution, n: number, seed: number): number[] {
  const draw = compileDistribution(d);
  const rng = createRng(seed);
  return Array.from({ length: n }, () => draw(rng));
}

/** Pearson chi-square statistic of counts against expected probabilities. */
function chiSquare(draws: number[], expected: Map<number, number>): number {
  const counts = new Map<number, number>();
  for (const x of draws) counts.set(x, (counts.get(x) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].filter((v) => !expected.has(v)), [], 'every draw is in the support');
  let stat = 0;
  for (const [v, p] of expected) stat += ((counts.get(v) ?? 0) - draws.length * p) ** 2 / (draws.length * p);
  return stat;
}

const parseError = (value: unknown, message: RegExp) =>
  assert.throws(() => parseDistribution(value, 'space.yaml', 'width'), (e) => isNetspaceError(e) && message.test(e.message));

describe('space/distributions', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const stream = (seed: number) => Array.from({ length: 50 }, ((rng) => () => rng.next())(createRng(seed)));
    assert.deepEqual(stream(7), stream(7));
    assert.notDeepEqual(stream(7), stream(8));
    assert.notDeepEqual(createRng(0).next(), createRng(2 ** 32 - 1).next());
  });

  it('scatters nearby seeds: the first draws of seeds 0..1999 are uniform', () => {
    const firsts = Array.from({ length: 2000 }, (_, seed) => uniformFloat64(createRng(seed)));
    const d = ksStatistic(firsts, (v) => v, (v) => v);
    assert.ok(d < ksCritical(firsts.length), `KS ${d.toFixed(4)} against uniform`);
  });

  it('draws log-uniformly: KS against the log-uniform CDF on (low - q, high], fixed seed', () => {
    // pycls: log x uniform on (log(low - min(q, low/2)), log(high)], rounded up to q; at kq the CDFs agree exactly.
    const [low, high, q] = [1, 1000, 0.001];
    const floor = low - Math.min(q, low / 2);
    const cdf = (v: number) => Math.log(Math.min(v, high) / floor) / Math.log(high / floor);
    const draws = drawMany({ dist: 'log-uniform', low, high, quantum: q }, 20_000, 11);
    const d = ksStatistic(draws, cdf, (v) => cdf(v - q));
    assert.ok(d < ksCritical(draws.length), `KS ${d.toFixed(4)} >= ${ksCritical(draws.length).toFixed(4)}`);
    // The same test tells uniform draws apart, so it has the power to fail.
    const uniform = drawMany({ dist: 'uniform', low, high, quantum: q }, 20_000, 11);
    assert.ok(ksStatistic(uniform, cdf, (v) => cdf(v - q)) > 10 * ksCritical(uniform.length));
  });

  it('draws widths 8..256 in steps of 8 with the exact discrete log-uniform CDF', () => {
    // P(X <= 8k) = ln(8k / 4) / ln(256 / 4): the smallest value owns (4, 8] of the log scale.
    const cdf = (v: number) => (v < 8 ? 0 : Math.log(Math.min(v, 256) / 4) / Math.log(64));
    const draws = drawMany({ dist: 'log-uniform', low: 8, high: 256, quantum: 8 }, 10_000, 3);
    assert.ok(draws.every((x) => Number.isInteger(x / 8) && x >= 8 && x <= 256));
    assert.ok(ksStatistic(draws, cdf, (v) => cdf(v - 8)) < ksCritical(draws.length));
    const uniform = drawMany({ dist: 'uniform', low: 8, high: 256, quantum: 8 }, 10_000, 3);
    assert.ok(ksStatistic(uniform, cdf, (v) => cdf(v - 8)) > 10 * ksCritical(uniform.length));
  });

  it('draws every multiple of the quantum equally often under uniform', () => {
    const expected = new Map(Array.from({ length: 17 }, (_, i) => [12 + i, 1 / 17] as [number, number]));
    // Chi-square 1% critical value with 16 degrees of freedom: 32.0.
    assert.ok(chiSquare(drawMany({ dist: 'uniform', low: 12, high: 28, quantum: 1 }, 17_000, 5), expected) < 32.0);
  });

  it('draws each power of 2 equally often under power-of-2', () => {
    const expected = new Map([1, 2, 4, 8, 16, 32].map((v) => [v, 1 / 6] as [number, number]));
    // 5 degrees of freedom: 15.09.
    assert.ok(chiSquare(drawMany({ dist: 'power-of-2', low: 1, high: 32, quantum: 1 }, 6000, 5), expected) < 15.09);
  });

  it('draws powers of 2 below the quantum and log-uniform multiples above it under power-of-2-or-log', () => {
    // [1, 32], q 8: 1, 2, 4 at 1/6 each; with 1/2 a log-uniform draw from [8, 32] with q 8 on (4, 32].
    const above = (v: number, prev: number) => (0.5 * Math.log(v / prev)) / Math.log(8);
    const expected = new Map<number, number>([
      [1, 1 / 6], [2, 1 / 6], [4, 1 / 6],
      [8, above(8, 4)], [16, above(16, 8)], [24, above(24, 16)], [32, above(32, 24)],
    ]);
    // 6 degrees of freedom: 16.81.
    assert.ok(chiSquare(drawMany({ dist: 'power-of-2-or-log', low: 1, high: 32, quantum: 8 }, 12_000, 9), expected) < 16.81);
  });

  it('prints quantized values as clean decimals (24.3, not 24.300000000000001)', () => {
    for (const x of drawMany({ dist: 'log-uniform', low: 8, high: 256, quantum: 0.1 }, 2000, 1)) assert.match(String(x), /^\d+(\.\d)?$/);
    for (const x of drawMany({ dist: 'log-uniform', low: 2, high: 3, quantum: 0.001 }, 2000, 1)) {
      assert.match(String(x), /^\d(\.\d{1,3})?$/);
      assert.ok(x >= 2 && x <= 3);
    }
  });

  it('draws choices uniformly and fixed values always', () => {
    const expected = new Map([3, 5, 7].map((v) => [v, 1 / 3] as [number, number]));
    assert.ok(chiSquare(drawMany({ dist: 'choice', values: [3, 5, 7] }, 3000, 2), expected) < 9.21);
    assert.deepEqual(drawMany({ dist: 'fixed', value: 4 }, 5, 2), [4, 4, 4, 4, 4]);
  });

  it('reads a bare number as a fixed value and fills nothing else in', () => {
    assert.deepEqual(parseDistribution(16, 'space.yaml', 'width'), { dist: 'fixed', value: 16 });
    const d = { dist: 'log-uniform', low: 8, high: 64, quantum: 8 };
    assert.deepEqual(parseDistribution(d, 'space.yaml', 'width'), d);
  });

  it('rejects bad distributions, naming the path in the spec', () => {
    parseError({ dist: 'log-uniform', low: 64, high: 8, quantum: 8 }, /^space\.yaml: width has low 64 above high 8/);
    parseError({ dist: 'log-uniform', low: 0, high: 8, quantum: 1 }, /^space\.yaml: width\.low has low 0, but a log-uniform range needs low > 0/);
    parseError({ dist: 'power-of-2', low: -2, high: 8, quantum: 1 }, /^space\.yaml: width\.low has low -2/);
    parseError({ dist: 'uniform', low: 12, high: 28, quantum: 8 }, /^space\.yaml: width\.quantum does not divide low = 12/);
    parseError({ dist: 'log-uniform', low: 8, high: 100, quantum: 8 }, /^space\.yaml: width\.quantum does not divide high = 100/);
    parseError({ dist: 'log-uniform', low: 8, high: 64, quantim: 8 }, /^space\.yaml: width\.quantim is not a known key \(did you mean "quantum"\?\)/);
    parseError({ dist: 'log-uniform', low: 8, high: 64 }, /^space\.yaml: width\.quantum is missing/);
    parseError({ dist: 'loguniform', low: 8, high: 64, quantum: 8 }, /^space\.yaml: width\.dist must be one of .* got "loguniform" \(did you mean "log-uniform"\?\)/);
    parseError({ dist: 'power-of-2', low: 3, high: 8, quantum: 1 }, /^space\.yaml: width\.low must be a power of 2/);
    parseError({ dist: 'uniform', low: 8, high: 64, quantum: 0 }, /^space\.yaml: width\.quantum must be a number > 0, got 0/);
    parseError({ dist: 'choice', values: [] }, /^space\.yaml: width\.values must list at least one value/);
    parseError({ low: 8, high: 64, quantum: 8 }, /^space\.yaml: width\.dist is missing/);
    parseError('wide', /^space\.yaml: width must be a number or a distribution object/);
  });
});
