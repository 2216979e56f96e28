// What the evidence of a sweep supports: which spaces differ (KS, Holm), by how much (median difference with a
// bootstrap interval), and, when nothing can be told, how many runs per space a difference would take (simulated).
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { purposeRng, type RandomGenerator } from '../core/random.ts';
import type { RunRecord, SweepRecord } from '../core/types.ts';
import { datasetSpec, DEFAULT_DATASET } from '../data/datasets.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { holmAdjust } from './holm.ts';
import { ksStatisticScaled, ksTwoSample } from './ks.ts';
import { mean, median, percentileSorted, sortedCopy } from './stats.ts';

/** Knobs of the verdict; every one has a default in VERDICT_DEFAULTS. */
export interface VerdictOptions {
  /** Family-wise level of the KS tests over all pairs of spaces (Holm's correction). Default 0.05. */
  alpha?: number;
  /** Bootstrap resamples of each difference of median errors. Default 2000. */
  resamples?: number;
  /** Coverage of the bootstrap intervals. Default 0.95. */
  level?: number;
  /** Chance of detecting a difference that the power estimate asks for. Default 0.8. */
  power?: number;
  /** Simulated sweeps per sample size in the power estimate. Default 400. */
  simulations?: number;
  /**
   * Smallest difference of median errors (0..1) the power estimate looks for: a pair whose observed difference is
   * smaller is asked about this one instead. Default 0.01 (one percentage point).
   */
  minDifference?: number;
  /** Seed of the bootstraps and simulations. Default 0. */
  seed?: number;
}

export const VERDICT_DEFAULTS: Readonly<Required<VerdictOptions>> = Object.freeze({
  alpha: 0.05,
  resamples: 2000,
  level: 0.95,
  power: 0.8,
  simulations: 400,
  minDifference: 0.01,
  seed: 0,
});

/** Sample sizes the power estimate tries, per space; past the last one it reports "more". */
export const POWER_GRID: readonly number[] = [5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300, 400, 500, 750, 1000];

/** One space's finished runs as the verdict quotes them. */
export interface SpaceErrors {
  space: string;
  /** Finished runs with an error. */
  n: number;
  /** Error statistics, 0..1. */
  minError: number;
  medianError: number;
  meanError: number;
  /** The run with the lowest error (the lowest id among ties). */
  bestRunId: number;
}

/** A statistic with its percentile bootstrap interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
  /** Coverage of [low, high], 0..1. */
  level: number;
  resamples: number;
}

/**
 * How many runs per space it would take to detect a difference of median errors, estimated by simulation: both spaces
 * drawn from the pair's pooled spread around their medians (a kernel density of the residuals, Silverman's bandwidth),
 * one shifted by `difference`, `simulations` times per size; the KS test at `testLevel` must reject in a share
 * `power` of them. An estimate from these runs, not a guarantee.
 */
export interface PowerEstimate {
  /** Difference of median errors looked for, 0..1. */
  difference: number;
  /** `observed`: the pair's own difference; `minimum`: the observed one was smaller than minDifference. */
  basis: 'observed' | 'minimum';
  /** Level each pair's test must reach: alpha over the number of pairs (Holm's first step, Bonferroni's bound). */
  testLevel: number;
  /** Wanted chance of detection. */
  power: number;
  /** Smallest size of POWER_GRID that reaches `power`; null when none up to its last does. */
  runsPerSpace: number | null;
  /** Estimated power at each size simulated (a bisection of POWER_GRID), by size. */
  curve: { n: number; power: number }[];
  simulations: number;
}

/** The comparison of two spaces. */
export interface PairVerdict {
  a: string;
  b: string;
  /** Runs of a and of b. */
  n: number;
  m: number;
  /** Two-sample KS statistic D and its p-value (ks.ts), and the p-value Holm-adjusted over every pair. */
  statistic: number;
  pValue: number;
  adjusted: number;
  /** The adjusted p-value is below alpha. */
  differ: boolean;
  /** The space with the lower median error (then mean); null when both are equal. */
  lower: string | null;
  /** median error of a minus median error of b, with its bootstrap interval (each space resampled on its own). */
  medianDifference: Estimate;
  /** Smallest p-value any KS test can give with n and m runs (the samples do not overlap at all). */
  smallestPValue: number;
  /** Runs per space needed to detect the difference, for pairs that do not differ; null for pairs that do. */
  power: PowerEstimate | null;
}

