// A sweep's fidelity schedule on the report page: vega-lite specs (EDFs per rung, low- against full-fidelity errors,
// rank correlations) and the section around them (epoch cost, rungs, the check's verdict table and sentence).
import type { TopLevelSpec } from 'vega-lite';
import { analyzeFidelity, type Agreement, type FidelityAnalysis, type FidelityAnalysisOptions, type FidelityCheckAnalysis, type KsVerdict } from '../analysis/fidelity.ts';
import type { SweepRecord } from '../core/types.ts';
import { storedFidelity } from '../sweep/fidelity-spec.ts';
import { CHART_CONFIG, CHART_WIDTH, type ChartSpecs } from './charts.ts';
import { escapeHtml as esc, pValue, percent } from './format.ts';
import { figures, table } from './html.ts';

const ERROR_AXIS = { title: 'top-1 validation error', format: '.0%' } as const;

/** Coverage of the check's intervals, in percent. */
const levelOf = (check: FidelityCheckAnalysis): number => Math.round((check.spaces.find((s) => s.correlation !== null)?.correlation?.level ?? 0.95) * 100);

const rungLabel = (epochs: number): string => `after ${epochs} epoch${epochs === 1 ? '' : 's'}`;

/** Error EDF of each space at each rung, one panel per rung: how the spaces compare at every fidelity. */
export function rungEdfChart(f: FidelityAnalysis): TopLevelSpec | null {
  if (f.edfs.length === 0) return null;
  const spaces = [...new Set(f.edfs.map((e) => e.space))];
  const rows = f.edfs.flatMap((e) => [
    { rung: rungLabel(e.epochs), space: e.space, x: e.points[0]!.x, y: 0 },
    ...e.points.map((p) => ({ rung: rungLabel(e.epochs), space: e.space, x: p.x, y: p.y })),
  ]);
  return {
    config: CHART_CONFIG,
    title: { text: 'Error EDF per rung', subtitle: 'every run that trained that many epochs, at its error then' },
    data: { values: rows },
    columns: Math.min(3, f.rungs.length),
    facet: { field: 'rung', type: 'ordinal', sort: f.rungs.map(rungLabel), title: null },
    spec: {
      width: 180,
      height: 140,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: { field: 'x', type: 'quantitative', axis: ERROR_AXIS, scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: 'fraction of runs', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: { field: 'space', type: 'nominal', scale: { domain: spaces }, title: 'space' },
      },
    },
    resolve: { scale: { x: 'shared' } },
  };
}

/** Each run trained to both fidelities: its error at low against its error at full, colored by space. */
export function fidelityScatterChart(check: FidelityCheckAnalysis): TopLevelSpec | null {
  if (check.points.length === 0) return null;
  const spaces = check.spaces.map((s) => s.space);
  return {
    config: CHART_CONFIG,
    title: { text: `Error after ${check.low} against after ${check.full} epochs`, subtitle: 'one point per run trained to both' },
    width: CHART_WIDTH,
    height: 280,
    data: { values: check.points },
    mark: { type: 'point', filled: true, opacity: 0.8, size: 40 },
    encoding: {
      x: { field: 'low', type: 'quantitative', scale: { zero: false }, axis: { title: `error after ${check.low} epochs`, format: '.0%' } },
      y: { field: 'full', type: 'quantitative', scale: { zero: false }, axis: { title: `error after ${check.full} epochs`, format: '.0%' } },
      color: { field: 'space', type: 'nominal', scale: { domain: spaces }, title: 'space' },
    },
  };
}

