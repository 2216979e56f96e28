import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { analyzeSweep } from '../../src/analysis/sweep.ts';
import { RUN_ID_FIELD, chartSpecs } from '../../src/report/charts.ts';
import { describeConfig } from '../../src/report/format.ts';
import { interactiveChart, interactiveCharts, type RunFacts } from '../../src/serve/interactive.ts';
import { BRUSH_PARAM, LINKED_PARAM } from '../../src/serve/types.ts';
import type { SweepRecord } from '../../src/core/types.ts';
import { makeSweep } from '../report/sweep-fixture.ts';

const FAST = { bandResamples: 100, goodRangeResamples: 100 };

function factsOf(sweep: SweepRecord): Map<number, RunFacts> {
  return new Map(
    sweep.runs.map((r) => [r.id, { space: r.space, status: r.status, error: r.finalError, config: describeConfig(r.config), flops: r.flops, params: r.params }]),
  );
}

/** Compiles with vega-lite and parses with vega (in its CSP-safe AST mode, as the page runs it), keeping warnings. */
function compileWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...args: unknown[]) => (warnings.push(args.join(' ')), logger),
    error: (...args: unknown[]) => (warnings.push(`error: ${args.join(' ')}`), logger),
    info: () => logger,
    debug: () => logger,
  };
  const { spec: vgSpec } = compile(structuredClone(spec), { logger: logger as never });
  vega.parse(vgSpec, undefined, { ast: true });
  return warnings;
}

type Json = Record<string, unknown>;

/** Every unit (view with a mark) of a spec. */
function units(view: Json): Json[] {
  if (view.mark !== undefined) return [view];
  const children = ['layer', 'hconcat', 'vconcat', 'concat'].flatMap((k) => (Array.isArray(view[k]) ? (view[k] as Json[]) : []));
  return [...children, ...(view.spec === undefined ? [] : [view.spec as Json])].flatMap(units);
}