/**
 * What the evidence supports, in one word: some pairs `differ`; `no-difference` was found though one could have
 * been; too few runs (`too-few`) for any test to reach alpha after the correction; every finished run near chance
 * (`at-chance`, whatever the tests give: see chanceError); one space (`one-space`) or none with finished runs
 * (`no-runs`) leave nothing to compare.
 */
export type VerdictKind = 'differ' | 'no-difference' | 'too-few' | 'at-chance' | 'one-space' | 'no-runs';

/** The verdict of a sweep: the numbers the report's opening sentences and `sweep run`'s last lines quote. */
export interface Verdict {
  kind: VerdictKind;
  /** Spaces with finished runs, lowest median error first. */
  spaces: SpaceErrors[];
  /** Every pair of those spaces, in the order of their first runs. */
  pairs: PairVerdict[];
  /** Runs still to finish (pending, running, paused): a verdict on an unfinished sweep may change. */
  unfinished: number;
  /** Runs a fidelity schedule stopped before the full budget: left out, their errors are from shorter training. */
  stopped: number;
  /**
   * The chance-level error (1 - 1/classes) when every finished run is near it (accuracy under 1.5x chance): the
   * models learnt next to nothing, so the comparison says nothing about the spaces. Null otherwise.
   */
  chanceError: number | null;
  /** The correction for multiple comparisons applied to the KS p-values. */
  correction: 'holm';
  options: Required<VerdictOptions>;
}

const OPTION_CHECKS: Record<keyof VerdictOptions, [(v: unknown) => boolean, (source: string, key: string, v: unknown) => string]> = {
  alpha: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  resamples: [(v) => Number.isInteger(v) && (v as number) >= 1, messages.analysis.positiveInteger],
  level: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  power: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  simulations: [(v) => Number.isInteger(v) && (v as number) >= 1, messages.analysis.positiveInteger],
  minDifference: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  seed: [(v) => Number.isInteger(v) && (v as number) >= 0, messages.analysis.nonNegativeInteger],
};

function parseOptions(options: VerdictOptions): Required<VerdictOptions> {
  for (const [key, v] of Object.entries(options)) {
    const check = OPTION_CHECKS[key as keyof VerdictOptions];
    if (check === undefined) throw new NetspaceError(messages.analysis.unknownOption('sweepVerdict', key, Object.keys(OPTION_CHECKS)));
    if (v !== undefined && !check[0](v)) throw new NetspaceError(check[1]('sweepVerdict', key, v));
  }
  return { ...VERDICT_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}

/** Standard normal draws (Box-Muller, both values of each pair used). */
function normals(rng: RandomGenerator): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng)));
    const theta = 2 * Math.PI * uniformFloat64(rng);
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** A resample with replacement of `values`. */
function resample(rng: RandomGenerator, values: readonly number[]): number[] {
  return Array.from(values, () => values[uniformInt(rng, 0, values.length - 1)]!);
}

/** median(a) - median(b) with a percentile bootstrap interval, each sample resampled on its own. */
export function medianDifference(a: readonly number[], b: readonly number[], options: { resamples: number; level: number; seed: number; stream: string }): Estimate {
  const rng = purposeRng(options.seed, options.stream);
  const draws = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) draws[r] = median(resample(rng, a)) - median(resample(rng, b));
  draws.sort();
  return {
    value: median(a) - median(b),
    low: percentileSorted(draws, ((1 - options.level) / 2) * 100),
    high: percentileSorted(draws, ((1 + options.level) / 2) * 100),
    level: options.level,
    resamples: options.resamples,
  };
}

/** The smallest p-value of the two-sided KS test with n and m runs: reached when the samples do not overlap. */
export function smallestKsPValue(n: number, m: number): number {
  return ksTwoSample(Array.from({ length: n }, (_, i) => i), Array.from({ length: m }, (_, j) => n + j)).pValue;
}

const criticalCache = new Map<string, number>();

/**
 * The critical value of the KS test with n runs on each side at `level`: the smallest k such that D >= k/n has
 * probability at most `level` under the null (exact lattice p-values, found by bisection; the distribution of D does
 * not depend on the data for continuous samples). n + 1 when no D reaches it.
 */
