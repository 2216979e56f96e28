import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kolmogorovQ, ksTwoSample } from '../../src/analysis/ks.ts';

/** D by its definition: the largest EDF gap over every pooled value (O(N^2), independent of the merge in ks.ts). */
function naiveD(a: number[], b: number[]): number {
  const at = (xs: number[], x: number) => xs.filter((v) => v <= x).length / xs.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(at(a, x) - at(b, x))));
}

/** Exact p-value by enumerating every way of splitting the pooled (distinct) values into groups of n and m. */
function enumeratedP(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const observed = naiveD(a, b);
  let hits = 0;
  let total = 0;
  const choose = (start: number, picked: number[]): void => {
    if (picked.length === a.length) {
      const x = picked.map((i) => pooled[i]!);
      const y = pooled.filter((_, i) => !picked.includes(i));
      total++;
      if (naiveD(x, y) >= observed - 1e-12) hits++;
      return;
    }
    for (let i = start; i < pooled.length; i++) choose(i + 1, [...picked, i]);
  };
  choose(0, []);
  return hits / total;
}

describe('analysis/ks', () => {
  it('matches hand-computed cases', () => {
    // Fully separated 3 vs 3: only the 2 of C(6,3) = 20 orderings AAABBB and BBBAAA reach D = 1.
    assert.deepEqual(ksTwoSample([1, 2, 3], [4, 5, 6]), { statistic: 1, pValue: 0.1, method: 'exact', n: 3, m: 3 });
    // 2 vs 1, separated: D = 1 for orderings AAB and BAA, 2 of 3.
    const r = ksTwoSample([1, 2], [3]);
    assert.equal(r.statistic, 1);
    assert.ok(Math.abs(r.pValue - 2 / 3) < 1e-15);
    // Identical samples: D = 0, p = 1.
    assert.deepEqual(ksTwoSample([0.1, 0.2], [0.2, 0.1]), { statistic: 0, pValue: 1, method: 'exact', n: 2, m: 2 });
  });

  it('handles ties in the statistic', () => {
    // After 1: 1/4 vs 0; after 2: 3/4 vs 2/3; after 3: 1 vs 2/3 -> D = 1/3.
    const r = ksTwoSample([1, 2, 2, 3], [2, 2, 4]);
    assert.ok(Math.abs(r.statistic - 1 / 3) < 1e-15);
    assert.ok(Math.abs(r.statistic - naiveD([1, 2, 2, 3], [2, 2, 4])) < 1e-15);
  });

  it('equals a brute-force enumeration of all splits', () => {
    const cases: [number[], number[]][] = [
      [[0.11, 0.31, 0.52, 0.08], [0.2, 0.4, 0.6]],
      [[1, 5, 9, 13, 2], [3, 4, 6, 7, 8]],
      [[10, 20, 30, 40, 50, 60], [1, 2, 35]],
      [[0.5], [0.1, 0.2, 0.3, 0.9, 0.7]],
    ];
    for (const [a, b] of cases) {
      const r = ksTwoSample(a, b);
      assert.ok(Math.abs(r.statistic - naiveD(a, b)) < 1e-12, `D for ${a} vs ${b}`);
      assert.ok(Math.abs(r.pValue - enumeratedP(a, b)) < 1e-12, `p for ${a} vs ${b}: ${r.pValue} vs ${enumeratedP(a, b)}`);
    }
  });

  it('keeps tiny p-values accurate', () => {
    // Separated 20 vs 20: p = 2 / C(40, 20) = 2 / 137846528820.
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = a.map((x) => x + 100);
    const r = ksTwoSample(a, b);
    assert.ok(Math.abs(r.pValue / (2 / 137846528820) - 1) < 1e-9, String(r.pValue));
  });

  it('uses the Kolmogorov distribution asymptotically', () => {
    // The classical 5% critical value of the Kolmogorov distribution is lambda = 1.3581.
    assert.ok(Math.abs(kolmogorovQ(1.3581) - 0.05) < 1e-4);
    assert.ok(Math.abs(kolmogorovQ(1.6276) - 0.01) < 1e-4);
    assert.equal(kolmogorovQ(0.1), 1);
    // Large samples switch to it; n*m = 4000 * 4000 > 1e7. D = 0.05 gives lambda = (sqrt(2000)+0.12+...)*0.05 = 2.24.
    const a = Array.from({ length: 4000 }, (_, i) => i);
    const b = a.map((x) => x + 200);
    const r = ksTwoSample(a, b);
    assert.equal(r.method, 'asymptotic');
    assert.equal(r.statistic, 0.05);
    const en = Math.sqrt(2000);
    assert.ok(Math.abs(r.pValue - kolmogorovQ((en + 0.12 + 0.11 / en) * 0.05)) < 1e-15);
    assert.ok(r.pValue > 1e-5 && r.pValue < 1e-3, String(r.pValue));
  });

  it('agrees between exact and asymptotic for moderate samples', () => {
    const a = Array.from({ length: 150 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
    const b = Array.from({ length: 120 }, (_, i) => Math.sin(i * 78.233 + 1) * 0.5 + 0.62);
    const exact = ksTwoSample(a, b);
    const en = Math.sqrt((150 * 120) / 270);
    const asymptotic = kolmogorovQ((en + 0.12 + 0.11 / en) * exact.statistic);
    assert.equal(exact.method, 'exact');
    assert.ok(Math.abs(exact.pValue - asymptotic) < 0.01 + 0.1 * exact.pValue, `${exact.pValue} vs ${asymptotic}`);
  });

  it('names bad input', () => {
    assert.throws(() => ksTwoSample([], [1]), /ksTwoSample a: needs at least one value, got none/);
    assert.throws(() => ksTwoSample([1], [Infinity]), /ksTwoSample b: value \[0\] must be a finite number, got Infinity/);
  });
});
