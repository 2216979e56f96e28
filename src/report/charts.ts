// SweepAnalysis -> vega-lite specs, one per chart, keyed by the chart's file name. Pure: no rendering here.
import type { Config, TopLevelSpec } from 'vega-lite';
import type { EdfPoint } from '../analysis/edf.ts';
import type { SweepAnalysis } from '../analysis/sweep.ts';
import type { RunStatus } from '../core/types.ts';
import { CHART_CONFIG, CHART_WIDTH } from './chart-style.ts';
import { importanceChart, parallelChart, spaceSlugs } from './design-charts.ts';
import { percent } from './format.ts';

/** Chart name (also the SVG's file name without `.svg`) -> its vega-lite spec, in page order. */
export type ChartSpecs = Record<string, TopLevelSpec>;

export { CHART_CONFIG, CHART_WIDTH } from './chart-style.ts';
const CHART_HEIGHT = 260;

const STATUS_COLORS: Record<RunStatus, string> = {
  done: '#59a14f',
  running: '#4e79a7',
  pending: '#bab0ac',
  failed: '#e15759',
  diverged: '#f28e2b',
  paused: '#76b7b2',
  stopped: '#9c755f',
};

const ERROR_AXIS = { title: 'top-1 validation error', format: '.0%' } as const;

/** Config and title; a title wider than the plot would widen the SVG and so shrink the plot on the page. */
function base(text: string, subtitle?: string): Pick<TopLevelSpec, 'config' | 'title'> & { config: Config } {
  return { config: CHART_CONFIG, title: subtitle === undefined ? text : { text, subtitle } };
}

/**
 * Integer tick values from lo (rounded down to the step) to hi, the step a whole 1, 2 or 5 times a power of ten giving
 * at most about 10 ticks: epochs, block indices and run counts are never fractional.
 */
export function integerTicks(lo: number, hi: number): number[] {
  const span = Math.max(1, hi - lo);
  let step = 1;
  for (let scale = 1; step * 10 < span; scale *= 10) {
    step = [1, 2, 5].map((m) => m * scale).find((s) => s * 10 >= span) ?? 10 * scale;
  }
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi; t += step) if (t >= lo) ticks.push(t);
  return ticks;
}

/** Step points with a leading (min, 0) so that the drawn line rises from zero at the best run. */
function stepRows(points: EdfPoint[]): { x: number; y: number }[] {
  return points.length === 0 ? [] : [{ x: points[0]!.x, y: 0 }, ...points];
}

function edfLabel(space: string, n: number, min: number, mean: number): string {
  return `${space}  n=${n}  min ${percent(min, 1)}  mean ${percent(mean, 1)}`;
}

/** Bars of runs by status per space: how far the sweep has got. */
export function statusChart(analysis: SweepAnalysis): TopLevelSpec {
  const statuses = Object.keys(STATUS_COLORS) as RunStatus[];
  const rows = analysis.spaces.flatMap((s) => statuses.map((status) => ({ space: s.space, status, runs: s.counts[status] })));
  return {
    ...base('Runs by status'),
    width: CHART_WIDTH,
    height: Math.max(60, 28 * analysis.spaces.length),
    data: { values: rows.filter((r) => r.runs > 0) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'space', type: 'nominal', sort: analysis.spaces.map((s) => s.space), title: null },
      x: { field: 'runs', type: 'quantitative', aggregate: 'sum', title: 'runs', axis: { values: integerTicks(0, analysis.counts.total), format: 'd' } },
      color: {
        field: 'status',
        type: 'nominal',
        scale: { domain: statuses, range: statuses.map((s) => STATUS_COLORS[s]) },
        legend: { title: 'status', direction: 'horizontal' },
      },
      order: { field: 'order', type: 'quantitative' },
    },
    transform: [{ calculate: `indexof(${JSON.stringify(statuses)}, datum.status)`, as: 'order' }],
  };
}

/** Error EDF per space (paper eq. 1) with its bootstrap band; the legend gives n, min and mean error. */
export function edfChart(analysis: SweepAnalysis): TopLevelSpec {
  const labels = analysis.edfs.map((e) => edfLabel(e.space, e.n, e.minError, e.meanError));
  const lines = analysis.edfs.flatMap((e, k) => stepRows(e.points).map((p) => ({ label: labels[k], ...p })));
  const bands = analysis.edfs.flatMap((e, k) => e.band.map((b) => ({ label: labels[k], x: b.x, lo: b.lo, hi: b.hi })));
  // One legend for both layers; drawn as solid strokes, not the band's pale fill.
  const color = {
    field: 'label',
    type: 'nominal',
    scale: { domain: labels },
    title: 'space, runs, min and mean error',
    legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 },
  } as const;
  const pct = Math.round(analysis.options.bandLevel * 100);
  return {
    ...base('Error EDF per design space', `shaded: pointwise ${pct}% bootstrap band`),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values: bands },
        mark: { type: 'area', opacity: 0.18, interpolate: 'step-after' },
        encoding: {
          x: { field: 'x', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } },
          y: { field: 'lo', type: 'quantitative' },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', title: 'fraction of runs with lower error', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color,
        },
      },
    ],
  };
}

