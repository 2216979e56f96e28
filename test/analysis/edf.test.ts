import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapEdfBand, edf, evalEdf, normalizedEdf, weightedEdf } from '../../src/analysis/edf.ts';
import { NetspaceError } from '../../src/errors.ts';

describe('analysis/edf', () => {
  it('evaluates eq. 1 with a strict inequality', () => {
    const errors = [0.3, 0.1, 0.2, 0.2];
    assert.equal(evalEdf(errors, 0.1), 0);
    assert.equal(evalEdf(errors, 0.2), 0.25);
    assert.equal(evalEdf(errors, 0.2000001), 0.75);
    assert.equal(evalEdf(errors, 0.31), 1);
  });

  it('gives one step per distinct error, ties merged', () => {
    assert.deepEqual(edf([0.3, 0.1, 0.2, 0.2]), [
      { x: 0.1, y: 0.25 },
      { x: 0.2, y: 0.75 },
      { x: 0.3, y: 1 },
    ]);
    assert.deepEqual(edf([]), []);
  });

  it('agrees with eq. 1 just right of every step', () => {
    const errors = [0.12, 0.5, 0.33, 0.12, 0.07, 0.9, 0.33];
    for (const p of edf(errors)) assert.equal(p.y, evalEdf(errors, p.x + 1e-9));
  });

  it('weights runs and drops zero weights', () => {
    assert.deepEqual(weightedEdf([0.4, 0.1, 0.2], [1, 3, 0]), [
      { x: 0.1, y: 0.75 },
      { x: 0.4, y: 1 },
    ]);
    assert.throws(() => weightedEdf([0.1], [1, 2]), (e: unknown) => e instanceof NetspaceError && /errors has 1 values but weights has 2/.test(e.message));
    assert.throws(() => weightedEdf([0.1], [-1]), /weights \[0\] must not be negative, got -1/);
    assert.throws(() => edf([0.1, Number.NaN]), /edf errors: value \[1\] must be a finite number, got NaN/);
  });

  it('normalises complexity over shared log bins (hand-computed)', () => {
    // log10 flops span [1, 2] for both spaces; 2 bins: [1, 1.5) and [1.5, 2].
    // A: bin0 has 3 runs, bin1 has 1 -> weights 1/6, 1/6, 1/6, 1/2.  B: bin0 has 1, bin1 has 3 -> 1/2, 1/6, 1/6, 1/6.
    const result = normalizedEdf(
      [
        { errors: [0.1, 0.2, 0.3, 0.4], flops: [10, 10, 20, 100] },
        { errors: [0.4, 0.1, 0.2, 0.3], flops: [10, 40, 100, 100] },
      ],
      { bins: 2 },
    );
    assert.ok(result);
    assert.deepEqual(result.sharedBins, [0, 1]);
    assert.equal(result.edges.length, 3);
    assert.ok(Math.abs(result.edges[1]! - Math.sqrt(1000)) < 1e-9);
    const [a, b] = result.curves;
    for (const [w, expected] of a!.weights.map((w, i) => [w, [1 / 6, 1 / 6, 1 / 6, 1 / 2][i]!])) assert.ok(Math.abs(w! - expected!) < 1e-12);
    assert.deepEqual(a!.points.map((p) => p.x), [0.1, 0.2, 0.3, 0.4]);
    assert.ok(Math.abs(a!.points[2]!.y - 0.5) < 1e-12);
    assert.ok(Math.abs(b!.points[0]!.y - 1 / 6) < 1e-12); // B's 0.1 run sits in the crowded bin1
    assert.ok(Math.abs(evalEdfWeighted(b!.points, 0.35) - 0.5) < 1e-12);
  });

  it('gives runs outside the shared range or in unshared bins no weight', () => {
    // Overlap in log10 is [1, 3]; 3 bins [1, 5/3), [5/3, 7/3), [7/3, 3]. B has nothing in the middle bin, so only
    // bins 0 and 2 are shared; A's run at log10 = 0 and B's at 4 are outside the overlap.
    const result = normalizedEdf(
      [
        { errors: [0.1, 0.2, 0.3, 0.4, 0.5], flops: [1, 10, 100, 10 ** 2.5, 1000] },
        { errors: [0.5, 0.6, 0.7], flops: [10, 10 ** 2.9, 10000] },
      ],
      { bins: 3 },
    );
    assert.ok(result);
    assert.deepEqual(result.sharedBins, [0, 2]);
    assert.deepEqual(result.curves[0]!.weights, [0, 1 / 2, 0, 1 / 4, 1 / 4]);
    assert.deepEqual(result.curves[1]!.weights, [1 / 2, 1 / 2, 0]);
    assert.equal(result.curves[0]!.used, 3);
    assert.equal(normalizedEdf([{ errors: [0.1], flops: [1] }, { errors: [0.2], flops: [5] }]), null);
    assert.throws(() => normalizedEdf([{ errors: [0.1], flops: [0] }]), /flops \[0\] must be positive for log binning, got 0/);
    assert.throws(() => normalizedEdf([{ errors: [0.1], flops: [1] }], { bins: 0 }), /bins must be a positive integer, got 0/);
  });

  it('makes a single-valued flops range one bin, i.e. the plain EDF', () => {
    const result = normalizedEdf([{ errors: [0.3, 0.1], flops: [7, 7] }], { bins: 4 });
    assert.ok(result);
    assert.deepEqual(result.curves[0]!.points, edf([0.3, 0.1]));
  });

  it('bootstraps a band that matches the resampling distribution (hand-computed)', () => {
    // Two runs: a resample holds the smaller error 0, 1 or 2 times with probability 1/4, 1/2, 1/4,
    // so F just right of 0.1 is 0, 0.5 or 1: the 2.5th percentile is 0, the 97.5th is 1.
    const band = bootstrapEdfBand([0.2, 0.1], { resamples: 4000, seed: 3 });
    assert.deepEqual(band, [
      { x: 0.1, lo: 0, hi: 1 },
      { x: 0.2, lo: 1, hi: 1 },
    ]);
    // A 40% band around the middle keeps only the most likely value 0.5.
    assert.deepEqual(bootstrapEdfBand([0.2, 0.1], { resamples: 4000, level: 0.4, seed: 3 })[0], { x: 0.1, lo: 0.5, hi: 0.5 });
    assert.deepEqual(bootstrapEdfBand([0.4], { resamples: 10 }), [{ x: 0.4, lo: 1, hi: 1 }]);
  });

  it('brackets the EDF and is reproducible from its seed', () => {
    const errors = Array.from({ length: 60 }, (_, i) => 0.1 + ((i * 37) % 60) / 200);
    const band = bootstrapEdfBand(errors, { resamples: 500, seed: 11 });
    const points = edf(errors);
    assert.equal(band.length, points.length);
    band.forEach((b, i) => {
      assert.equal(b.x, points[i]!.x);
      assert.ok(b.lo <= points[i]!.y + 1e-12 && points[i]!.y <= b.hi + 1e-12, `band brackets F at ${b.x}`);
    });
    // Binomial standard error at F = 0.5 with n = 60 is 0.065: a 95% band is about 0.25 wide there.
    const mid = band[29]!;
    assert.ok(mid.hi - mid.lo > 0.15 && mid.hi - mid.lo < 0.35, `width ${mid.hi - mid.lo}`);
    assert.deepEqual(bootstrapEdfBand(errors, { resamples: 500, seed: 11 }), band);
    assert.notDeepEqual(bootstrapEdfBand(errors, { resamples: 500, seed: 12 }), band);
    assert.throws(() => bootstrapEdfBand(errors, { resamples: 0 }), /bootstrapEdfBand: resamples must be a positive integer, got 0/);
    assert.throws(() => bootstrapEdfBand(errors, { level: 1 }), /bootstrapEdfBand: level must be a number strictly between 0 and 1, got 1/);
  });
});

/** F(e) from step points: the y of the last step at or left of e (the value just right of that step). */
function evalEdfWeighted(points: { x: number; y: number }[], e: number): number {
  let y = 0;
  for (const p of points) if (p.x < e) y = p.y;
  return y;
}
