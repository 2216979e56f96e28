import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { edf } from '../../src/analysis/edf.ts';
import { ksTwoSample } from '../../src/analysis/ks.ts';
import { blockWidths, widthFit } from '../../src/analysis/parameters.ts';
import { analyzeSweep, autoBins, parseAnalysisOptions } from '../../src/analysis/sweep.ts';
import type { Recipe } from '../../src/core/recipe.ts';
import type { RunRecord, SweepRecord } from '../../src/core/types.ts';
import { flatParameters } from '../../src/space/domains.ts';
import { RECIPE_PRESETS } from '../../src/train/recipe.ts';
import { makeSweep } from '../report/sweep-fixture.ts';

const FAST = { bandResamples: 200, goodRangeResamples: 300 };

function run(id: number, space: string, status: RunRecord['status'], finalError: number | null, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    sweepId: 1,
    space,
    configKey: `k${id}`,
    config: {
      inputChannels: 1,
      stemWidth: 32,
      numClasses: 10,
      convBias: true,
      stages: [
        { depth: 1 + (id % 3), width: 32 + 16 * id, groupWidth: 8, bottleneckMultiplier: 1 },
        { depth: 2, width: 64 + 16 * id, groupWidth: 16, bottleneckMultiplier: 0.5 },
      ],
    },
    sampled: {},
    flops: 1e6 * (1 + id),
    params: 1e4 * (1 + id),
    acts: 1e5,
    seed: id,
    settings: { epochs: 2, resolution: 28, batchSize: 32, lr: 0.1, trainSize: 100, valSize: 50 },
    status,
    errorText: null,
    failureKind: status === 'failed' ? 'internal' : status === 'diverged' ? 'diverged' : null,
    backend: status === 'pending' ? null : 'cpu',
    engine: null,
    device: null,
    startedAt: null,
    finishedAt: null,
    seconds: null,
    finalError,
    epochs:
      finalError === null
        ? []
        : [
            { epoch: 1, trainLoss: 1.5, valLoss: 1.4, valAccuracy: 0.5, seconds: 1, imagesPerSecond: 100 },
            { epoch: 2, trainLoss: 1.0, valLoss: 1.1, valAccuracy: 1 - finalError, seconds: 1, imagesPerSecond: 100 },
          ],
    ...extra,
    parameters: flatParameters(extra.sampled ?? {}),
  };
}

function sweepOf(runs: RunRecord[]): SweepRecord {
  return { id: 1, name: 's', spec: {}, createdAt: '2025-01-01T00:00:00Z', runs };
}

