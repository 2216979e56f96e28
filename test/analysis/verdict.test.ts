// Tests of src/analysis/verdict.ts: which spaces differ (KS, Holm), by how much (bootstrap), and how many runs it takes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ksCriticalCount, medianDifference, powerEstimate, smallestKsPValue, sweepVerdict } from '../../src/analysis/verdict.ts';
import type { RunRecord } from '../../src/core/types.ts';

/** Finished runs of each space with the given errors (ids in order), as the store returns them. */
function runsOf(errors: Record<string, number[]>, status: RunRecord['status'] = 'done'): RunRecord[] {
  let id = 0;
  return Object.entries(errors).flatMap(([space, list]) =>
    list.map((finalError) => ({ id: ++id, space, status, finalError }) as unknown as RunRecord),
  );
}

/** P(D >= k/n) of the two-sample KS test with n runs on each side (Gnedenko and Korolyuk 1951), for cross-checks. */
function gnedenkoKorolyuk(n: number, k: number): number {
  const choose = (a: number, b: number): number => {
    let r = 1;
    for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
    return r;
  };
  let sum = 0;
  for (let j = 1; j * k <= n; j++) sum += (j % 2 === 1 ? 1 : -1) * choose(2 * n, n - j * k);
  return Math.min(1, (2 * sum) / choose(2 * n, n));
}

