// What a multi-fidelity sweep shows: EDFs per rung, where runs stand, the epochs it cost, and for the fidelity check
// whether short training ranks models and compares spaces as full training does. Pure: plain run records in.
import type { RunRecord } from '../core/types.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { fidelityRungs, type FidelitySpec } from '../sweep/fidelity-spec.ts';
import { edf, type EdfPoint } from './edf.ts';
import { holmAdjust } from './holm.ts';
import { ksTwoSample } from './ks.ts';
import { rankCorrelation, type RankCorrelation } from './rank.ts';
import { mean, median } from './stats.ts';

/** What the analysis reads of a run: its space, status and epochs (a RunRecord has them all). */
export type FidelityRun = Pick<RunRecord, 'id' | 'space' | 'epochs'> & { status: string };

/** Knobs of the fidelity analysis; defaults in FIDELITY_ANALYSIS_DEFAULTS. */
export interface FidelityAnalysisOptions {
  /** Bootstrap resamples of each rank-correlation interval. Default 1000. */
  resamples?: number;
  /** Coverage of those intervals, strictly between 0 and 1. Default 0.95. */
  level?: number;
  /** Seed of the bootstraps. Default 0. */
  seed?: number;
  /** Family-wise level of the KS verdicts (Holm-adjusted p below it: the spaces differ). Default 0.05. */
  alpha?: number;
  /**
   * Spearman's rho between low- and full-fidelity errors that counts as ranking models alike, -1..1. Default 0.5:
   * below it short training orders a space's models only loosely like full training.
   */
  minRho?: number;
  /** Runs per space trained at both fidelities below which the check says too little to judge. Default 5. */
  minPairs?: number;
}

export const FIDELITY_ANALYSIS_DEFAULTS: Readonly<Required<FidelityAnalysisOptions>> = Object.freeze({
  resamples: 1000,
  level: 0.95,
  seed: 0,
  alpha: 0.05,
  minRho: 0.5,
  minPairs: 5,
});

/** The error EDF of one space's runs at one rung. */
export interface RungEdf {
  /** Epochs of the rung. */
  epochs: number;
  space: string;
  /** Runs of the space with an epoch `epochs` (whatever became of them after). */
  n: number;
  minError: number;
  meanError: number;
  points: EdfPoint[];
}

/** Where the runs of one space stand at one rung (`sweep status`). */
export interface RungCount {
  space: string;
  epochs: number;
  /** Runs that trained at least this many epochs. */
  reached: number;
  /** Runs that stand exactly here: paused (waiting for a promotion) or stopped for good, or done (the top). */
  paused: number;
  stopped: number;
  done: number;
}

/** Epochs trained against the epochs of the same sweep without a schedule (every run to the top fidelity). */
export interface EpochCost {
  trained: number;
  unscheduled: number;
  /** trained / unscheduled, 0..1 (0 for a sweep with no runs). */
  share: number;
  bySpace: { space: string; runs: number; trained: number; unscheduled: number }[];
}

/** A KS comparison of two spaces at one fidelity, with its verdict under Holm's correction over the pairs. */
export interface KsVerdict {
  statistic: number;
  pValue: number;
  /** Holm-adjusted over the pairs compared at the same fidelity on the same runs. */
  adjusted: number;
  /** `differ` when adjusted < alpha; `lower` names the space with the lower median error then. */
  verdict: 'differ' | 'no-difference';
  lower: string | null;
  /** Runs of a and of b. */
  n: number;
  m: number;
}

/** One pair of spaces in the check's verdict table. */
export interface CheckPair {
  a: string;
  b: string;
  /** At low fidelity over every run trained that far: the cheap comparison a user would make. */
  lowAll: KsVerdict | null;
  /** At low fidelity over the runs also trained to full, and at full over the same runs: only fidelity differs. */
  low: KsVerdict | null;
  full: KsVerdict | null;
  /** How the verdict at low compares with the one at full on the same runs; null when either is missing. */
  agreement: Agreement | null;
}

