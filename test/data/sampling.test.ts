import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochOrder, stratifiedSubset } from '../../src/data/index.ts';
import { netspaceError } from './fixtures.ts';

/** Labels with class k repeated counts[k] times, interleaved so that classes are not contiguous. */
function labelsWithCounts(counts: number[]): Uint8Array {
  const out: number[] = [];
  for (let round = 0; round < Math.max(...counts); round++) {
    counts.forEach((n, k) => {
      if (round < n) out.push(k);
    });
  }
  return Uint8Array.from(out);
}

function perClass(labels: Uint8Array, indices: Uint32Array): number[] {
  const counts: number[] = [];
  for (const i of indices) counts[labels[i]!] = (counts[labels[i]!] ?? 0) + 1;
  return Array.from(counts, (n) => n ?? 0);
}

const range = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

describe('data/sampling', () => {
  describe('stratifiedSubset', () => {
    it('gives every index in order for null', () => {
      assert.deepEqual([...stratifiedSubset(Uint8Array.from([4, 1, 1, 0]), null, 3)], [0, 1, 2, 3]);
    });

    it('splits the size between classes by largest remainders (hand-computed quotas)', () => {
      const labels = labelsWithCounts([50, 30, 20]);
      assert.deepEqual(perClass(labels, stratifiedSubset(labels, 10, 1)), [5, 3, 2]);
      // Quotas 3.5, 2.1, 1.4: floors 3 + 2 + 1 = 6, the seventh goes to the largest remainder (class 0).
      assert.deepEqual(perClass(labels, stratifiedSubset(labels, 7, 1)), [4, 2, 1]);
      // Quotas 1.4, 0.84, 0.56: floors 1 + 0 + 0, then remainders .84 and .56 take one each.
      assert.deepEqual(perClass(labels, stratifiedSubset(labels, 3, 1)), [1, 1, 1]);
      // Equal remainders go to the lower class.
      const even = labelsWithCounts([10, 10, 10]);
      assert.deepEqual(perClass(even, stratifiedSubset(even, 4, 9)), [2, 1, 1]);
    });

    it('returns distinct ascending indices, the whole split when size is its length', () => {
      const labels = labelsWithCounts([13, 7, 21, 9]);
      const subset = stratifiedSubset(labels, 20, 5);
      assert.equal(subset.length, 20);
      for (let i = 1; i < subset.length; i++) assert.ok(subset[i]! > subset[i - 1]!);
      assert.deepEqual([...stratifiedSubset(labels, labels.length, 5)], [...range(labels.length)]);
    });

    it('depends on the seed alone: same seed same subset, other seed other subset', () => {
      const labels = labelsWithCounts([600, 600, 600]);
      assert.deepEqual(stratifiedSubset(labels, 90, 11), stratifiedSubset(labels, 90, 11));
      assert.notDeepEqual(stratifiedSubset(labels, 90, 11), stratifiedSubset(labels, 90, 12));
      // Seeds past 2^32 do not wrap onto small ones.
      assert.notDeepEqual(stratifiedSubset(labels, 90, 11 + 2 ** 32), stratifiedSubset(labels, 90, 11));
    });

    it('draws each member of a class equally often across seeds', () => {
      const labels = labelsWithCounts([10, 10]);
      const hits = new Array<number>(20).fill(0);
      const seeds = 2000;
      for (let seed = 0; seed < seeds; seed++) for (const i of stratifiedSubset(labels, 6, seed)) hits[i]!++;
      // Each index is drawn with probability 3/10: mean 600, sd sqrt(2000 * .3 * .7) = 20.5; allow 5 sd.
      for (const h of hits) assert.ok(Math.abs(h - 600) < 103, `an index was drawn ${h} times in ${seeds} subsets`);
    });

    it('refuses sizes outside 1..length and bad seeds, naming the option', () => {
      const labels = labelsWithCounts([5, 5]);
      for (const size of [0, 11, 2.5, Number.NaN]) {
        assert.throws(() => stratifiedSubset(labels, size, 1, 'trainSize'), netspaceError(`trainSize must be an integer from 1 to 10`));
      }
      for (const seed of [-1, 0.5, 2 ** 53]) assert.throws(() => stratifiedSubset(labels, 3, seed), netspaceError('seed must be'));
    });
  });

  describe('epochOrder', () => {
    it('is a permutation of the indices and leaves them untouched', () => {
      const indices = Uint32Array.from([40, 3, 17, 8, 99, 23, 5]);
      const order = epochOrder(indices, 3, 1);
      assert.deepEqual([...indices], [40, 3, 17, 8, 99, 23, 5]);
      assert.deepEqual([...order].sort((a, b) => a - b), [3, 5, 8, 17, 23, 40, 99]);
    });

    it('depends only on (seed, epoch): a resumed run sees the uninterrupted run’s orders', () => {
      const indices = range(1000);
      const uninterrupted = [1, 2, 3, 4].map((epoch) => epochOrder(indices, 8, epoch));
      const resumed = [3, 4].map((epoch) => epochOrder(indices, 8, epoch));
      assert.deepEqual(resumed, uninterrupted.slice(2));
      assert.notDeepEqual(uninterrupted[0], uninterrupted[1]);
      assert.notDeepEqual(epochOrder(indices, 8, 1), epochOrder(indices, 9, 1));
    });

    it('pins the order for seed 42 (stored runs were trained in it; a change breaks resuming them)', () => {
      assert.deepEqual([...epochOrder(range(10), 42, 1)], [7, 4, 2, 8, 5, 9, 1, 6, 0, 3]);
      assert.deepEqual([...epochOrder(range(10), 42, 2)], [1, 5, 3, 8, 6, 7, 2, 9, 4, 0]);
    });

    it('makes every order of 4 items about equally likely', () => {
      const counts = new Map<string, number>();
      const trials = 4800;
      for (let seed = 0; seed < trials; seed++) {
        const key = epochOrder(range(4), seed, 1).join('');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      assert.equal(counts.size, 24);
      // Chi-square with 23 degrees of freedom: its 99.99th percentile is about 58.
      const expected = trials / 24;
      const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
      assert.ok(chi2 < 58, `chi-square ${chi2.toFixed(1)} over 24 orders`);
    });

    it('refuses a negative or fractional epoch', () => {
      assert.throws(() => epochOrder(range(3), 1, -1), netspaceError('epoch must be a non-negative integer, got -1'));
      assert.throws(() => epochOrder(range(3), 1, 1.5), netspaceError('epoch must be a non-negative integer, got 1.5'));
    });
  });
});