describe('analysis/sweep', () => {
  it('counts every status but scores only done runs', () => {
    const sweep = sweepOf([
      run(1, 'A', 'done', 0.3),
      run(2, 'A', 'done', 0.1),
      run(3, 'A', 'failed', null),
      run(4, 'A', 'running', null),
      run(5, 'B', 'done', 0.2),
      run(6, 'B', 'diverged', null),
      run(7, 'B', 'pending', null),
      run(8, 'B', 'done', 0.4),
      run(9, 'B', 'done', null), // done but no error recorded: counted, never scored
    ]);
    const a = analyzeSweep(sweep, FAST);
    assert.deepEqual(a.counts, { total: 9, pending: 1, running: 1, paused: 0, done: 5, stopped: 0, failed: 1, diverged: 1 });
    assert.deepEqual(a.spaces.map((s) => [s.space, s.counts.total, s.n, s.minError, s.medianError]), [
      ['A', 4, 2, 0.1, 0.2],
      ['B', 5, 2, 0.2, 0.30000000000000004],
    ]);
    assert.equal(a.spaces[0]!.best!.runId, 2);
    assert.equal(a.spaces[1]!.best!.runId, 5);
    assert.deepEqual(a.edfs[0]!.points, edf([0.3, 0.1]));
    assert.deepEqual(a.edfs.map((e) => e.n), [2, 2]);
    assert.equal(a.complexity.length, 4);
    assert.deepEqual(a.ks, [{ a: 'A', b: 'B', ...ksTwoSample([0.3, 0.1], [0.2, 0.4]) }]);
    assert.ok(a.notes.some((n) => /only the 4 finished runs; 1 pending, 1 running, 1 failed and 1 diverged/.test(n)));
    assert.ok(a.notes.some((n) => /1 done runs have no final error/.test(n)));
    assert.ok(a.notes.some((n) => /Best run so far: #2 \(A\) at 10.00% error/.test(n)));
    // The analysis is plain data: it survives JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  });

  it('works with no finished run', () => {
    const a = analyzeSweep(sweepOf([run(1, 'A', 'pending', null), run(2, 'A', 'running', null)]), FAST);
    assert.equal(a.edfs.length, 0);
    assert.equal(a.normalizedEdf, null);
    assert.deepEqual(a.ks, []);
    assert.deepEqual(a.parameters, []);
    assert.deepEqual(a.curves, { best: [], worst: [] });
    assert.ok(a.notes.some((n) => /No finished runs yet/.test(n)));
    assert.equal(a.spaces[0]!.minError, null);
    const none = analyzeSweep(sweepOf([]), FAST);
    assert.deepEqual(none.spaces, []);
    assert.ok(none.notes.some((n) => /no runs yet/.test(n)));
  });

  it('picks disjoint best and worst groups', () => {
    const runs = [0.5, 0.2, 0.9, 0.1, 0.7, 0.3, 0.6].map((e, i) => run(i + 1, 'A', 'done', e));
    const a = analyzeSweep(sweepOf(runs), { ...FAST, top: 3 });
    assert.deepEqual(a.curves.best.map((c) => c.error), [0.1, 0.2, 0.3]);
    assert.deepEqual(a.curves.worst.map((c) => c.error), [0.9, 0.7, 0.6]);
    assert.deepEqual(a.widths.map((w) => w.runId), [4, 2, 6]);
    assert.deepEqual(a.curves.best[0]!.epochs.map((e) => Math.round(e.valError * 1e9) / 1e9), [0.5, 0.1]);
    const few = analyzeSweep(sweepOf(runs.slice(0, 4)), { ...FAST, top: 3 });
    assert.deepEqual(few.curves.worst.map((c) => c.error), [0.9]);
  });

  it('reads parameters through the domains of each space, whatever its stages', () => {
    // A four-stage AnyNet with a shared g: its own parameters d1..d4, w1..w4, b1..b4 and g, as its stored spec defines them.
    const space = { kind: 'AnyNet', name: 'A', stages: 4, shared: ['groupWidth'] };
    const sampled = (i: number) => ({ depths: [1, 2, 3, i], widths: [8, 16, 32 * i, 64], bottleneckRatios: [1, 1, 2, 2], groupWidth: 8 });
    const runs = [1, 2, 3].map((i) => run(i, 'A', 'done', 0.1 * i, { sampled: sampled(i) }));
    const a = analyzeSweep({ ...sweepOf(runs), spec: { spaces: [{ kind: 'space', name: 'A', space, n: 3 }] } }, FAST);
    assert.deepEqual(a.parameters.map((p) => [p.name, p.log]), [['d4', true], ['w3', true]]);
    assert.equal(a.parameters[1]!.label, 'width w3 (channels, stage 3)');
    assert.deepEqual(a.parameters[1]!.points.map((p) => p.value), [32, 64, 96]);
    assert.deepEqual(a.constantParameters.map((c) => [c.name, c.value]), [['d1', 1], ['d2', 2], ['d3', 3], ['w1', 8], ['w2', 16], ['w4', 64], ['b1', 1], ['b2', 1], ['b3', 2], ['b4', 2], ['g', 8]]);
    assert.equal(a.parameters[0]!.ranges.length, 1);
    const choices = a.designChoices.spaces[0]!;
    assert.deepEqual([choices.space, choices.domainSource, choices.domains.length, choices.runs.length], ['A', 'spec', 13, 3]);
    // d4 and w3 move together here: the trees split on either, so the two (and their pair) share all the variance.
    const moving = choices.importance!.parameters.filter((p) => p.importance > 0);
    assert.deepEqual(moving.map((p) => p.name), ['d4', 'w3']);
    const together = choices.importance!.interactions.find((i) => i.names.join() === 'd4,w3')!.importance;
    const explained = moving[0]!.importance + moving[1]!.importance + together;
    assert.ok(Math.abs(explained - 1) < 1e-9, String(explained));
    // A space the stored spec does not describe (a fixed model) has no parameters to plot or rank.
    const model = analyzeSweep(sweepOf(runs), FAST);
    assert.deepEqual([model.parameters, model.designChoices.spaces[0]!.domainSource, model.designChoices.spaces[0]!.importance], [[], 'none', null]);
  });

  it('draws the RegNet width line u_j = w0 + wa * j, else a least-squares line', () => {
    const regnet = run(1, 'RegNetX', 'done', 0.2, { sampled: { depth: 3, w0: 24, wa: 10.5, wm: 2 } });
    assert.deepEqual(blockWidths(regnet.config), [48, 48, 80, 80]);
    assert.deepEqual(widthFit(regnet), { kind: 'regnet', intercept: 24, slope: 10.5, u: [24, 34.5, 45, 55.5] });
    // Least squares through (0,48),(1,48),(2,80),(3,80): slope 12.8, intercept 44.8.
    const fit = widthFit(run(1, 'A', 'done', 0.2))!;
    assert.equal(fit.kind, 'least-squares');
    assert.ok(Math.abs(fit.slope - 12.8) < 1e-12 && Math.abs(fit.intercept - 44.8) < 1e-12);
  });

  it('is deterministic for a seed and compares spaces on a realistic sweep', () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 25, statuses: ['done', 'done', 'done', 'failed'] });
    const a = analyzeSweep(sweep, FAST);
    assert.deepEqual(analyzeSweep(sweep, FAST), a);
    assert.notDeepEqual(analyzeSweep(sweep, { ...FAST, seed: 1 }).edfs[0]!.band, a.edfs[0]!.band);
    assert.ok(a.normalizedEdf !== null);
    assert.equal(a.normalizedEdf.bins, autoBins(Math.min(...a.edfs.map((e) => e.n))));
    assert.deepEqual(a.parameters.map((p) => p.name), ['d1', 'd2', 'w1', 'w2', 'b1', 'b2', 'g1', 'g2', 'd', 'w0', 'wa', 'wm', 'g']);
    assert.deepEqual(a.constantParameters.map((c) => [c.name, c.value]), [['b', 1]]);
    const w0 = a.parameters.find((p) => p.name === 'w0')!;
    assert.deepEqual(w0.ranges.map((r) => r.space), ['RegNetX']);
    assert.deepEqual(a.designChoices.spaces.map((s) => [s.space, s.runs.length, s.importance?.trees]), [['AnyNetX_A', 19, 64], ['RegNetX', 19, 64]]);
    for (const p of a.parameters) for (const r of p.ranges) assert.ok(r.low <= r.median && r.median <= r.high, `${p.name} ${r.space}`);
    assert.equal(a.ks.length, 1);
    assert.ok(a.ks[0]!.pValue < 0.01, 'the fixture makes RegNetX clearly better');
  });

  it('validates options, naming them', () => {
    assert.deepEqual(parseAnalysisOptions({ top: 2, seed: undefined }).top, 2);
    assert.throws(() => parseAnalysisOptions({ top: 0 }), /analysis options: top must be a positive integer, got 0/);
    assert.throws(() => parseAnalysisOptions({ bins: 'many' }), /bins must be a positive integer, got "many" or "auto"/);
    assert.throws(() => parseAnalysisOptions({ bandLevel: 1.5 }), /bandLevel must be a number strictly between 0 and 1, got 1.5/);
    assert.throws(() => parseAnalysisOptions({ goodRangeSample: 2 }, 'report', (k) => `--${k}`), /report: --goodRangeSample must be a number greater than 0 and at most 1, got 2/);
    assert.throws(() => parseAnalysisOptions({ topp: 1 }), /analysis options: topp is not a known option \(expected one of: top, /);
    assert.throws(() => parseAnalysisOptions(7), /analysis options: must be an object of options, got 7/);
    assert.throws(() => analyzeSweep(sweepOf([]), { seed: -1 }), /seed must be a non-negative integer, got -1/);
  });

  it('notes that runs were trained with different recipes, naming each', () => {
    const pycls = { ...run(1, 'A', 'done', 0.2).settings, recipe: structuredClone(RECIPE_PRESETS.pycls) as Recipe };
    const a = analyzeSweep(sweepOf([run(1, 'A', 'done', 0.2), run(2, 'B', 'done', 0.3, { settings: pycls })]), FAST);
    const note = a.notes.find((n) => /trained 2 different ways/.test(n));
    assert.ok(note !== undefined, a.notes.join('\n'));
    assert.match(note, /\(2 epochs at 28x28 on 100 images, batch 32, lr 0\.1; 2 epochs at 28x28 on 100 images, batch 32, lr 0\.1, SGD momentum 0\.9 Nesterov, wd 0\.00005, cosine lr\)/);
    const same = analyzeSweep(sweepOf([run(1, 'A', 'done', 0.2, { settings: pycls }), run(2, 'B', 'done', 0.3, { settings: pycls })]), FAST);
    assert.ok(!same.notes.some((n) => /different ways/.test(n)));
  });
});
