// What a run's design looks like as numbers: the parameters plotted against error and its per-block widths.
import { bottleneckRatio, type AnyNetConfig } from '../space/config.ts';
import type { RunRecord } from '../core/types.ts';

/** Names of the parameters the report plots error against, in display order. */
export type ParameterName = 'depth' | 'width' | 'w0' | 'wa' | 'wm' | 'g' | 'b';

/** How a parameter is read from a run, and how to label it. */
export interface ParameterDef {
  name: ParameterName;
  /** Axis title. */
  label: string;
  /** Whether the axis should be logarithmic (the parameter is sampled log-uniformly). */
  log: boolean;
  /** The run's value, or null when the run's space does not have this parameter. */
  read: (run: RunRecord) => number | null;
}

function sampledNumber(run: RunRecord, key: string): number | null {
  const value = run.sampled[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The per-run parameters, reduced over stages as pycls's analysis does (d = sum of d_i, w = max w_i, g = max g_i,
 * b = max b_i) so that every space, AnyNetX A to E and RegNetX alike, shares one axis; w0, wa and wm exist only for
 * spaces that sample them (RegNetX), read from the run's `sampled` record.
 */
export const PARAMETERS: readonly ParameterDef[] = [
  { name: 'depth', label: 'depth d (blocks, all stages)', log: false, read: (r) => r.config.stages.reduce((s, st) => s + st.depth, 0) },
  { name: 'width', label: 'width w (widest stage, channels)', log: true, read: (r) => Math.max(...r.config.stages.map((s) => s.width)) },
  { name: 'w0', label: 'initial width w0 (channels)', log: true, read: (r) => sampledNumber(r, 'w0') },
  { name: 'wa', label: 'slope wa (channels per block)', log: true, read: (r) => sampledNumber(r, 'wa') },
  { name: 'wm', label: 'width multiplier wm', log: false, read: (r) => sampledNumber(r, 'wm') },
  { name: 'g', label: 'group width g (widest, channels)', log: true, read: (r) => Math.max(...r.config.stages.map((s) => s.groupWidth)) },
  { name: 'b', label: 'bottleneck ratio b (largest)', log: true, read: (r) => Math.max(...r.config.stages.map((s) => bottleneckRatio(s.bottleneckMultiplier))) },
];

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
