// The design-choice charts of a space: parameter importance (fANOVA) and the runs as lines over the parameters.
import type { TopLevelSpec } from 'vega-lite';
import type { SpaceDesignChoices } from '../analysis/design-choices.ts';
import type { ParameterDomain } from '../space/domains.ts';
import { CHART_CONFIG, CHART_WIDTH } from './chart-style.ts';
import { percent, value } from './format.ts';

/** Interactions shown under the parameters: the strongest few that explain at least this share. */
const SHOWN_INTERACTIONS = 3;
const MIN_INTERACTION = 0.01;

/** Parameters that vary in the space: the axes of the parallel coordinates. */
function varying(domains: readonly ParameterDomain[]): ParameterDomain[] {
  return domains.filter((d) => (d.kind === 'categorical' ? d.choices.length > 1 : d.low < d.high));
}

/**
 * Bars of each parameter's main-effect share (fANOVA) or impurity share (MDI), largest first, whiskers +-1 standard
 * deviation over the trees; under them the strongest pairwise interactions, in another colour. Null without importance.
 */
export function importanceChart(choices: SpaceDesignChoices): TopLevelSpec | null {
  const result = choices.importance;
  if (result === null) return null;
  const alone = [...result.parameters].sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
  const pairs = [...result.interactions]
    .sort((a, b) => b.importance - a.importance)
    .filter((i) => i.importance >= MIN_INTERACTION)
    .slice(0, SHOWN_INTERACTIONS);
  const kindAlone = result.method === 'fanova' ? 'alone (main effect)' : 'impurity decrease';
  const rows = [
    ...alone.map((p) => ({ label: p.name, kind: kindAlone, importance: p.importance, lo: Math.max(0, p.importance - p.std), hi: p.importance + p.std })),
    ...pairs.map((i) => ({ label: `${i.names[0]} × ${i.names[1]}`, kind: 'together (interaction)', importance: i.importance, lo: Math.max(0, i.importance - i.std), hi: i.importance + i.std })),
  ];
  const order = rows.map((r) => r.label);
  const y = { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelFontSize: 11 } } as const;
  const method = result.method === 'fanova' ? 'fANOVA' : 'mean decrease in impurity';
  return {
    config: CHART_CONFIG,
    title: { text: `What matters in ${choices.space}`, subtitle: `${method}, ${result.n} runs, ${result.trees} trees; whiskers ±1 sd over trees` },
    width: CHART_WIDTH,
    height: Math.max(80, 18 * rows.length),
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y,
          x: { field: 'importance', type: 'quantitative', title: 'share of the error variance explained', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: [kindAlone, 'together (interaction)'], range: ['#4e79a7', '#f28e2b'] },
            legend: { title: null, direction: 'horizontal' },
          },
        },
      },
      {
        mark: { type: 'rule', color: 'black', strokeWidth: 1.2 },
        encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
      },
    ],
  };
}

/** Where a value sits on its parameter's axis, 0 (low) to 1 (high): on a log scale for log-sampled parameters. */
function position(d: ParameterDomain, v: number): number {
  if (d.kind === 'categorical') {
    const i = d.choices.indexOf(v);
    return d.choices.length > 1 && i >= 0 ? i / (d.choices.length - 1) : 0.5;
  }
  const [f, lo, hi] = d.log ? [Math.log, Math.log(d.low), Math.log(d.high)] : [(x: number) => x, d.low, d.high];
  return Math.min(1, Math.max(0, (f(v) - lo) / (hi - lo)));
}

/** The values printed at an axis's ends. */
function ends(d: ParameterDomain): [string, string] {
  return d.kind === 'categorical' ? [value(d.choices[0]!), value(d.choices[d.choices.length - 1]!)] : [value(d.low), value(d.high)];
}

/**
 * Parallel coordinates (Inselberg 1985; Optuna's plot_parallel_coordinate): one vertical axis per varying parameter
 * spanning its domain, each finished run a line through its values, coloured by error with the best runs darkest and
 * drawn last. Null without runs or without two axes.
 */
