// What a run's design looks like as numbers: the parameter axes plotted against error and its per-block widths.
import type { AnyNetConfig } from '../space/config.ts';
import type { ParameterDomain } from '../space/domains.ts';
import type { RunRecord } from '../core/types.ts';

/** One parameter axis of the report: a name that one or more spaces' domains have, and how to draw it. */
export interface ParameterAxis {
  name: string;
  /** Axis title, from the first space that has the parameter. */
  label: string;
  /** Whether the axis should be logarithmic (the parameter is sampled log-uniformly or over powers of 2). */
  log: boolean;
  categorical: boolean;
  /** Spaces whose domains have it, in the order given. */
  spaces: string[];
}

/**
 * The parameters to plot error against: every name of the spaces' domains (d1, d2, w1, ..., b, g, w0, wa, wm), in
 * order of first appearance, so that any space, a user's AnyNet with four stages as much as AnyNetX_A, brings its own
 * parameters. Spaces that share a name (the AnyNetX spaces' d1, RegNetX's g and the shared g of AnyNetX_C) share the
 * axis, one panel each.
 */
export function parameterAxes(spaces: readonly { space: string; domains: readonly ParameterDomain[] }[]): ParameterAxis[] {
  const axes = new Map<string, ParameterAxis>();
  for (const { space, domains } of spaces) {
    for (const d of domains) {
      const axis = axes.get(d.name);
      if (axis !== undefined) axis.spaces.push(space);
      else axes.set(d.name, { name: d.name, label: d.label, log: d.kind !== 'categorical' && d.log, categorical: d.kind === 'categorical', spaces: [space] });
    }
  }
  return [...axes.values()];
}

function sampledNumber(run: RunRecord, key: string): number | null {
  const value = run.sampled[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Output width of every block, first to last: stage i's width repeated d_i times. */
export function blockWidths(config: AnyNetConfig): number[] {
  return config.stages.flatMap((s) => new Array<number>(s.depth).fill(s.width));
}

/** Where a width line comes from. */
export type WidthFitKind = 'regnet' | 'least-squares';

/** A straight width line u_j = intercept + slope * j over the blocks j = 0..d-1. */
export interface WidthFit {
  kind: WidthFitKind;
  intercept: number;
  slope: number;
  /** u_j at every block index, channels. */
  u: number[];
}

/**
 * The width line of a run. For RegNet runs (sampled w0 and wa) it is the paper's u_j = w0 + wa * j (eq. 2), before
 * quantisation; for other runs, the least-squares line through the per-block widths, the fit the paper draws over
 * the best AnyNetX_E models (section 3.3, figure 8). Null for a single block, which fixes no slope.
 */
export function widthFit(run: RunRecord): WidthFit | null {
  const widths = blockWidths(run.config);
  const d = widths.length;
  const w0 = sampledNumber(run, 'w0');
  const wa = sampledNumber(run, 'wa');
  if (w0 !== null && wa !== null) {
    return { kind: 'regnet', intercept: w0, slope: wa, u: widths.map((_, j) => w0 + wa * j) };
  }
  if (d < 2) return null;
  const meanJ = (d - 1) / 2;
  const meanW = widths.reduce((s, w) => s + w, 0) / d;
  let sxy = 0;
  let sxx = 0;
  widths.forEach((w, j) => {
    sxy += (j - meanJ) * (w - meanW);
    sxx += (j - meanJ) ** 2;
  });
  const slope = sxy / sxx;
  const intercept = meanW - slope * meanJ;
  return { kind: 'least-squares', intercept, slope, u: widths.map((_, j) => intercept + slope * j) };
}