describe('analysis/verdict', () => {
  it('finds the critical KS count of equal samples as the closed form does', () => {
    // Worked with Gnedenko and Korolyuk's formula (and scipy.stats.ks_2samp's exact p-values): n=10 needs D >= 7/10 at 5%.
    for (const [n, level, k] of [[5, 0.05, 5], [10, 0.05, 7], [20, 0.05, 9], [20, 0.05 / 3, 10], [50, 0.01, 17]] as const) {
      assert.equal(ksCriticalCount(n, level), k, `n=${n} level=${level}`);
      assert.ok(gnedenkoKorolyuk(n, k) <= level && gnedenkoKorolyuk(n, k - 1) > level);
    }
    // Three runs each can never reach 5%: no k works.
    assert.equal(ksCriticalCount(3, 0.05), 4);
    assert.ok(Math.abs(smallestKsPValue(3, 3) - 0.1) < 1e-12);
    assert.ok(Math.abs(smallestKsPValue(6, 6) - 2 / 924) < 1e-12);
  });

  it('says that too few runs cannot tell spaces apart, even when they do not overlap', () => {
    const v = sweepVerdict({ runs: runsOf({ A: [0.3, 0.31, 0.32], B: [0.2, 0.21, 0.22], C: [0.1, 0.11, 0.12] }) });
    assert.equal(v.kind, 'too-few');
    assert.deepEqual(v.spaces.map((s) => s.space), ['C', 'B', 'A']);
    assert.ok(v.pairs.every((p) => !p.differ && p.pValue === 0.1 && p.power !== null));
    // Separated samples need few runs: the estimate says so.
    assert.ok(v.pairs.every((p) => p.power!.runsPerSpace !== null && p.power!.runsPerSpace <= 10), JSON.stringify(v.pairs.map((p) => p.power)));
  });

  it('finds the pair that differs after Holm, with the difference of medians and its interval', () => {
    const near = [0.2, 0.21, 0.22, 0.23, 0.24, 0.25, 0.26, 0.27];
    const v = sweepVerdict({ runs: runsOf({ A: near, B: near.map((e) => e + 0.005), C: near.map((e) => e - 0.1) }) });
    assert.equal(v.kind, 'differ');
    const [ab, ac, bc] = v.pairs;
    assert.deepEqual([ab!.a, ab!.b, ac!.a, ac!.b, bc!.a, bc!.b], ['A', 'B', 'A', 'C', 'B', 'C']);
    assert.equal(ab!.differ, false);
    assert.ok(ac!.differ && bc!.differ);
    assert.equal(ac!.lower, 'C');
    assert.ok(Math.abs(ac!.medianDifference.value - 0.1) < 1e-12);
    assert.ok(ac!.medianDifference.low <= 0.1 && ac!.medianDifference.high >= 0.1);
    // Holm: the smallest p-value times 3, the next times 2 (never below the one before), the last as it is.
    const sorted = [...v.pairs].sort((x, y) => x.pValue - y.pValue);
    assert.ok(Math.abs(sorted[0]!.adjusted - Math.min(1, 3 * sorted[0]!.pValue)) < 1e-12);
    assert.equal(sorted[2]!.adjusted, Math.max(sorted[1]!.adjusted, sorted[2]!.pValue));
    // Only the pair that does not differ gets a power estimate: its 0.5-point gap is below the 1-point minimum.
    assert.equal(ac!.power, null);
    assert.equal(ab!.power!.basis, 'minimum');
    assert.equal(ab!.power!.difference, 0.01);
  });

  it('counts only finished runs and says how many are still to finish', () => {
    const runs = [...runsOf({ A: [0.2, 0.3], B: [0.25, 0.35] }), ...runsOf({ A: [0.1] }, 'running').map((r) => ({ ...r, id: 10, finalError: null }))];
    const v = sweepVerdict({ runs });
    assert.equal(v.unfinished, 1);
    assert.deepEqual(v.spaces.map((s) => s.n), [2, 2]);
    assert.equal(sweepVerdict({ runs: runsOf({ A: [0.2, 0.3] }) }).kind, 'one-space');
    assert.equal(sweepVerdict({ runs: [] }).kind, 'no-runs');
  });

  it('counts the runs a fidelity schedule stopped, and leaves their errors out', () => {
    const runs = [...runsOf({ A: [0.2, 0.3], B: [0.25, 0.35] }), ...runsOf({ A: [0.6, 0.7] }, 'stopped').map((r, i) => ({ ...r, id: 20 + i }))];
    const v = sweepVerdict({ runs });
    assert.equal(v.stopped, 2);
    assert.deepEqual(v.spaces.map((s) => s.n), [2, 2]);
    assert.equal(sweepVerdict({ runs: runsOf({ A: [0.2], B: [0.3] }) }).stopped, 0);
  });

  it('says when every finished run is near chance (accuracy under 1.5x 1/classes), and not when one learnt', () => {
    const fashion = (runs: RunRecord[]) => runs.map((r) => ({ ...r, settings: {} }) as unknown as RunRecord);
    const atChance = fashion(runsOf({ A: [0.9, 0.88, 0.9], B: [0.87, 0.9, 0.89] }));
    assert.ok(Math.abs(sweepVerdict({ runs: atChance }).chanceError! - 0.9) < 1e-12);
    // One run at 84% error has 16% accuracy, 1.6x chance's 10%: it learnt something.
    const oneLearnt = fashion(runsOf({ A: [0.9, 0.88, 0.84], B: [0.87, 0.9, 0.89] }));
    assert.equal(sweepVerdict({ runs: oneLearnt }).chanceError, null);
    assert.equal(sweepVerdict({ runs: [] }).chanceError, null);
  });

  it('is seeded: the same runs and seed give the same verdict, another seed other intervals', () => {
    const runs = runsOf({ A: [0.2, 0.24, 0.21, 0.3, 0.26, 0.22], B: [0.19, 0.23, 0.2, 0.28, 0.25, 0.27] });
    assert.deepEqual(sweepVerdict({ runs }, { seed: 3 }), sweepVerdict({ runs }, { seed: 3 }));
    const a = medianDifference([0.2, 0.24, 0.21, 0.3], [0.19, 0.23, 0.2, 0.28], { resamples: 500, level: 0.9, seed: 1, stream: 's' });
    const b = medianDifference([0.2, 0.24, 0.21, 0.3], [0.19, 0.23, 0.2, 0.28], { resamples: 500, level: 0.9, seed: 2, stream: 's' });
    assert.equal(a.value, b.value);
    assert.notDeepEqual([a.low, a.high], [b.low, b.high]);
  });

  it('needs fewer runs for a larger difference, and says when the grid runs out', () => {
    const residuals = [-0.02, -0.01, 0, 0.01, 0.02, -0.015, 0.015, 0.005];
    const options = { testLevel: 0.05, power: 0.8, simulations: 200, seed: 0, stream: 'p' };
    const runs = [0.005, 0.01, 0.02, 0.04].map((d) => powerEstimate(residuals, d, 'observed', options).runsPerSpace);
    assert.ok(runs.every((n) => n !== null), JSON.stringify(runs));
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i]! <= runs[i - 1]!, JSON.stringify(runs));
    assert.ok(runs[0]! > runs[3]!);
    const hopeless = powerEstimate(residuals, 1e-6, 'minimum', options);
    assert.equal(hopeless.runsPerSpace, null);
    assert.equal(hopeless.curve.at(-1)!.n, 1000);
  });

  it('validates its options, naming them', () => {
    assert.throws(() => sweepVerdict({ runs: [] }, { alpha: 1.5 }), /sweepVerdict: alpha must be a number strictly between 0 and 1, got 1\.5/);
    assert.throws(() => sweepVerdict({ runs: [] }, { nope: 1 } as never), /nope is not a known option/);
  });
});