export function ksCriticalCount(n: number, level: number): number {
  const key = `${n}/${level}`;
  const cached = criticalCache.get(key);
  if (cached !== undefined) return cached;
  const left = Array.from({ length: n }, (_, i) => i);
  // Samples whose EDFs differ by exactly k/n at most: b is a shifted by k places.
  const pAt = (k: number): number => ksTwoSample(left, left.map((x) => x + k - 0.5)).pValue;
  let lo = 1;
  let hi = n + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pAt(mid) <= level) hi = mid;
    else lo = mid + 1;
  }
  criticalCache.set(key, lo);
  return lo;
}

/** Silverman's rule-of-thumb bandwidth of a Gaussian kernel density: 0.9 min(sd, IQR/1.34) N^(-1/5). */
function silverman(values: readonly number[]): number {
  const n = values.length;
  const m = mean(values);
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, n - 1));
  const sorted = sortedCopy(values);
  const iqr = percentileSorted(sorted, 75) - percentileSorted(sorted, 25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  return 0.9 * spread * n ** -0.2;
}

/**
 * Runs per space needed to detect a shift of `difference` in the errors of two spaces whose errors spread like
 * `residuals` (each run's error minus its space's median), with the KS test at `testLevel`, with chance `power`.
 */
export function powerEstimate(
  residuals: readonly number[],
  difference: number,
  basis: PowerEstimate['basis'],
  options: { testLevel: number; power: number; simulations: number; seed: number; stream: string },
): PowerEstimate {
  const rng = purposeRng(options.seed, options.stream);
  const h = silverman(residuals);
  const normal = normals(rng);
  const fill = (sample: Float64Array, shift: number): Float64Array => {
    for (let i = 0; i < sample.length; i++) sample[i] = residuals[uniformInt(rng, 0, residuals.length - 1)]! + h * normal() + shift;
    return sample;
  };
  const powerAt = (n: number): number => {
    const critical = ksCriticalCount(n, options.testLevel) * n;
    const [a, b] = [new Float64Array(n), new Float64Array(n)];
    let detected = 0;
    for (let s = 0; s < options.simulations; s++) {
      if (ksStatisticScaled(fill(a, 0), fill(b, difference)).scaled >= critical) detected++;
    }
    return detected / options.simulations;
  };
  // Power grows with n, so the grid is bisected: a handful of sizes is simulated, the largest first.
  const curve: PowerEstimate['curve'] = [];
  const at = (i: number): boolean => {
    const n = POWER_GRID[i]!;
    const power = powerAt(n);
    curve.push({ n, power });
    return power >= options.power;
  };
  let runsPerSpace: number | null = null;
  let hi = POWER_GRID.length - 1;
  if (at(hi)) {
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid)) hi = mid;
      else lo = mid + 1;
    }
    runsPerSpace = POWER_GRID[hi]!;
  }
  curve.sort((x, y) => x.n - y.n);
  return { difference, basis, testLevel: options.testLevel, power: options.power, runsPerSpace, curve, simulations: options.simulations };
}

/** A finished run with an error the verdict can use. */
function scoredError(run: RunRecord): number | null {
  return run.status === 'done' && typeof run.finalError === 'number' && Number.isFinite(run.finalError) ? run.finalError : null;
}

/** Each space's finished errors, spaces in order of their first run. */
function errorsBySpace(runs: readonly RunRecord[]): { space: string; errors: number[]; best: number }[] {
  const sorted = [...runs].sort((a, b) => a.id - b.id);
  const out = new Map<string, { space: string; errors: number[]; best: number; bestError: number }>();
  for (const run of sorted) {
    const error = scoredError(run);
    if (error === null) continue;
    let entry = out.get(run.space);
    if (entry === undefined) out.set(run.space, (entry = { space: run.space, errors: [], best: run.id, bestError: error }));
    entry.errors.push(error);
    if (error < entry.bestError) Object.assign(entry, { best: run.id, bestError: error });
  }
  const order = [...new Set(sorted.map((r) => r.space))];
  return order.flatMap((space) => (out.has(space) ? [out.get(space)!] : []));
}

/**
 * The verdict on a sweep's finished runs (status done with an error): every pair of spaces compared by the two-sample
 * KS test, p-values Holm-adjusted over the pairs (Holm 1979), a pair differing when its adjusted p-value is below
 * alpha; the difference of median errors with a percentile bootstrap interval; for pairs that do not differ, the runs
 * per space that would detect their difference (or minDifference, when larger) with the chosen power. Seeded: the
 * same runs and options give the same verdict.
 */