/** Spearman's rho and Kendall's tau-b per space, each a point on its bootstrap interval. */
export function rankCorrelationChart(check: FidelityCheckAnalysis): TopLevelSpec | null {
  const rows = check.spaces.flatMap((s) => {
    const c = s.correlation;
    if (c === null) return [];
    return [
      { space: s.space, coefficient: "Spearman's rho", value: c.spearman.value, low: c.spearman.low, high: c.spearman.high },
      { space: s.space, coefficient: "Kendall's tau-b", value: c.kendall.value, low: c.kendall.low, high: c.kendall.high },
    ].filter((r) => r.value !== null && r.low !== null);
  });
  if (rows.length === 0) return null;
  const y = { field: 'space', type: 'nominal', sort: check.spaces.map((s) => s.space), title: null } as const;
  const x = { type: 'quantitative', scale: { domain: [-1, 1] as number[] }, title: `rank correlation, ${check.low} vs ${check.full} epochs` } as const;
  const color = { field: 'coefficient', type: 'nominal', title: null, scale: { domain: ["Spearman's rho", "Kendall's tau-b"] } } as const;
  const yOffset = { field: 'coefficient', type: 'nominal', scale: { paddingOuter: 0.5 } } as const;
  return {
    config: CHART_CONFIG,
    title: { text: 'Rank correlation per space', subtitle: `bars: ${levelOf(check)}% bootstrap intervals` },
    width: CHART_WIDTH,
    height: Math.max(80, 44 * check.spaces.length),
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset, x: { ...x, field: 'low' }, x2: { field: 'high' }, color } },
      { mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y, yOffset, x: { ...x, field: 'value' }, color } },
    ],
  };
}

/** Every chart of a fidelity schedule, keyed by file name, in page order. */
export function fidelityChartSpecs(f: FidelityAnalysis): ChartSpecs {
  const specs: ChartSpecs = {};
  const edfs = rungEdfChart(f);
  if (edfs !== null) specs['fidelity-rungs'] = edfs;
  if (f.check !== null) {
    const scatter = fidelityScatterChart(f.check);
    if (scatter !== null) specs['fidelity-scatter'] = scatter;
    const rank = rankCorrelationChart(f.check);
    if (rank !== null) specs['fidelity-rank'] = rank;
  }
  return specs;
}

const interval = (i: { value: number | null; low: number | null; high: number | null }): string =>
  i.value === null ? '–' : `${i.value.toFixed(2)} <span class="small">[${i.low?.toFixed(2) ?? '–'}, ${i.high?.toFixed(2) ?? '–'}]</span>`;

const VERDICT_TEXT: Record<KsVerdict['verdict'], (v: KsVerdict) => string> = {
  differ: (v) => `${esc(v.lower ?? '')} lower`,
  'no-difference': () => 'no difference',
};

function verdictCell(v: KsVerdict | null): string {
  if (v === null) return '–';
  return `${VERDICT_TEXT[v.verdict](v)} <span class="small">(D ${v.statistic.toFixed(2)}, p<sub>Holm</sub> ${pValue(v.adjusted)}, ${v.n}/${v.m} runs)</span>`;
}

const AGREEMENT_TEXT: Record<Agreement, string> = { same: 'same', changed: '<b>differs in significance</b>', reversed: '<b>reversed</b>' };

function costSection(f: FidelityAnalysis): string {
  const top = f.rungs[f.rungs.length - 1]!;
  const rows = f.cost.bySpace.map((s) => [esc(s.space), String(s.runs), String(s.trained), String(s.unscheduled), percent(s.unscheduled === 0 ? 0 : s.trained / s.unscheduled, 0)]);
  return (
    `<p>Trained <b>${f.cost.trained}</b> epochs of the ${f.cost.unscheduled} that the same runs take without the schedule, every one to ${top} epochs ` +
    `(<b>${percent(f.cost.share, 0)}</b>).</p>` +
    table(['space', 'runs', 'epochs trained', 'without the schedule', 'share'], rows, [false, true, true, true, true])
  );
}

function rungSection(f: FidelityAnalysis): string {
  const rows = f.counts.map((c) => [esc(c.space), String(c.epochs), String(c.reached), String(c.paused), String(c.stopped), String(c.done)]);
  return (
    '<h3>Rungs</h3>' +
    table(['space', 'epochs', 'reached', 'paused here', 'stopped here', 'done here'], rows, [false, true, true, true, true, true])
  );
}

