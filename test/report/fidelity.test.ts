// Tests of src/report/fidelity.ts and its hook in the report: the charts render, the section shows the numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord, SweepRecord } from '../../src/core/types.ts';
import { fidelityReport } from '../../src/report/fidelity.ts';
import { renderReport } from '../../src/report/report.ts';
import type { FidelitySpec } from '../../src/sweep/fidelity-spec.ts';
import { lcg, makeSweep } from './sweep-fixture.ts';

const FAST = { bandResamples: 200, goodRangeResamples: 300 };

/**
 * The fixture sweep as a schedule would leave it: runs of `reached` epochs end there, stopped (the fixture's errors
 * fall with the epochs), the others are done at the top.
 */
function scheduled(fidelity: FidelitySpec, reached: (run: RunRecord, index: number) => number): SweepRecord {
  const sweep = makeSweep({ spaces: ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'], perSpace: 12, seed: 4 });
  const top = fidelity.kind === 'asha' ? fidelity.maxEpochs : fidelity.full;
  const rand = lcg(9);
  const runs = sweep.runs.map((run, i): RunRecord => {
    const finalError = run.finalError!;
    const epochs = Array.from({ length: reached(run, i) }, (_, e) => ({
      epoch: e + 1,
      trainLoss: 1,
      valLoss: 1,
      valAccuracy: 1 - Math.min(0.9, finalError + (0.3 * (top - e - 1)) / top + rand() * 0.02),
      seconds: 1,
      imagesPerSecond: 1,
    }));
    const done = epochs.length === top;
    return { ...run, settings: { ...run.settings, epochs: top }, status: (done ? 'done' : 'stopped') as RunRecord['status'], finalError: done ? 1 - epochs.at(-1)!.valAccuracy : null, epochs };
  });
  return { ...sweep, spec: { name: sweep.name, fidelity }, runs };
}

describe('report/fidelity', () => {
  it('adds the fidelity check to the page: rung EDFs, scatter, rank correlations, verdict table and sentence', async () => {
    const fidelity: FidelitySpec = { kind: 'check', low: 2, full: 6, subset: { kind: 'count', count: 6 }, seed: 1 };
    const sweep = scheduled(fidelity, (_, i) => (i % 2 === 0 ? 6 : 2));
    const report = await renderReport(sweep, { ...FAST, now: new Date('2025-02-03T04:05:06Z') });
    assert.deepEqual(report.warnings, []);
    for (const name of ['fidelity-rungs', 'fidelity-scatter', 'fidelity-rank']) {
      const svg = report.charts[name];
      assert.ok(svg !== undefined, `chart ${name}`);
      assert.match(svg, /class="mark-(line|symbol|rule)[^"]*"[^>]*>\s*<(path|g)/, `${name} draws marks`);
      assert.ok(report.html.includes(`data-chart="${name}"`), `${name} has a figure`);
    }
    const f = fidelityReport(sweep, { seed: 0, resamples: 200, level: 0.95 })!;
    const check = f.analysis.check!;
    assert.deepEqual(check.spaces.map((s) => [s.space, s.lowRuns, s.pairs]), [
      ['AnyNetX_A', 12, 6],
      ['AnyNetX_E', 12, 6],
      ['RegNetX', 12, 6],
    ]);
    assert.match(report.html, /<section id="fidelity"><h2>Fidelity check<\/h2>/);
    // 18 runs at 6 epochs and 18 at 2 of 36 x 6.
    assert.match(report.html, /Trained <b>144<\/b> epochs of the 216 that the same runs take without the schedule, every one to 6 epochs \(<b>67%<\/b>\)/);
    assert.ok(report.html.includes(`data-trust="${check.trust}">${check.sentence.replace(/'/g, '&#39;')}</p>`));
    assert.match(report.html, /Does 2-epoch training compare as 6-epoch training does\?/);
    for (const p of check.pairs) assert.ok(report.html.includes(`<td>${p.a} vs ${p.b}</td>`), `${p.a} vs ${p.b} in the verdict table`);
    assert.match(report.html, /p<sub>Holm<\/sub>/);
    // The section sits after the distributions and before the complexity charts.
    assert.ok(report.html.indexOf('id="distributions"') < report.html.indexOf('id="fidelity"'));
    assert.ok(report.html.indexOf('id="fidelity"') < report.html.indexOf('id="complexity"'));
  });

  it('shows successive halving with its rungs and the warning that the ordinary EDFs hold the promoted runs only', async () => {
    const fidelity: FidelitySpec = { kind: 'asha', minEpochs: 1, maxEpochs: 4, reductionFactor: 2, brackets: 1 };
    const sweep = scheduled(fidelity, (_, i) => [1, 1, 2, 4][i % 4]!);
    const report = await renderReport(sweep, FAST);
    // (The widths chart of these fixture runs warns of a least-squares width line below zero on its log axis: not ours.)
    assert.deepEqual(report.warnings.filter((w) => w.startsWith('fidelity')), []);
    assert.ok(report.charts['fidelity-rungs'] !== undefined);
    assert.equal(report.charts['fidelity-scatter'], undefined);
    assert.match(report.html, /<h2>Successive halving<\/h2>/);
    assert.match(report.html, /the EDFs above hold only the runs trained to 4 epochs/);
    assert.match(report.html, /<td>AnyNetX_A<\/td><td class="num">1<\/td><td class="num">12<\/td><td class="num">0<\/td><td class="num">6<\/td><td class="num">0<\/td>/);
    assert.doesNotMatch(report.html, /Does 1-epoch training/);
  });

  it('leaves a sweep without a schedule as it was', async () => {
    const sweep = makeSweep({ perSpace: 6 });
    assert.equal(fidelityReport(sweep), null);
    const report = await renderReport(sweep, FAST);
    assert.doesNotMatch(report.html, /id="fidelity"/);
    assert.ok(Object.keys(report.charts).every((name) => !name.startsWith('fidelity')));
  });
});