describe('serve/interactive', () => {
  const sweep = makeSweep({ spaces: ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'], perSpace: 16, statuses: ['done', 'done', 'done', 'failed', 'done', 'running', 'diverged', 'pending'] });
  const analysis = analyzeSweep(sweep, FAST);
  const specs = chartSpecs(analysis);
  const charts = interactiveCharts(specs, factsOf(sweep));

  it("shows every chart of the report's list, in its order, without changing the report's specs", () => {
    const before = JSON.stringify(specs);
    assert.deepEqual(
      charts.map((c) => c.name),
      Object.keys(specs),
    );
    assert.equal(JSON.stringify(specs), before, 'the report specs are not mutated');
    // Same marks, same encodings of position and color: only behaviour is added.
    for (const chart of charts) {
      const theirs = units(specs[chart.name] as unknown as Json);
      const ours = units(chart.spec as unknown as Json);
      assert.equal(ours.length, theirs.length, chart.name);
      ours.forEach((unit, i) => {
        const mark = (m: unknown): unknown => (typeof m === 'string' ? m : (m as Json).type);
        assert.equal(mark(unit.mark), mark(theirs[i]!.mark), `${chart.name} unit ${i}`);
        for (const channel of ['x', 'y', 'color', 'x2', 'y2']) {
          assert.deepEqual((unit.encoding as Json | undefined)?.[channel], (theirs[i]!.encoding as Json | undefined)?.[channel], `${chart.name} ${channel}`);
        }
      });
    }
  });

  it('compiles every chart without a warning, in the CSP-safe expression mode the page uses', () => {
    for (const chart of charts) assert.deepEqual(compileWarnings(chart.spec), [], chart.name);
  });

  it('brushes the scatter plots of runs over x, with every drawn run as a point', () => {
    const byName = new Map(charts.map((c) => [c.name, c]));
    const flops = byName.get('error-vs-flops')!;
    assert.deepEqual(flops.brush?.fields, ['flops']);
    assert.deepEqual(
      flops.brush?.points.map((p) => p.runId).sort((a, b) => a - b),
      analysis.complexity.map((c) => c.runId).sort((a, b) => a - b),
    );
    for (const p of flops.brush!.points) assert.equal(p.values[0], analysis.complexity.find((c) => c.runId === p.runId)!.flops);
    const depth = byName.get('param-d')!;
    assert.deepEqual(depth.brush?.fields, ['value']);
    // The range layers of a parameter chart draw no run; only its points are brushed.
    assert.equal(depth.brush?.points.length, analysis.parameters.find((p) => p.name === 'd')!.points.length);
    // Lines of runs are filtered by the others' brushes but have no brush of their own; EDFs, status and the
    // importance bars draw no run.
    const parallel = [...byName.keys()].filter((n) => n.startsWith('parallel-'));
    const importance = [...byName.keys()].filter((n) => n.startsWith('importance-'));
    assert.ok(parallel.length > 0 && importance.length > 0, 'the fixture has design-choice charts');
    for (const name of ['curves-best', 'curves-worst', 'widths', ...parallel]) assert.deepEqual([byName.get(name)!.linked, byName.get(name)!.brush], [true, null], name);
    for (const name of ['status', 'edf', 'edf-normalized', ...importance]) assert.deepEqual([byName.get(name)!.linked, byName.get(name)!.brush], [false, null], name);
    // A single-view chart holds both; a layered or faceted one has the brush in its unit of points.
    assert.deepEqual((flops.spec as unknown as Json).params, [
      { name: BRUSH_PARAM, select: { type: 'interval', encodings: ['x'] } },
      { name: LINKED_PARAM, value: null },
    ]);
    const depthUnits = units(depth.spec as unknown as Json);
    // A trend layer (loess over the runs) draws a fit: no run tooltip, no run filter.
    const trend = units(byName.get('param-w0')!.spec as unknown as Json).find((u) => JSON.stringify(u.transform ?? []).includes('loess'));
    assert.ok(trend !== undefined, 'the fixture has a trend line');
    assert.equal((trend.mark as Json).tooltip, true);
    assert.equal((trend.encoding as Json).tooltip, undefined);
    assert.deepEqual(
      depthUnits.map((u) => u.params),
      depthUnits.map((_, i) => (i === 2 ? [{ name: BRUSH_PARAM, select: { type: 'interval', encodings: ['x'] } }] : undefined)),
    );
    assert.deepEqual((depth.spec as unknown as Json).params, [{ name: LINKED_PARAM, value: null }]);
  });

  it("gives each run's marks a tooltip with the run's facts, and every other mark its encoded values", () => {
    const flops = charts.find((c) => c.name === 'error-vs-flops')!;
    const unit = units(flops.spec as unknown as Json)[0]!;
    const tooltip = (unit.encoding as Json).tooltip as { field: string; title: string }[];
    assert.deepEqual(
      tooltip.map((t) => t.title),
      ['run', 'space', 'status', 'final error', 'config', 'flops', 'params'],
    );
    const rows = ((flops.spec as unknown as Json).data as { values: Json[] }).values;
    const run = sweep.runs.find((r) => r.id === rows[0]![RUN_ID_FIELD])!;
    assert.equal(rows[0]!.run_config, describeConfig(run.config));
    assert.equal(rows[0]!.run_space, run.space);
    const edf = units(charts.find((c) => c.name === 'edf')!.spec as unknown as Json);
    for (const u of edf) assert.equal((u.mark as Json).tooltip, true);
    // The curves show their own axes' values beside the run's facts.
    const curves = units(charts.find((c) => c.name === 'curves-best')!.spec as unknown as Json)[0]!;
    assert.deepEqual(
      ((curves.encoding as Json).tooltip as { title: string }[]).slice(7).map((t) => t.title),
      ['epoch', 'validation error'],
    );
  });

  it('handles a chart it has never seen by what its rows and marks are (another helper may add one)', () => {
    const rows = [
      { runId: 1, rung: 1, error: 0.3 },
      { runId: 2, rung: 2, error: 0.2 },
    ];
    const bars = interactiveChart('rungs', { data: { values: rows }, mark: 'bar', encoding: { x: { field: 'rung', type: 'ordinal' }, y: { field: 'error', type: 'quantitative' } } }, factsOf(sweep));
    assert.deepEqual([bars.linked, bars.brush], [true, null]);
    const aggregated = interactiveChart(
      'mean',
      { data: { values: rows }, mark: 'point', encoding: { x: { field: 'rung', type: 'quantitative' }, y: { field: 'error', type: 'quantitative', aggregate: 'mean' } } },
      factsOf(sweep),
    );
    assert.equal(aggregated.brush, null, 'an aggregate point is no run');
    const importance = interactiveChart('importance', { data: { values: [{ parameter: 'depth', importance: 0.4 }] }, mark: 'bar', encoding: { x: { field: 'importance', type: 'quantitative' }, y: { field: 'parameter', type: 'nominal' } } }, factsOf(sweep));
    assert.deepEqual([importance.linked, importance.brush, (importance.spec as unknown as { mark: Json }).mark.tooltip], [false, null, true]);
    for (const chart of [bars, aggregated, importance]) assert.deepEqual(compileWarnings(chart.spec), [], chart.name);
  });
});