export function sweepVerdict(sweep: Pick<SweepRecord, 'runs'>, options: VerdictOptions = {}): Verdict {
  const opts = parseOptions(options);
  const groups = errorsBySpace(sweep.runs);
  const unfinished = sweep.runs.filter((r) => r.status === 'pending' || r.status === 'running' || r.status === 'paused').length;
  const spaces: SpaceErrors[] = groups
    .map((g) => ({ space: g.space, n: g.errors.length, minError: Math.min(...g.errors), medianError: median(g.errors), meanError: mean(g.errors), bestRunId: g.best }))
    .sort((x, y) => x.medianError - y.medianError || x.meanError - y.meanError);
  const pairs = comparePairs(groups, opts);
  const stopped = sweep.runs.filter((r) => r.status === 'stopped').length;
  const chance = chanceError(sweep.runs);
  const kind = chance !== null && groups.length > 1 ? 'at-chance' : verdictKind(groups.length, pairs, opts.alpha);
  return { kind, spaces, pairs, unfinished, stopped, chanceError: chance, correction: 'holm', options: opts };
}

/** 1 - 1/classes when every scored run's accuracy is under 1.5x chance's (1/classes); null otherwise or with none. */
function chanceError(runs: readonly RunRecord[]): number | null {
  const scored = runs.flatMap((run) => {
    const error = scoredError(run);
    return error === null ? [] : [{ error, classes: datasetSpec(run.settings?.dataset ?? DEFAULT_DATASET).classNames.length }];
  });
  if (scored.length === 0 || scored.some((r) => 1 - r.error >= 1.5 / r.classes)) return null;
  const classes = new Set(scored.map((r) => r.classes));
  return classes.size === 1 ? 1 - 1 / scored[0]!.classes : null;
}

function verdictKind(spaceCount: number, pairs: readonly PairVerdict[], alpha: number): VerdictKind {
  if (spaceCount === 0) return 'no-runs';
  if (spaceCount === 1) return 'one-space';
  if (pairs.some((p) => p.differ)) return 'differ';
  // Holm's smallest adjusted p-value is m * p: when no pair could get below alpha/m, no test could have said anything.
  return pairs.every((p) => p.smallestPValue * pairs.length >= alpha) ? 'too-few' : 'no-difference';
}

function comparePairs(groups: readonly { space: string; errors: number[] }[], opts: Required<VerdictOptions>): PairVerdict[] {
  const indexPairs = groups.flatMap((_, i) => groups.slice(i + 1).map((__, k) => [i, i + 1 + k] as const));
  const tests = indexPairs.map(([i, j]) => ksTwoSample(groups[i]!.errors, groups[j]!.errors));
  const adjusted = holmAdjust(tests.map((t) => t.pValue));
  const testLevel = opts.alpha / Math.max(1, indexPairs.length);
  return indexPairs.map(([i, j], k): PairVerdict => {
    const [a, b] = [groups[i]!, groups[j]!];
    const test = tests[k]!;
    const order = median(a.errors) - median(b.errors) || mean(a.errors) - mean(b.errors);
    const differ = adjusted[k]! < opts.alpha;
    const stream = `verdict/${a.space}/${b.space}`;
    const difference = medianDifference(a.errors, b.errors, { resamples: opts.resamples, level: opts.level, seed: opts.seed, stream: `${stream}/median` });
    let power: PowerEstimate | null = null;
    if (!differ) {
      const observed = Math.abs(difference.value);
      const residuals = [...a.errors.map((e) => e - median(a.errors)), ...b.errors.map((e) => e - median(b.errors))];
      power = powerEstimate(residuals, Math.max(observed, opts.minDifference), observed >= opts.minDifference ? 'observed' : 'minimum', {
        testLevel,
        power: opts.power,
        simulations: opts.simulations,
        seed: opts.seed,
        stream: `${stream}/power`,
      });
    }
    return {
      a: a.space,
      b: b.space,
      n: test.n,
      m: test.m,
      statistic: test.statistic,
      pValue: test.pValue,
      adjusted: adjusted[k]!,
      differ,
      lower: order === 0 ? null : order < 0 ? a.space : b.space,
      medianDifference: difference,
      smallestPValue: smallestKsPValue(test.n, test.m),
      power,
    };
  });
}