/**
 * `same`: both find no difference, or both the same space lower; `changed`: one finds a difference, the other none;
 * `reversed`: both find a difference, in opposite directions.
 */
export type Agreement = 'same' | 'changed' | 'reversed';

/** How far the cheap comparison can be trusted in this setting. */
export type Trust = 'trusted' | 'doubtful' | 'not-trusted' | 'too-few';

/** The fidelity check's results. */
export interface FidelityCheckAnalysis {
  low: number;
  full: number;
  /** Per space: runs at low, runs at both, and the rank correlation of their low- and full-fidelity errors. */
  spaces: { space: string; lowRuns: number; pairs: number; correlation: RankCorrelation | null }[];
  pairs: CheckPair[];
  /** Every run trained to both fidelities, with its error at each (0..1). */
  points: { runId: number; space: string; low: number; full: number }[];
  trust: Trust;
  /** One sentence saying whether the cheap comparison can be trusted here, and why. */
  sentence: string;
}

/** Everything the report shows of a sweep with a schedule. */
export interface FidelityAnalysis {
  kind: FidelitySpec['kind'];
  /** Epochs compared at, ascending (the top fidelity last). */
  rungs: number[];
  edfs: RungEdf[];
  counts: RungCount[];
  cost: EpochCost;
  /** The fidelity check's table; null under ASHA. */
  check: FidelityCheckAnalysis | null;
  options: Required<FidelityAnalysisOptions>;
}

const OPTION_CHECKS: Record<keyof FidelityAnalysisOptions, [(v: unknown) => boolean, (source: string, key: string, v: unknown) => string]> = {
  resamples: [(v) => Number.isInteger(v) && (v as number) >= 1, messages.analysis.positiveInteger],
  level: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  seed: [(v) => Number.isInteger(v) && (v as number) >= 0, messages.analysis.nonNegativeInteger],
  alpha: [(v) => typeof v === 'number' && v > 0 && v < 1, messages.analysis.percentLevel],
  minRho: [(v) => typeof v === 'number' && v >= -1 && v <= 1, messages.analysis.correlation],
  minPairs: [(v) => Number.isInteger(v) && (v as number) >= 2, messages.analysis.atLeastTwo],
};