/** Complexity-normalised EDFs (flops made uniform over the shared bins). */
export function normalizedEdfChart(analysis: SweepAnalysis): TopLevelSpec | null {
  const normalized = analysis.normalizedEdf;
  if (normalized === null) return null;
  const labels = normalized.curves.map((c) => `${c.space}  ${c.used} of ${c.n} runs weighted`);
  const rows = normalized.curves.flatMap((c, k) => stepRows(c.points).map((p) => ({ label: labels[k], ...p })));
  return {
    ...base('Complexity-normalised error EDF'),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: 'weighted fraction with lower error', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: { field: 'label', type: 'nominal', scale: { domain: labels }, title: 'space' },
    },
  };
}

/** Error against flops or params, log x. */
export function complexityChart(analysis: SweepAnalysis, field: 'flops' | 'params'): TopLevelSpec {
  const title = field === 'flops' ? 'flops (multiply-adds per image)' : 'parameters';
  return {
    ...base(`Error vs ${field}`),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: analysis.complexity.filter((p) => p[field] > 0) },
    mark: { type: 'point', filled: true, opacity: 0.75, size: 40 },
    encoding: {
      x: { field, type: 'quantitative', scale: { type: 'log' }, axis: { title, format: '~s' } },
      y: { field: 'error', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } },
      color: { field: 'space', type: 'nominal', scale: { domain: analysis.edfs.map((e) => e.space) }, title: 'space' },
    },
  };
}

/** Distinct values a space needs for its loess trend line: fewer give a line through the points, not a trend. */
const TREND_MIN_VALUES = 4;

/**
 * Error against one parameter, one panel per space, with the good range of the best model (shaded from the 2.5th
 * to the 97.5th percentile, a rule at the median), as pycls's plot_values draws it, and the error trend: a loess fit
 * (Cleveland 1979, vega's loess, bandwidth 0.5) of error against the value, on the log scale for log-sampled
 * parameters, in spaces with at least TREND_MIN_VALUES distinct values.
 */
export function parameterChart(analysis: SweepAnalysis, index: number): TopLevelSpec {
  const param = analysis.parameters[index]!;
  const spaces = param.ranges.map((r) => r.space);
  const trending = new Set(
    spaces.filter((space) => !param.categorical && new Set(param.points.filter((p) => p.space === space).map((p) => p.value)).size >= TREND_MIN_VALUES),
  );
  const rows = [
    ...param.points.map((p) => ({ kind: 'run', space: p.space, value: p.value, error: p.error, trend: trending.has(p.space) })),
    ...param.ranges.map((r) => ({ kind: 'range', space: r.space, low: r.low, median: r.median, high: r.high })),
  ];
  // nice: false keeps a log axis from stretching to the next power of ten, which squeezes the points to one side.
  const scale = param.log ? { type: 'log' as const, nice: false, padding: 8 } : { zero: false, padding: 8 };
  const x = { field: 'value', type: 'quantitative', scale, title: param.label } as const;
  const y = { field: 'error', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } } as const;
  const [toFit, fromFit] = param.log ? ['log(datum.value)', 'exp(datum.fit)'] : ['datum.value', 'datum.fit'];
  return {
    ...base(`Error vs ${param.name}`),
    data: { values: rows },
    columns: 2,
    facet: { field: 'space', type: 'nominal', sort: spaces, title: null },
    spec: {
      width: 160,
      height: 130,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'range'" }],
          mark: { type: 'rect', color: '#4e79a7', opacity: 0.15 },
          encoding: { x: { ...x, field: 'low' }, x2: { field: 'high' } },
        },
        {
          transform: [{ filter: "datum.kind === 'range'" }],
          mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
          encoding: { x: { ...x, field: 'median' } },
        },
        {
          transform: [{ filter: "datum.kind === 'run'" }],
          mark: { type: 'point', filled: true, opacity: 0.75, size: 30 },
          encoding: {
            x,
            y,
            color: { field: 'space', type: 'nominal', scale: { domain: analysis.edfs.map((e) => e.space) }, legend: null },
          },
        },
        ...(trending.size === 0
          ? []
          : [
              {
                transform: [
                  { filter: "datum.kind === 'run' && datum.trend" },
                  { calculate: toFit, as: 'fit' },
                  { loess: 'error', on: 'fit', bandwidth: 0.5 },
                  { calculate: fromFit, as: 'value' },
                ],
                mark: { type: 'line' as const, color: '#e15759', strokeWidth: 2 },
                encoding: { x, y },
              },
            ]),
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** Validation error and training loss per epoch of a group of runs (the best or the worst). */
export function curvesChart(analysis: SweepAnalysis, group: 'best' | 'worst'): TopLevelSpec | null {
  const runs = analysis.curves[group];
  if (runs.length === 0) return null;
  const labels = runs.map((r) => `#${r.runId} ${r.space} ${percent(r.error, 1)}`);
  // A diverged epoch's NaN or infinite loss becomes null, which vega-lite leaves out of that panel only.
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const rows = runs.flatMap((r, k) =>
    r.epochs.map((e) => ({ run: labels[k], epoch: e.epoch, trainLoss: finite(e.trainLoss), valError: finite(e.valError) })),
  );
  const color = { field: 'run', type: 'nominal', scale: { domain: labels }, title: `${group} runs (id, space, final error)` } as const;
  const lastEpoch = Math.max(1, ...rows.map((r) => r.epoch));
  const x = { field: 'epoch', type: 'quantitative', axis: { values: integerTicks(1, lastEpoch), format: 'd' }, scale: { domain: [1, lastEpoch] as number[] } } as const;
  return {
    ...base(`Training curves of the ${runs.length} ${group} runs`),
    data: { values: rows },
    hconcat: [
      {
        width: 200,
        height: 170,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'valError', type: 'quantitative', axis: { title: 'validation error', format: '.0%' }, scale: { zero: false } }, color },
      },
      {
        width: 200,
        height: 170,
        mark: { type: 'line', point: true, strokeDash: [4, 2] },
        encoding: { x, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss', scale: { zero: false } }, color },
      },
    ],
  };
}

