// Error EDFs (paper eq. 1), complexity-normalised EDFs (Radosavovic et al. 2019) and bootstrap bands around them.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { purposeRng } from '../core/random.ts';
import { checkFinite, percentileSorted, sortedCopy } from './stats.ts';

/**
 * One step of an EDF drawn as a step-after line: F jumps to `y` at `x` and stays there until the next point's `x`.
 * Eq. 1 counts errors strictly below e, so F(x) itself is the previous point's y; `y` is F just to the right of x.
 */
export interface EdfPoint {
  /** An error value present in the sample (0..1 for top-1 error). */
  x: number;
  /** Weighted fraction of the sample with error <= x, 0..1. */
  y: number;
}

/** F(e) = (1/n) * #{errors < e}, paper eq. 1, evaluated at one e. */
export function evalEdf(errors: readonly number[], e: number): number {
  checkFinite('evalEdf errors', errors);
  let below = 0;
  for (const v of errors) if (v < e) below++;
  return below / errors.length;
}

/** The EDF of a sample as step points, one per distinct error, ascending. An empty sample gives no points. */
export function edf(errors: readonly number[]): EdfPoint[] {
  checkFinite('edf errors', errors, true);
  return weightedEdf(errors, errors.map(() => 1));
}

/**
 * The EDF with per-run weights: F(e) = sum of w_i over errors < e, divided by the total weight. Runs of weight 0
 * do not appear. Throws when weights and errors do not pair up or a weight is negative or not finite.
 */
export function weightedEdf(errors: readonly number[], weights: readonly number[]): EdfPoint[] {
  checkFinite('weightedEdf errors', errors, true);
  checkFinite('weightedEdf weights', weights, true);
  if (errors.length !== weights.length) {
    throw new NetspaceError(messages.analysis.lengthMismatch('weightedEdf', 'errors', 'weights', errors.length, weights.length));
  }
  weights.forEach((w, i) => {
    if (w < 0) throw new NetspaceError(messages.analysis.negativeWeight('weightedEdf', i, w));
  });
  const order = errors.map((_, i) => i).filter((i) => weights[i] > 0);
  order.sort((i, j) => errors[i] - errors[j]);
  const total = order.reduce((sum, i) => sum + weights[i], 0);
  const points: EdfPoint[] = [];
  let cumulative = 0;
  for (const i of order) {
    cumulative += weights[i] as number;
    const x = errors[i] as number;
    const last = points[points.length - 1];
    if (last !== undefined && last.x === x) last.y = cumulative / total;
    else points.push({ x, y: cumulative / total });
  }
  // Summing in floating point can leave the last step at 0.9999999999999999; the whole sample is 1 by definition.
  const end = points[points.length - 1];
  if (end !== undefined) end.y = 1;
  return points;
}

/** Options of the complexity normalisation. */
export interface NormalizeOptions {
  /** Bins over the shared flops range (log10 spaced). Default 10. */
  bins?: number;
}

/** One design space's sample for the normalised EDF: errors and the flops of the same runs. */
export interface ComplexitySample {
  errors: readonly number[];
  /** Analytic flops of each run, > 0 (multiply-adds, as pycls counts). */
  flops: readonly number[];
}

/** One space's complexity-normalised EDF. */
export interface NormalizedCurve {
  /** Weight of each run, in the order given; sums to 1 over the runs inside the shared bins, 0 outside. */
  weights: number[];
  points: EdfPoint[];
  /** Runs with a non-zero weight. */
  used: number;
}

/** The normalisation of several spaces at once: shared bins and one curve per space, in the order given. */
export interface NormalizedEdfResult {
  /** Bin edges in flops (ascending, bins + 1 of them), log10 spaced over the range every space covers. */
  edges: number[];
  /** Indices of the bins that hold at least one run of every space; only these carry weight. */
  sharedBins: number[];
  curves: NormalizedCurve[];
}

const NORMALIZE_DEFAULTS: Readonly<Required<NormalizeOptions>> = Object.freeze({ bins: 10 });

/**
 * Complexity-normalised EDFs (Radosavovic et al. 2019, "On Network Design Spaces for Visual Recognition", sec. 4):
 * each space's runs are weighted so that its flops distribution is uniform over the bins all spaces share, so that a
 * space is not judged better only because it samples bigger models. Bins are equal in log10(flops) over the overlap
 * [max of the spaces' minima, min of their maxima]; a bin counts when every space has a run in it; a run in shared bin
 * b of a space with n_b runs there gets weight 1 / (B * n_b), B being the number of shared bins; other runs get 0.
 * Returns null when the spaces' flops ranges do not overlap or no bin is shared (nothing can be compared fairly).
 */
