// Rank correlations with ties (Spearman's rho, Kendall's tau-b) and seeded bootstrap intervals around them.
//
// Written here rather than taken from npm: simple-statistics' sampleRankCorrelation ranks tied values by their order
// in the input (so its rho depends on how ties are listed) and has no Kendall tau; jstat's spearmancoeff averages tied
// ranks but jstat has no Kendall tau either, nor does @stdlib (only a ranks helper). Both coefficients are a few lines;
// their tie handling is the one scipy.stats.spearmanr and kendalltau (variant 'b') use, and the tests pin that.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { purposeRng } from '../core/random.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { checkFinite, percentileSorted } from './stats.ts';

/**
 * 1-based ranks with ties given the mean of the ranks they span ("average" ranks, scipy.stats.rankdata's default):
 * [10, 20, 20, 30] -> [1, 2.5, 2.5, 4].
 */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    // Positions start..end-1 (0-based) hold equal values: ranks start+1..end, whose mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

function checkPairs(what: string, x: readonly number[], y: readonly number[]): void {
  checkFinite(`${what} x`, x, true);
  checkFinite(`${what} y`, y, true);
  if (x.length !== y.length) throw new NetspaceError(messages.analysis.lengthMismatch(what, 'x', 'y', x.length, y.length));
}

/**
 * Spearman's rho: Pearson's correlation of the average ranks of x and of y (Spearman 1904; with ties, the definition
 * scipy.stats.spearmanr uses, not the shortcut 1 - 6 sum d^2 / (n (n^2 - 1)), which holds only without ties).
 * -1..1; null when x or y has fewer than two distinct values (no ranking to compare). Throws on unpaired or
 * non-finite input.
 */
export function spearmanRho(x: readonly number[], y: readonly number[]): number | null {
  checkPairs('spearmanRho', x, y);
  return spearmanOfChecked(x, y);
}

function spearmanOfChecked(x: readonly number[], y: readonly number[]): number | null {
  if (x.length < 2) return null;
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's tau-b (Kendall 1945, "The treatment of ties in ranking problems"): (C - D) / sqrt((n0 - n1)(n0 - n2)),
 * with C and D the concordant and discordant pairs, n0 = n(n-1)/2, and n1, n2 the pairs tied in x and in y (a pair
 * tied in both counts in n1 and n2 and in neither C nor D). scipy.stats.kendalltau's default. -1..1; null when x or
 * y has fewer than two distinct values. O(n^2) pair count: the samples here are a space's runs, tens to hundreds.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  checkPairs('kendallTauB', x, y);
  return kendallOfChecked(x, y);
}

function kendallOfChecked(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx * dy > 0) concordant++;
      else if (dx * dy < 0) discordant++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  if (!(denominator > 0)) return null;
  return Math.max(-1, Math.min(1, (concordant - discordant) / denominator));
}

/** A coefficient with its bootstrap interval. */
export interface Interval {
  /** The coefficient on the sample itself; null when undefined there (a constant sample). */
  value: number | null;
  /** Percentile bootstrap interval (numpy linear percentiles of the resampled coefficients); null with `value`. */
  low: number | null;
  high: number | null;
  /** Resamples in which the coefficient was defined (a resample can draw one pair over and over). */
  resamples: number;
}

/** Both rank correlations of one paired sample. */
export interface RankCorrelation {
  /** Pairs. */
  n: number;
  spearman: Interval;
  kendall: Interval;
  /** Coverage of the intervals, 0..1. */
  level: number;
}

/** Options of rankCorrelation. */
export interface RankCorrelationOptions {
  /** Bootstrap resamples. Default 1000. */
  resamples?: number;
  /** Coverage of the intervals, strictly between 0 and 1. Default 0.95. */
  level?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
  /** Names the random stream, so that two samples with one seed draw independent resamples. Default "rank". */
  stream?: string;
}

export const RANK_DEFAULTS: Readonly<Required<RankCorrelationOptions>> = Object.freeze({ resamples: 1000, level: 0.95, seed: 0, stream: 'rank' });

/**
 * Spearman's rho and Kendall's tau-b of the pairs (x[i], y[i]) with percentile bootstrap intervals: the pairs are
 * resampled with replacement `resamples` times (the same resamples for both coefficients), and the interval is the
 * (1 - level)/2 and (1 + level)/2 percentiles of the coefficients of the resamples where they are defined. Seeded:
 * the same input and options give the same intervals.
 */
export function rankCorrelation(x: readonly number[], y: readonly number[], options: RankCorrelationOptions = {}): RankCorrelation {
  const { resamples, level, seed, stream } = { ...RANK_DEFAULTS, ...options };
  if (!Number.isInteger(resamples) || resamples < 1) throw new NetspaceError(messages.analysis.positiveInteger('rankCorrelation', 'resamples', resamples));
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new NetspaceError(messages.analysis.percentLevel('rankCorrelation', 'level', level));
  checkPairs('rankCorrelation', x, y);
  const n = x.length;
  const rhos: number[] = [];
  const taus: number[] = [];
  if (n >= 2) {
    const rng = purposeRng(seed, stream);
    const rx = new Array<number>(n);
    const ry = new Array<number>(n);
    for (let r = 0; r < resamples; r++) {
      for (let i = 0; i < n; i++) {
        const k = uniformInt(rng, 0, n - 1);
        rx[i] = x[k]!;
        ry[i] = y[k]!;
      }
      const rho = spearmanOfChecked(rx, ry);
      const tau = kendallOfChecked(rx, ry);
      if (rho !== null) rhos.push(rho);
      if (tau !== null) taus.push(tau);
    }
  }
  const interval = (value: number | null, draws: number[]): Interval => {
    if (value === null || draws.length === 0) return { value, low: null, high: null, resamples: draws.length };
    const sorted = Float64Array.from(draws).sort();
    return { value, low: percentileSorted(sorted, ((1 - level) / 2) * 100), high: percentileSorted(sorted, ((1 + level) / 2) * 100), resamples: draws.length };
  };
  return { n, spearman: interval(spearmanOfChecked(x, y), rhos), kendall: interval(kendallOfChecked(x, y), taus), level };
}
