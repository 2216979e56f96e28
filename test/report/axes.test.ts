// Tests of src/report/axes.ts and the charts that use it: log ticks, full facet rows, a width chart that cannot collapse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepAnalysis } from '../../src/analysis/sweep.ts';
import { facetColumns, logTicks, powerOfTwoTicks } from '../../src/report/axes.ts';
import { widthsChart } from '../../src/report/charts.ts';
import { renderSvg } from '../../src/report/render.ts';

/** The label texts of each axis of a rendered SVG, by the axis's aria label. */
function axisLabels(svg: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const axis of svg.split('role-axis"').slice(1)) {
    const name = /aria-label="([XY]-axis[^"]*)"/.exec(axis)?.[1];
    if (name === undefined) continue;
    const labels = /role-axis-label"[^>]*>(.*?)<\/g>/s.exec(axis)?.[1] ?? '';
    out[name] = [...labels.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!).filter((t) => t !== '');
  }
  return out;
}

/** The y coordinates of every point of the line marks (path commands M/L x,y). */
function lineYs(svg: string): number[] {
  const groups = [...svg.matchAll(/class="mark-line[^"]*"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1]!);
  return groups.flatMap((g) => [...g.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2])));
}

const series = (runId: number, widths: number[], u: number[] | null): SweepAnalysis['widths'][number] => ({
  runId,
  space: 'AnyNetX_A',
  error: 0.2,
  widths,
  fit: u === null ? null : { kind: 'least-squares', intercept: u[0]!, slope: u[1]! - u[0]!, u },
});

describe('report/axes', () => {
  it('labels log axes with the 1-2-5 series, whole multiples on short ranges, the ends at worst', () => {
    assert.deepEqual(logTicks(8, 1024), [10, 20, 50, 100, 200, 500, 1000]);
    // The w0 axis (16..60) lacked its 10s, wa (past 9) had no labels: now every axis has at least two.
    assert.deepEqual(logTicks(16, 60), [20, 30, 40, 50, 60]);
    assert.deepEqual(logTicks(8, 48), [8, 9, 10, 20, 30, 40]);
    assert.deepEqual(logTicks(2.1, 2.9), [2.1, 2.9]);
    assert.deepEqual(logTicks(0, 10), []);
    assert.deepEqual(powerOfTwoTicks(8, 256), [8, 16, 32, 64, 128, 256]);
    assert.deepEqual(powerOfTwoTicks(40, 60), [40, 50, 60]);
  });

  it('fills the rows of a facet grid', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 9].map((n) => facetColumns(n)), [1, 2, 3, 2, 3, 3, 3, 3]);
  });

  it('draws the widths of the best runs on a log axis with ticks, and on a linear one when a fit line reaches zero', async () => {
    const good = { widths: [series(1, [16, 16, 64, 64, 128], [16, 40, 64, 88, 112])] } as SweepAnalysis;
    const log = await renderSvg(widthsChart(good)!, 'widths');
    assert.deepEqual(log.warnings, []);
    const logAxes = axisLabels(log.svg);
    const yLog = Object.entries(logAxes).find(([k]) => k.startsWith('Y-axis'))![1];
    assert.deepEqual(yLog, ['16', '32', '64', '128']);

    // A falling width line: least squares through [128, 128, 64, 16] reaches zero at the last block, where the log
    // axis of old collapsed every line onto the top edge with no tick.
    const falling = { widths: [series(2, [128, 128, 64, 16], [150.4, 110.4, 70.4, 0]), series(3, [32, 64, 64, 96], null)] } as SweepAnalysis;
    const spec = widthsChart(falling)! as unknown as { layer: { encoding: { y: { scale: { type: string } } } }[] };
    assert.equal(spec.layer[0]!.encoding.y.scale.type, 'linear');
    const linear = await renderSvg(widthsChart(falling)!, 'widths');
    assert.deepEqual(linear.warnings, []);
    const yLinear = Object.entries(axisLabels(linear.svg)).find(([k]) => k.startsWith('Y-axis'))![1];
    assert.ok(yLinear.length >= 2, JSON.stringify(yLinear));
    const ys = lineYs(linear.svg);
    assert.ok(ys.length >= 8, `line points: ${ys.length}`);
    // The lines spread over the plot (height 220 or so), not onto one edge.
    assert.ok(Math.max(...ys) - Math.min(...ys) > 100, JSON.stringify(ys));
  });
});