function checkSection(check: FidelityCheckAnalysis, charts: Record<string, string>): string {
  const level = levelOf(check);
  const spaces = check.spaces.map((s) => [
    esc(s.space),
    String(s.lowRuns),
    String(s.pairs),
    s.correlation === null ? '–' : interval(s.correlation.spearman),
    s.correlation === null ? '–' : interval(s.correlation.kendall),
  ]);
  const pairs = check.pairs.map((p) => [`${esc(p.a)} vs ${esc(p.b)}`, verdictCell(p.lowAll), verdictCell(p.low), verdictCell(p.full), p.agreement === null ? '–' : AGREEMENT_TEXT[p.agreement]]);
  return (
    `<h3>Does ${check.low}-epoch training compare as ${check.full}-epoch training does?</h3>` +
    `<p class="empty" data-trust="${check.trust}">${esc(check.sentence)}</p>` +
    `<p class="small">Rank correlations between the errors after ${check.low} and after ${check.full} epochs of the runs trained to both ` +
    `(a seeded random subset of each space), with ${level}% percentile bootstrap intervals.</p>` +
    table(['space', `runs at ${check.low}`, `runs at both`, "Spearman's rho", "Kendall's tau-b"], spaces, [false, true, true, true, true]) +
    figures(charts, [
      ['fidelity-scatter', 'Each run trained to both fidelities: points on a rising line mean short training orders models as full training does.'],
      ['fidelity-rank', 'Rank correlation of low- and full-fidelity errors per space, with its bootstrap interval.'],
    ]) +
    '<p class="small">Two-sample KS tests between spaces, p-values Holm-corrected over the pairs of each column. ' +
    `"All runs": every run at ${check.low} epochs, the comparison the cheap sweep makes; the next two columns use the same runs ` +
    `(those trained to both), so that only the training length differs between them; the last column compares those two.</p>` +
    table(['pair', `${check.low} epochs, all runs`, `${check.low} epochs`, `${check.full} epochs`, 'verdict'], pairs)
  );
}

/**
 * The section of a sweep's fidelity schedule, given the rendered charts. Under ASHA it says that the ordinary EDFs
 * above hold only the runs trained to the top, the best of each space: the first rung's EDF is the unselected one.
 */
export function fidelitySection(f: FidelityAnalysis, charts: Record<string, string>): string {
  const asha =
    f.kind === 'asha'
      ? `<p class="small">Runs were trained by asynchronous successive halving within each space: the EDFs above hold only the runs ` +
        `trained to ${f.rungs[f.rungs.length - 1]} epochs, each space's best at the rung below. The EDF ${rungLabel(f.rungs[0]!)} holds every run.</p>`
      : '';
  return (
    `<section id="fidelity"><h2>${f.kind === 'asha' ? 'Successive halving' : 'Fidelity check'}</h2>` +
    asha +
    costSection(f) +
    figures(charts, [['fidelity-rungs', 'Error EDF per space at each rung, over every run that trained that many epochs.']]) +
    rungSection(f) +
    (f.check === null ? '' : checkSection(f.check, charts)) +
    '</section>'
  );
}

/** A sweep's fidelity schedule as the report shows it, or null for a sweep without one. */
export interface FidelityReport {
  analysis: FidelityAnalysis;
  specs: ChartSpecs;
  section(charts: Record<string, string>): string;
}

/** Analyses the schedule stored in the sweep's spec (none: null), with the report's seed and bootstrap settings. */
export function fidelityReport(sweep: SweepRecord, options: FidelityAnalysisOptions = {}): FidelityReport | null {
  const spec = storedFidelity(sweep.spec);
  if (spec === null) return null;
  const analysis = analyzeFidelity(sweep.runs, spec, options);
  return { analysis, specs: fidelityChartSpecs(analysis), section: (charts) => fidelitySection(analysis, charts) };
}
