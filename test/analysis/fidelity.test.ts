// Tests of src/analysis/fidelity.ts: rung EDFs and counts, epoch cost, and the fidelity check's table and verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord } from '../../src/core/types.ts';
import { NetspaceError } from '../../src/errors.ts';
import {
  analyzeFidelity,
  epochCost,
  errorAt,
  fidelityCheck,
  rungCounts,
  rungEdfs,
  type FidelityRun,
} from '../../src/analysis/fidelity.ts';
import type { AshaFidelity } from '../../src/sweep/fidelity-spec.ts';

let nextId = 1;
/** A stored run of `space` whose validation error after epoch e is errors[e - 1]. */
function run(space: string, status: string, errors: number[]): FidelityRun {
  const epochs: EpochRecord[] = errors.map((e, i) => ({ epoch: i + 1, trainLoss: 1, valLoss: 1, valAccuracy: 1 - e, seconds: 1, imagesPerSecond: 1 }));
  return { id: nextId++, space, status, epochs };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;

describe('analysis/fidelity: rungs and cost', () => {
  // ASHA with eta 2 from 1 to 4 epochs: rungs at 1 and 2, the top at 4.
  const spec: AshaFidelity = { kind: 'asha', minEpochs: 1, maxEpochs: 4, reductionFactor: 2, brackets: 1 };
  const runs = [
    run('A', 'stopped', [0.5]),
    run('A', 'stopped', [0.3, 0.25]),
    run('A', 'done', [0.4, 0.2, 0.18, 0.15]),
    run('A', 'stopped', [0.6]),
    run('B', 'paused', [0.7]),
    run('B', 'running', [0.65, 0.6]),
  ];

  it('reads a run error at an epoch as 1 - accuracy, null where it never got', () => {
    assert.ok(close(errorAt(runs[2]!, 3)!, 0.18));
    assert.equal(errorAt(runs[0]!, 2), null);
  });

  it('draws each space EDF at each rung from every run that reached it', () => {
    const edfs = rungEdfs(runs, [1, 2, 4]);
    assert.deepEqual(
      edfs.map((e) => [e.epochs, e.space, e.n]),
      [
        [1, 'A', 4],
        [1, 'B', 2],
        [2, 'A', 2],
        [2, 'B', 1],
        [4, 'A', 1],
      ],
    );
    const a1 = edfs[0]!;
    assert.ok(close(a1.minError, 0.3) && close(a1.meanError, 0.45));
    assert.deepEqual(
      a1.points.map((p) => [Math.round(p.x * 100) / 100, p.y]),
      [
        [0.3, 0.25],
        [0.4, 0.5],
        [0.5, 0.75],
        [0.6, 1],
      ],
    );
  });

  it('counts where runs stand at each rung', () => {
    assert.deepEqual(rungCounts(runs, [1, 2, 4]), [
      { space: 'A', epochs: 1, reached: 4, paused: 0, stopped: 2, done: 0 },
      { space: 'B', epochs: 1, reached: 2, paused: 1, stopped: 0, done: 0 },
      { space: 'A', epochs: 2, reached: 2, paused: 0, stopped: 1, done: 0 },
      { space: 'B', epochs: 2, reached: 1, paused: 0, stopped: 0, done: 0 },
      { space: 'A', epochs: 4, reached: 1, paused: 0, stopped: 0, done: 1 },
      { space: 'B', epochs: 4, reached: 0, paused: 0, stopped: 0, done: 0 },
    ]);
  });

  it('sets the epochs trained against every run trained to the top', () => {
    // A: 1 + 2 + 4 + 1 = 8 of 4 x 4; B: 1 + 2 = 3 of 2 x 4.
    assert.deepEqual(epochCost(runs, 4), {
      trained: 11,
      unscheduled: 24,
      share: 11 / 24,
      bySpace: [
        { space: 'A', runs: 4, trained: 8, unscheduled: 16 },
        { space: 'B', runs: 2, trained: 3, unscheduled: 8 },
      ],
    });
    assert.deepEqual(epochCost([], 4), { trained: 0, unscheduled: 0, share: 0, bySpace: [] });
  });

  it('puts it together for a schedule: rungs of every bracket, no check under ASHA', () => {
    const a = analyzeFidelity(runs, spec, { resamples: 10 });
    assert.deepEqual(a.rungs, [1, 2, 4]);
    assert.equal(a.kind, 'asha');
    assert.equal(a.check, null);
    assert.equal(a.cost.trained, 11);
    assert.deepEqual(analyzeFidelity(runs, { ...spec, maxEpochs: 8, brackets: 2 }).rungs, [1, 2, 4, 8]);
    assert.throws(() => analyzeFidelity(runs, spec, { minRho: 2 }), (e: unknown) => e instanceof NetspaceError && e.message === 'analyzeFidelity: minRho must be a correlation from -1 to 1, got 2');
    assert.throws(() => analyzeFidelity(runs, spec, { alhpa: 0.1 } as never), /alhpa is not a known option/);
  });
});

describe('analysis/fidelity: the fidelity check', () => {
  /** 8 runs of `space` trained to 8 epochs with these errors at 2 and at 8, plus `extra` runs stopped at 2. */
  function space(name: string, low: (i: number) => number, full: (i: number) => number, extra = 0): FidelityRun[] {
    const trained = Array.from({ length: 8 }, (_, i) => run(name, 'done', [0.9, low(i), 0.5, 0.4, 0.3, 0.2, 0.2, full(i)]));
    const cheap = Array.from({ length: extra }, (_, i) => run(name, 'stopped', [0.9, low(8 + i)]));
    return [...trained, ...cheap];
  }
  // Exact KS p-value of two fully separated samples of 8: 2 of C(16, 8) = 12,870 orderings; Holm over 3 pairs.
  const separated = 2 / 12_870;

  it('trusts the cheap comparison when ranks and verdicts hold: the hand-worked case', () => {
    // A beats B at both fidelities; C overlaps A; within each space low and full order models alike.
    const runs = [
      ...space('A', (i) => 0.2 + 0.01 * i, (i) => 0.1 + 0.01 * i, 4),
      ...space('B', (i) => 0.4 + 0.01 * i, (i) => 0.3 + 0.01 * i),
      ...space('C', (i) => 0.205 + 0.01 * i, (i) => 0.105 + 0.01 * i),
    ];
    const check = fidelityCheck(runs, 2, 8, { resamples: 200 });
    assert.deepEqual(check.spaces.map((s) => [s.space, s.lowRuns, s.pairs, s.correlation!.spearman.value, s.correlation!.kendall.value]), [
      ['A', 12, 8, 1, 1],
      ['B', 8, 8, 1, 1],
      ['C', 8, 8, 1, 1],
    ]);
    const [ab, ac, bc] = check.pairs;
    assert.deepEqual([ab!.a, ab!.b, ac!.b, bc!.a], ['A', 'B', 'C', 'B']);
    for (const v of [ab!.low!, ab!.full!, bc!.low!, bc!.full!]) {
      assert.equal(v.statistic, 1);
      assert.ok(close(v.pValue, separated));
      // Holm: the two smallest (tied) p-values times 3 and 2, made monotone: both 3p.
      assert.ok(close(v.adjusted, 3 * separated));
      assert.equal(v.verdict, 'differ');
    }
    assert.deepEqual([ab!.low!.lower, ab!.full!.lower, bc!.low!.lower, bc!.full!.lower], ['A', 'A', 'C', 'C']);
    assert.deepEqual([ac!.low!.verdict, ac!.full!.verdict, ac!.low!.lower], ['no-difference', 'no-difference', null]);
    assert.deepEqual(check.pairs.map((p) => p.agreement), ['same', 'same', 'same']);
    // The cheap comparison over all runs counts A's runs stopped at 2 epochs too.
    assert.deepEqual([ab!.lowAll!.n, ab!.lowAll!.m, ab!.low!.n], [12, 8, 8]);
    assert.equal(check.trust, 'trusted');
    assert.equal(
      check.sentence,
      "Yes: 2 epochs rank models as 8 epochs do in every space (Spearman's rho at least 1.00, every 95% interval above 0.5) and all 3 KS verdicts between spaces are the same at 2 and 8 epochs, so the comparison at 2 epochs can be trusted for this setting.",
    );
  });

  it('refuses it when short training reverses a space ranking and flips a verdict', () => {
    // At 2 epochs B looks better than A and its models come out in reverse order.
    const runs = [...space('A', (i) => 0.2 + 0.01 * i, (i) => 0.1 + 0.01 * i), ...space('B', (i) => 0.17 - 0.01 * i, (i) => 0.3 + 0.01 * i)];
    const check = fidelityCheck(runs, 2, 8, { resamples: 100 });
    assert.equal(check.spaces[1]!.correlation!.spearman.value, -1);
    assert.deepEqual([check.pairs[0]!.low!.lower, check.pairs[0]!.full!.lower, check.pairs[0]!.agreement], ['B', 'A', 'reversed']);
    assert.equal(check.trust, 'not-trusted');
    assert.equal(
      check.sentence,
      'No: the comparison at 2 epochs cannot be trusted here, because in B (rho -1.00) 2 epochs order models only loosely like 8 (rho below 0.5), and the KS verdict between A and B reverses from 2 to 8 epochs.',
    );
  });

  it('says "only with care" when a difference found at low fidelity is not found at full on the same runs', () => {
    // A and B separate at 2 epochs; at 8 they interleave. Within each space the order is the same at both.
    const runs = [...space('A', (i) => 0.2 + 0.01 * i, (i) => 0.1 + 0.01 * i), ...space('B', (i) => 0.3 + 0.01 * i, (i) => 0.105 + 0.01 * i)];
    const check = fidelityCheck(runs, 2, 8, { resamples: 100 });
    assert.deepEqual([check.pairs[0]!.low!.verdict, check.pairs[0]!.full!.verdict, check.pairs[0]!.agreement], ['differ', 'no-difference', 'changed']);
    assert.equal(check.trust, 'doubtful');
    assert.equal(
      check.sentence,
      "Only with care: Spearman's rho between 2- and 8-epoch errors is at least 1.00 in every space, but the KS verdict between A and B differs in significance between 2 and 8 epochs on the same runs; more runs at both fidelities would settle it.",
    );
  });

  it('says "only with care" when rho is good but its interval reaches below the threshold', () => {
    // Ranks 1..8 at 2 epochs against 3 1 2 6 4 8 5 7 at 8: rho = 1 - 6 * 20 / (8 * 63) = 0.762.
    const order = [3, 1, 2, 6, 4, 8, 5, 7];
    const runs = space('A', (i) => 0.2 + 0.01 * i, (i) => 0.1 + 0.01 * order[i]!);
    const check = fidelityCheck(runs, 2, 8, { resamples: 300 });
    const rho = check.spaces[0]!.correlation!.spearman;
    assert.ok(close(rho.value!, 1 - 120 / 504));
    assert.ok(rho.low! < 0.5, `interval ${rho.low}..${rho.high}`);
    assert.equal(check.trust, 'doubtful');
    assert.match(check.sentence, /^Only with care: Spearman's rho between 2- and 8-epoch errors is at least 0\.76 in every space and there is one space, so no verdict between spaces to compare, but the 95% interval of rho reaches below 0\.5 in A/);
  });

  it('says too few when a space has fewer runs at both fidelities than asked for', () => {
    const runs = [...space('A', (i) => 0.2 + 0.01 * i, (i) => 0.1 + 0.01 * i), run('B', 'done', [0.9, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2]), run('B', 'stopped', [0.9, 0.4])];
    const check = fidelityCheck(runs, 2, 8, { resamples: 50 });
    assert.deepEqual(check.spaces.map((s) => [s.space, s.lowRuns, s.pairs, s.correlation === null]), [
      ['A', 8, 8, false],
      ['B', 2, 1, true],
    ]);
    assert.equal(check.pairs[0]!.full!.m, 1);
    assert.equal(check.trust, 'too-few');
    assert.equal(check.sentence, 'Too few runs were trained to both 2 and 8 epochs to judge the cheap comparison (B has 1; at least 5 per space are needed).');
  });
});