/** Output width per block of the best runs, log2 y, with each run's width line u_j (dashed). */
export function widthsChart(analysis: SweepAnalysis): TopLevelSpec | null {
  if (analysis.widths.length === 0) return null;
  const labels = analysis.widths.map((w) => `#${w.runId} ${w.space} ${percent(w.error, 1)}`);
  const blocks = analysis.widths.flatMap((w, k) => w.widths.map((width, j) => ({ run: labels[k], j, width })));
  const fits = analysis.widths.flatMap((w, k) =>
    w.fit === null ? [] : w.fit.u.map((u, j) => ({ run: labels[k], j, u, fit: w.fit!.kind === 'regnet' ? 'u_j = w0 + wa·j' : 'least-squares line' })),
  );
  const color = { field: 'run', type: 'nominal', scale: { domain: labels }, title: 'best runs (id, space, error)' } as const;
  const lastBlock = Math.max(0, ...blocks.map((b) => b.j));
  const y = { type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { title: 'width (channels)', format: '~s' } } as const;
  return {
    ...base(`Per-block width of the ${analysis.widths.length} best runs`, 'dashed: the width line u_j'),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values: blocks },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'j', type: 'quantitative', axis: { title: 'block index j', values: integerTicks(0, lastBlock), format: 'd' } }, y: { ...y, field: 'width' }, color },
      },
      ...(fits.length === 0
        ? []
        : [
            {
              data: { values: fits },
              mark: { type: 'line' as const, strokeDash: [5, 4], strokeWidth: 1.5, opacity: 0.8 },
              encoding: { x: { field: 'j', type: 'quantitative' as const }, y: { ...y, field: 'u' }, color: { ...color, legend: null } },
            },
          ]),
    ],
  };
}

/** Every chart of the report that has something to show, in page order. */
export function chartSpecs(analysis: SweepAnalysis): ChartSpecs {
  const specs: ChartSpecs = {};
  if (analysis.counts.total > 0) specs.status = statusChart(analysis);
  if (analysis.edfs.length === 0) return specs;
  specs.edf = edfChart(analysis);
  const normalized = normalizedEdfChart(analysis);
  if (normalized !== null) specs['edf-normalized'] = normalized;
  specs['error-vs-flops'] = complexityChart(analysis, 'flops');
  specs['error-vs-params'] = complexityChart(analysis, 'params');
  analysis.parameters.forEach((p, i) => {
    specs[`param-${p.name}`] = parameterChart(analysis, i);
  });
  const spaces = analysis.designChoices.spaces;
  spaceSlugs(spaces.map((s) => s.space)).forEach((slug, i) => {
    const importance = importanceChart(spaces[i]!);
    if (importance !== null) specs[`importance-${slug}`] = importance;
    const parallel = parallelChart(spaces[i]!);
    if (parallel !== null) specs[`parallel-${slug}`] = parallel;
  });
  const best = curvesChart(analysis, 'best');
  if (best !== null) specs['curves-best'] = best;
  const worst = curvesChart(analysis, 'worst');
  if (worst !== null) specs['curves-worst'] = worst;
  const widths = widthsChart(analysis);
  if (widths !== null) specs.widths = widths;
  return specs;
}