function parseOptions(options: FidelityAnalysisOptions): Required<FidelityAnalysisOptions> {
  for (const [key, v] of Object.entries(options)) {
    const check = OPTION_CHECKS[key as keyof FidelityAnalysisOptions];
    if (check === undefined) throw new NetspaceError(messages.analysis.unknownOption('analyzeFidelity', key, Object.keys(OPTION_CHECKS)));
    if (v !== undefined && !check[0](v)) throw new NetspaceError(check[1]('analyzeFidelity', key, v));
  }
  return { ...FIDELITY_ANALYSIS_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}

/** Top-1 validation error of `run` after epoch `epoch` (1 - its accuracy), or null when it never trained that far. */
export function errorAt(run: Pick<RunRecord, 'epochs'>, epoch: number): number | null {
  const record = run.epochs.find((e) => e.epoch === epoch);
  return record === undefined || !Number.isFinite(record.valAccuracy) ? null : 1 - record.valAccuracy;
}

/** Space names in order of their first run id. */
function spacesOf(runs: readonly FidelityRun[]): string[] {
  return [...new Set([...runs].sort((a, b) => a.id - b.id).map((r) => r.space))];
}

/**
 * Per rung and space, the EDF of the errors at that rung of every run that reached it. Under ASHA the rung-e EDF is
 * drawn from every run that trained e epochs: at the first rung that is every run, an unbiased sample of the space;
 * at higher rungs only the runs promoted there, the space's best at the rung below.
 */
export function rungEdfs(runs: readonly FidelityRun[], rungs: readonly number[]): RungEdf[] {
  const spaces = spacesOf(runs);
  return rungs.flatMap((epochs) =>
    spaces.flatMap((space) => {
      const errors = runs.filter((r) => r.space === space).flatMap((r) => errorAt(r, epochs) ?? []);
      if (errors.length === 0) return [];
      return [{ epochs, space, n: errors.length, minError: Math.min(...errors), meanError: mean(errors), points: edf(errors) }];
    }),
  );
}

/** How many runs of each space reached each rung, and how many stand there paused, stopped or done. */
export function rungCounts(runs: readonly FidelityRun[], rungs: readonly number[]): RungCount[] {
  return rungs.flatMap((epochs) =>
    spacesOf(runs).map((space) => {
      const own = runs.filter((r) => r.space === space);
      const here = own.filter((r) => r.epochs.length === epochs);
      return {
        space,
        epochs,
        reached: own.filter((r) => r.epochs.length >= epochs).length,
        paused: here.filter((r) => r.status === 'paused').length,
        stopped: here.filter((r) => r.status === 'stopped').length,
        done: here.filter((r) => r.status === 'done').length,
      };
    }),
  );
}

/** Epochs trained so far against `topEpochs` for every run (what the sweep trains without a schedule). */
export function epochCost(runs: readonly FidelityRun[], topEpochs: number): EpochCost {
  const bySpace = spacesOf(runs).map((space) => {
    const own = runs.filter((r) => r.space === space);
    return { space, runs: own.length, trained: own.reduce((sum, r) => sum + r.epochs.length, 0), unscheduled: own.length * topEpochs };
  });
  const trained = bySpace.reduce((sum, s) => sum + s.trained, 0);
  const unscheduled = bySpace.reduce((sum, s) => sum + s.unscheduled, 0);
  return { trained, unscheduled, share: unscheduled === 0 ? 0 : trained / unscheduled, bySpace };
}

/**
 * KS tests between every pair of spaces on `samples` (space -> errors; spaces with no errors are left out as null),
 * p-values Holm-adjusted over the pairs tested; the verdict names the space with the lower median (then mean) error.
 */
function ksVerdicts(spaces: readonly string[], samples: Map<string, number[]>, alpha: number): Map<string, KsVerdict | null> {
  const pairs: [string, string][] = spaces.flatMap((a, i) => spaces.slice(i + 1).map((b): [string, string] => [a, b]));
  const tested = pairs.filter(([a, b]) => (samples.get(a)?.length ?? 0) > 0 && (samples.get(b)?.length ?? 0) > 0);
  const results = tested.map(([a, b]) => ksTwoSample(samples.get(a)!, samples.get(b)!));
  const adjusted = holmAdjust(results.map((r) => r.pValue));
  const out = new Map<string, KsVerdict | null>(pairs.map(([a, b]) => [`${a}\u0000${b}`, null]));
  tested.forEach(([a, b], k) => {
    const r = results[k]!;
    const xa = samples.get(a)!;
    const xb = samples.get(b)!;
    const order = median(xa) - median(xb) || mean(xa) - mean(xb);
    const differ = adjusted[k]! < alpha && order !== 0;
    out.set(`${a}\u0000${b}`, {
      statistic: r.statistic,
      pValue: r.pValue,
      adjusted: adjusted[k]!,
      verdict: differ ? 'differ' : 'no-difference',
      lower: differ ? (order < 0 ? a : b) : null,
      n: r.n,
      m: r.m,
    });
  });
  return out;
}

function agreementOf(x: KsVerdict | null, y: KsVerdict | null): Agreement | null {
  if (x === null || y === null) return null;
  if (x.verdict !== y.verdict) return 'changed';
  return x.lower === y.lower ? 'same' : 'reversed';
}

const rho = (x: number | null): string => (x === null ? 'undefined' : x.toFixed(2));

/** A verdict in words: "A lower" or "no difference". */
const verdictText = (v: KsVerdict): string => (v.verdict === 'differ' ? `${v.lower} lower` : 'no difference');

/** "the KS verdict between A and B" for one pair, else "k of n KS verdicts between spaces (A vs B, ...)". */
function verdictsNamed(pairs: readonly CheckPair[], all: number): string {
  if (pairs.length === 1 && all === 1) return `the KS verdict between ${pairs[0]!.a} and ${pairs[0]!.b}`;
  return `${pairs.length} of ${all} KS verdicts between spaces (${pairs.map((p) => `${p.a} vs ${p.b}: ${verdictText(p.low!)} at low, ${verdictText(p.full!)} at full`).join('; ')})`;
}

/**
 * The trust verdict and its sentence. No: a space whose rho is below minRho, or a pair of spaces whose verdict
 * reverses. Only with care: a rho interval reaching below minRho, or a verdict that finds a difference at one
 * fidelity and none at the other (on the same runs: weaker or stronger evidence, not the opposite). Yes otherwise.
 */
function judgeTrust(check: Omit<FidelityCheckAnalysis, 'trust' | 'sentence'>, opts: Required<FidelityAnalysisOptions>): Pick<FidelityCheckAnalysis, 'trust' | 'sentence'> {
  const { low, full } = check;
  const few = check.spaces.filter((s) => s.pairs < opts.minPairs);
  if (check.spaces.length === 0 || few.length > 0) {
    const which = few.map((s) => `${s.space} has ${s.pairs}`).join(', ');
    return {
      trust: 'too-few',
      sentence: `Too few runs were trained to both ${low} and ${full} epochs to judge the cheap comparison${which === '' ? '' : ` (${which}; at least ${opts.minPairs} per space are needed)`}.`,
    };
  }
  const level = Math.round(opts.level * 100);
  const rhoOf = (s: FidelityCheckAnalysis['spaces'][number]): number | null => s.correlation?.spearman.value ?? null;
  const weak = check.spaces.filter((s) => rhoOf(s) === null || rhoOf(s)! < opts.minRho);
  const loose = check.spaces.filter((s) => (s.correlation?.spearman.low ?? -Infinity) < opts.minRho);
  const reversed = check.pairs.filter((p) => p.agreement === 'reversed');
  const changed = check.pairs.filter((p) => p.agreement === 'changed');
  const lowest = Math.min(...check.spaces.map((s) => rhoOf(s) ?? -1));
  const severe = [
    ...(weak.length === 0 ? [] : [`in ${new Intl.ListFormat('en').format(weak.map((s) => `${s.space} (rho ${rho(rhoOf(s))})`))} ${low} epochs order models only loosely like ${full} (rho below ${opts.minRho})`]),
    ...(reversed.length === 0 ? [] : [`${verdictsNamed(reversed, check.pairs.length)} ${reversed.length === 1 && check.pairs.length === 1 ? 'reverses' : 'reverse'} from ${low} to ${full} epochs`]),
  ];
  if (severe.length > 0) return { trust: 'not-trusted', sentence: `No: the comparison at ${low} epochs cannot be trusted here, because ${severe.join(', and ')}.` };
  const ranks = `Spearman's rho between ${low}- and ${full}-epoch errors is at least ${rho(lowest)} in every space`;
  const agree =
    check.pairs.length === 0
      ? 'there is one space, so no verdict between spaces to compare'
      : changed.length > 0
        ? null
        : check.pairs.length === 1
          ? `the KS verdict between ${check.pairs[0]!.a} and ${check.pairs[0]!.b} is the same at ${low} and ${full} epochs`
          : `all ${check.pairs.length} KS verdicts between spaces are the same at ${low} and ${full} epochs`;
  const mild = [
    ...(loose.length === 0 ? [] : [`the ${level}% interval of rho reaches below ${opts.minRho} in ${loose.map((s) => s.space).join(', ')}`]),
    ...(changed.length === 0 ? [] : [`${verdictsNamed(changed, check.pairs.length)} ${changed.length === 1 && check.pairs.length === 1 ? 'differs' : 'differ'} in significance between ${low} and ${full} epochs on the same runs`]),
  ];
  if (mild.length > 0) {
    return {
      trust: 'doubtful',
      sentence: `Only with care: ${ranks}${agree === null ? '' : ` and ${agree}`}, but ${mild.join(', and ')}; more runs at both fidelities would settle it.`,
    };
  }
  return {
    trust: 'trusted',
    sentence:
      `Yes: ${low} epochs rank models as ${full} epochs do in every space (Spearman's rho at least ${rho(lowest)}, every ${level}% interval above ${opts.minRho}) ` +
      `and ${agree}, so the comparison at ${low} epochs can be trusted for this setting.`,
  };
}

/**
 * The fidelity check between `low` and `full` epochs: per space, the rank correlation (Spearman, Kendall, bootstrap
 * intervals) between the low- and full-fidelity errors of the runs trained to both; per pair of spaces, the KS
 * verdict at low over every run, at low over the runs also trained to full, and at full over those; and whether the
 * cheap comparison can be trusted (see judgeTrust).
 */
export function fidelityCheck(runs: readonly FidelityRun[], low: number, full: number, options: FidelityAnalysisOptions = {}): FidelityCheckAnalysis {
  const opts = parseOptions(options);
  const spaces = spacesOf(runs);
  const lowAll = new Map<string, number[]>();
  const lowPaired = new Map<string, number[]>();
  const fullPaired = new Map<string, number[]>();
  const points: FidelityCheckAnalysis['points'] = [];
  const rows = spaces.map((space) => {
    const own = runs.filter((r) => r.space === space).sort((a, b) => a.id - b.id);
    lowAll.set(space, own.flatMap((r) => errorAt(r, low) ?? []));
    const paired = own.flatMap((r) => {
      const a = errorAt(r, low);
      const b = errorAt(r, full);
      return a === null || b === null ? [] : [{ runId: r.id, space, low: a, full: b }];
    });
    points.push(...paired);
    lowPaired.set(space, paired.map((p) => p.low));
    fullPaired.set(space, paired.map((p) => p.full));
    const correlation =
      paired.length < 2
        ? null
        : rankCorrelation(lowPaired.get(space)!, fullPaired.get(space)!, { resamples: opts.resamples, level: opts.level, seed: opts.seed, stream: `fidelity-rank/${space}` });
    return { space, lowRuns: lowAll.get(space)!.length, pairs: paired.length, correlation };
  });
  const [vAll, vLow, vFull] = [lowAll, lowPaired, fullPaired].map((samples) => ksVerdicts(spaces, samples, opts.alpha)) as [
    Map<string, KsVerdict | null>,
    Map<string, KsVerdict | null>,
    Map<string, KsVerdict | null>,
  ];
  const pairs = spaces.flatMap((a, i) =>
    spaces.slice(i + 1).map((b): CheckPair => {
      const key = `${a}\u0000${b}`;
      const lowV = vLow.get(key) ?? null;
      const fullV = vFull.get(key) ?? null;
      return { a, b, lowAll: vAll.get(key) ?? null, low: lowV, full: fullV, agreement: agreementOf(lowV, fullV) };
    }),
  );
  const partial = { low, full, spaces: rows, pairs, points };
  return { ...partial, ...judgeTrust(partial, opts) };
}

/**
 * A sweep with schedule `spec`, analysed: EDFs and counts per rung, epoch cost against the same sweep without the
 * schedule, and for a fidelity check its rank correlations, verdict table and trust sentence. Works on a sweep still
 * running (everything counts the epochs stored so far).
 */
export function analyzeFidelity(runs: readonly FidelityRun[], spec: FidelitySpec, options: FidelityAnalysisOptions = {}): FidelityAnalysis {
  const opts = parseOptions(options);
  const rungs = fidelityRungs(spec);
  return {
    kind: spec.kind,
    rungs,
    edfs: rungEdfs(runs, rungs),
    counts: rungCounts(runs, rungs),
    cost: epochCost(runs, rungs[rungs.length - 1]!),
    check: spec.kind === 'check' ? fidelityCheck(runs, spec.low, spec.full, opts) : null,
    options: opts,
  };
}