export function normalizedEdf(samples: readonly ComplexitySample[], options: NormalizeOptions = {}): NormalizedEdfResult | null {
  const { bins } = { ...NORMALIZE_DEFAULTS, ...options };
  if (!Number.isInteger(bins) || bins < 1) throw new NetspaceError(messages.analysis.positiveInteger('normalizedEdf', 'bins', bins));
  samples.forEach((s, k) => {
    checkFinite(`normalizedEdf space [${k}] errors`, s.errors);
    checkFinite(`normalizedEdf space [${k}] flops`, s.flops);
    if (s.errors.length !== s.flops.length) {
      throw new NetspaceError(messages.analysis.lengthMismatch(`normalizedEdf space [${k}]`, 'errors', 'flops', s.errors.length, s.flops.length));
    }
    s.flops.forEach((f, i) => {
      if (f <= 0) throw new NetspaceError(messages.analysis.nonPositiveFlops(`normalizedEdf space [${k}]`, i, f));
    });
  });
  if (samples.length === 0) return null;
  const logs = samples.map((s) => s.flops.map(Math.log10));
  const lo = Math.max(...logs.map((l) => Math.min(...l)));
  const hi = Math.min(...logs.map((l) => Math.max(...l)));
  if (lo > hi) return null;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => 10 ** (i === bins ? hi : lo + i * width));
  // The top edge belongs to the last bin, and a zero-width range (all flops equal) is one bin.
  const binOf = (logFlops: number): number | null => {
    if (logFlops < lo || logFlops > hi) return null;
    if (width === 0) return 0;
    return Math.min(bins - 1, Math.floor((logFlops - lo) / width));
  };
  const assigned = logs.map((l) => l.map(binOf));
  const counts = assigned.map((a) => {
    const c = new Array<number>(bins).fill(0);
    for (const b of a) if (b !== null) c[b] = c[b] + 1;
    return c;
  });
  const sharedBins = Array.from({ length: bins }, (_, b) => b).filter((b) => counts.every((c) => c[b] > 0));
  if (sharedBins.length === 0) return null;
  const shared = new Set(sharedBins);
  const curves = samples.map((s, k): NormalizedCurve => {
    const weights = assigned[k].map((b) =>
      b !== null && shared.has(b) ? 1 / (sharedBins.length * (counts[k][b] as number)) : 0,
    );
    return { weights, points: weightedEdf(s.errors, weights), used: weights.filter((w) => w > 0).length };
  });
  return { edges, sharedBins, curves };
}

/** Options of the bootstrap band. */
export interface BandOptions {
  /** Bootstrap resamples. Default 1000. */
  resamples?: number;
  /** Coverage of the pointwise band, strictly between 0 and 1. Default 0.95 (2.5th to 97.5th percentile). */
  level?: number;
  /** Seed of the resampling (pure-rand xoroshiro128+). Default 0. */
  seed?: number;
  /** Names the stream, so that two spaces with the same seed draw independent resamples. Default "edf-band". */
  stream?: string;
}

/** The band at one error value. */
export interface BandPoint {
  /** An error value of the sample (the EDF's step positions). */
  x: number;
  /** Lower and upper pointwise percentiles of the resampled F just right of x, 0..1. */
  lo: number;
  hi: number;
}

const BAND_DEFAULTS: Readonly<Required<BandOptions>> = Object.freeze({ resamples: 1000, level: 0.95, seed: 0, stream: 'edf-band' });

/**
 * Pointwise bootstrap confidence band of an EDF: resample the errors with replacement `resamples` times, take each
 * resample's EDF at the sample's distinct errors, and report the (1-level)/2 and (1+level)/2 percentiles (numpy
 * linear) at every one. A resample is drawn as counts per distinct value, so it costs O(n) and needs no sort.
 */
export function bootstrapEdfBand(errors: readonly number[], options: BandOptions = {}): BandPoint[] {
  const { resamples, level, seed, stream } = { ...BAND_DEFAULTS, ...options };
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new NetspaceError(messages.analysis.positiveInteger('bootstrapEdfBand', 'resamples', resamples));
  }
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new NetspaceError(messages.analysis.percentLevel('bootstrapEdfBand', 'level', level));
  }
  checkFinite('bootstrapEdfBand errors', errors, true);
  const n = errors.length;
  if (n === 0) return [];
  const sorted = sortedCopy(errors);
  const xs: number[] = [];
  // rankOf[i]: index in xs of sorted[i], so a draw of sorted index i adds one to its distinct value's count.
  const rankOf = new Int32Array(n);
  sorted.forEach((v, i) => {
    if (xs.length === 0 || xs[xs.length - 1] !== v) xs.push(v);
    rankOf[i] = xs.length - 1;
  });
  const k = xs.length;
  const curves = Array.from({ length: k }, () => new Float64Array(resamples));
  const counts = new Int32Array(k);
  const rng = purposeRng(seed, stream);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let d = 0; d < n; d++) counts[rankOf[uniformInt(rng, 0, n - 1)]] += 1;
    let cumulative = 0;
    for (let j = 0; j < k; j++) {
      cumulative += counts[j];
      curves[j][r] = cumulative / n;
    }
  }
  const lowP = ((1 - level) / 2) * 100;
  const highP = ((1 + level) / 2) * 100;
  return xs.map((x, j) => {
    const values = curves[j].sort();
    return { x, lo: percentileSorted(values, lowP), hi: percentileSorted(values, highP) };
  });
}