export function parallelChart(choices: SpaceDesignChoices): TopLevelSpec | null {
  const axes = varying(choices.domains);
  if (choices.runs.length === 0 || axes.length < 2) return null;
  const names = axes.map((d) => d.name);
  // Worst first, so that the best runs' lines are drawn on top.
  const runs = [...choices.runs].sort((a, b) => b.error - a.error || a.runId - b.runId);
  const lines = runs.flatMap((r, order) =>
    axes.map((d) => ({ run: r.runId, order, parameter: d.name, position: position(d, r.parameters[d.name]!), error: r.error, value: value(r.parameters[d.name]!) })),
  );
  const labels = axes.flatMap((d) => {
    const [low, high] = ends(d);
    return [
      { parameter: d.name, position: 0, text: low },
      { parameter: d.name, position: 1, text: high },
    ];
  });
  const x = { field: 'parameter', type: 'nominal', sort: names, scale: { domain: names, padding: 0.3 }, axis: { title: null, orient: 'bottom', labelAngle: 0, domain: false, ticks: false, labelPadding: 14 } } as const;
  const y = { field: 'position', type: 'quantitative', scale: { domain: [0, 1] as number[] }, axis: null } as const;
  return {
    config: CHART_CONFIG,
    title: { text: `${choices.space}: every run across the parameters`, subtitle: `${choices.runs.length} runs; each axis spans the parameter's range (log where sampled so)` },
    width: Math.max(CHART_WIDTH, 48 * axes.length),
    height: 220,
    layer: [
      { data: { values: axes.map((d) => ({ parameter: d.name })) }, mark: { type: 'rule', color: '#bbb' }, encoding: { x } },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.4, opacity: 0.8 },
        encoding: {
          x,
          y,
          detail: { field: 'run', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
          color: {
            field: 'error',
            type: 'quantitative',
            scale: { scheme: 'viridis' },
            legend: { title: 'error', format: '.1%', direction: 'horizontal', gradientLength: 200 },
          },
        },
      },
      // Each axis's ends printed just outside it: the low value under it, the high one above it.
      ...(['low', 'high'] as const).map((end) => ({
        data: { values: labels.filter((l) => (l.position === 0) === (end === 'low')) },
        mark: { type: 'text' as const, fontSize: 10, color: '#555', baseline: end === 'low' ? ('top' as const) : ('bottom' as const), dy: end === 'low' ? 3 : -3 },
        encoding: { x, y, text: { field: 'text', type: 'nominal' as const } },
      })),
    ],
  };
}

/** A chart name for each space, made file-safe ("sweep/AnyNetX_A" -> "sweep_AnyNetX_A"), never twice the same. */
export function spaceSlugs(spaces: readonly string[]): string[] {
  const taken = new Set<string>();
  return spaces.map((space) => {
    const base = space.replace(/[^\w.-]+/g, '_');
    let slug = base;
    for (let k = 2; taken.has(slug); k++) slug = `${base}-${k}`;
    taken.add(slug);
    return slug;
  });
}

/** The caption of a space's importance chart. */
export function importanceCaption(choices: SpaceDesignChoices, scale: string): string {
  const r = choices.importance!;
  const top = [...r.parameters].sort((a, b) => b.importance - a.importance)[0]!;
  const measured = r.method === 'fanova'
    ? `fANOVA (Hutter et al. 2014): the share of the variance of a random forest's predicted error over ${choices.space}'s parameter space ` +
      `that each parameter explains alone, and pairs together beyond that${scale === 'log' ? '; log-sampled parameters measured on a log scale' : ''}`
    : 'mean decrease in impurity: each parameter\'s share of the squared error its splits remove in a random forest';
  return `${measured}. Forest of ${r.trees} trees fitted to ${r.n} finished runs; whiskers ±1 standard deviation over the trees. ` +
    `Largest: ${top.name} at ${percent(top.importance, 0)}.`;
}
