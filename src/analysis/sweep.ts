// analyzeSweep: a stored sweep in, every number the report shows out (typed, JSON-able, no I/O, no randomness
// beyond the seeded bootstraps).
import { percent } from '../core/format.ts';
import { describeRecipe } from '../core/recipe.ts';
import { countStatuses, type RunRecord, type StatusCounts, type SweepRecord, type TrainSettings } from '../core/types.ts';
export type { StatusCounts } from '../core/types.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { bootstrapEdfBand, edf, normalizedEdf, type BandPoint, type EdfPoint } from './edf.ts';
import { goodRange } from './good-range.ts';
import { ksTwoSample, type KsMethod } from './ks.ts';
import { analyzeDesignChoices, type DesignChoicesAnalysis } from './design-choices.ts';
import { parameterAxes, blockWidths, widthFit, type WidthFit } from './parameters.ts';
import { mean, median } from './stats.ts';
import { sweepVerdict, type Verdict } from './verdict.ts';

/** Knobs of the analysis; every one has a default in ANALYSIS_DEFAULTS. */
export interface AnalysisOptions {
  /** Runs in each of the best and worst groups (training curves, block widths). Default 5. */
  top?: number;
  /** Bootstrap resamples of each EDF band. Default 1000. */
  bandResamples?: number;
  /** Coverage of the EDF bands, strictly between 0 and 1. Default 0.95. */
  bandLevel?: number;
  /** Resamples of each good range (pycls uses 2500). Default 2500. */
  goodRangeResamples?: number;
  /** Fraction of the runs in each good-range resample (pycls uses 0.25). Default 0.25. */
  goodRangeSample?: number;
  /**
   * Log-spaced flops bins of the normalised EDF, or 'auto' (the default): floor(sqrt(n)) for the smallest space's n
   * finished runs, between 1 and 10, so that a small sweep still has runs of every space in most bins.
   */
  bins?: number | 'auto';
  /** Seed of every bootstrap; the same seed gives the same report. Default 0. */
  seed?: number;
  /**
   * Finished runs per space below which a chart or table is flagged as built on too few runs (ThinEvidence). Default
   * 10: an EDF of fewer runs moves by more than a tenth at every run, and its bootstrap band spans most of the plot.
   */
  fewRuns?: number;
}

export const ANALYSIS_DEFAULTS: Readonly<Required<AnalysisOptions>> = Object.freeze({
  top: 5,
  bandResamples: 1000,
  bandLevel: 0.95,
  goodRangeResamples: 2500,
  goodRangeSample: 0.25,
  bins: 'auto',
  seed: 0,
  fewRuns: 10,
});

/** One finished run as the report quotes it: the stored run's design fields, with its id and final error renamed. */
export type ScoredRun = Pick<RunRecord, 'space' | 'configKey' | 'config' | 'sampled' | 'flops' | 'params' | 'acts'> & {
  runId: number;
  /** Top-1 validation error after the last epoch, 0..1. */
  error: number;
};

/** The summary-table row of one design space. */
export interface SpaceSummary {
  space: string;
  counts: StatusCounts;
  /** Finished runs with an error, the runs every error statistic of this space uses. */
  n: number;
  /** Error statistics over those runs, 0..1; null when there are none. */
  minError: number | null;
  medianError: number | null;
  meanError: number | null;
  best: ScoredRun | null;
}

/** The error EDF of one space with its bootstrap band. */
export interface SpaceEdf {
  space: string;
  n: number;
  minError: number;
  meanError: number;
  points: EdfPoint[];
  band: BandPoint[];
}

/** The complexity-normalised EDFs of all spaces with finished runs. */
export interface NormalizedEdfAnalysis {
  bins: number;
  /** Bin edges in flops. */
  edges: number[];
  sharedBins: number[];
  curves: { space: string; n: number; used: number; points: EdfPoint[] }[];
}

/** A KS test between two spaces' error samples. */
export interface KsComparison {
  a: string;
  b: string;
  statistic: number;
  pValue: number;
  method: KsMethod;
  /** Sample sizes of a and b. */
  n: number;
  m: number;
}

/** One finished run on the complexity scatter plots. */
export interface ComplexityPoint {
  runId: number;
  space: string;
  error: number;
  flops: number;
  params: number;
  acts: number;
}

/** Error against one parameter, with each space's good range. */
export interface ParameterAnalysis {
  /** The parameter's name in every space that has it (d1, w2, b, w0, ...). */
  name: string;
  label: string;
  log: boolean;
  /** Whether the values are categories (a `choice` distribution) rather than a numeric scale. */
  categorical: boolean;
  points: { runId: number; space: string; value: number; error: number }[];
  /** pycls-style 2.5/50/97.5 percentiles of the best run's value over resamples, per space that has the parameter. */
  ranges: { space: string; n: number; low: number; median: number; high: number; sampleSize: number }[];
}

/** One run's training history for the curves charts. */
export interface CurveSeries {
  runId: number;
  space: string;
  error: number;
  epochs: { epoch: number; trainLoss: number; valLoss: number; valError: number }[];
}

/** Per-block widths of one run, with its width line. */
export interface WidthSeries {
  runId: number;
  space: string;
  error: number;
  /** Output channels of block j, j = 0..d-1. */
  widths: number[];
  fit: WidthFit | null;
}

/** The parts of the analysis that rest on the finished runs of each space. */
export type EvidenceSection = 'edf' | 'edf-normalized' | 'parameters' | 'design-choices';

/** A part of the analysis built on fewer than `fewRuns` runs in some spaces: the page says so beside its charts. */
export interface ThinEvidence {
  section: EvidenceSection;
  /** The spaces below the threshold and the runs each contributes there (weighted runs for the normalised EDF). */
  spaces: { space: string; runs: number }[];
  /** The threshold, AnalysisOptions.fewRuns. */
  fewRuns: number;
}

/** Everything the report draws and tabulates; `--json` writes exactly this. */
export interface SweepAnalysis {
  sweep: { id: number; name: string; createdAt: string };
  counts: StatusCounts;
  /** One row per space, in order of the space's first run. */
  spaces: SpaceSummary[];
  /** Spaces with at least one finished run. */
  edfs: SpaceEdf[];
  normalizedEdf: NormalizedEdfAnalysis | null;
  /** Every pair of spaces with finished runs. */
  ks: KsComparison[];
  complexity: ComplexityPoint[];
  /** Parameters of the spaces' domains that vary over the finished runs, in order of first appearance. */
  parameters: ParameterAnalysis[];
  /** Parameters with one value in every finished run that has them (nothing to plot). */
  constantParameters: { name: string; label: string; value: number }[];
  /** Each space's parameters, its finished runs over them and their importance (fANOVA). */
  designChoices: DesignChoicesAnalysis;
  /** Best `top` finished runs, then the `top` worst among the rest (the groups never overlap). */
  curves: { best: CurveSeries[]; worst: CurveSeries[] };
  /** Block widths of the best `top` finished runs. */
  widths: WidthSeries[];
  /** What the evidence supports: which spaces differ, by how much, and how many runs it would take to tell. */
  verdict: Verdict;
  /** Parts of the analysis built on too few runs per space. */
  thin: ThinEvidence[];
  /** Plain sentences the page shows above the charts (what is left out and why). */
  notes: string[];
  options: Required<AnalysisOptions>;
}

const OPTION_CHECKS: Record<keyof AnalysisOptions, (v: unknown) => boolean> = {
  top: (v) => Number.isInteger(v) && (v as number) >= 1,
  bandResamples: (v) => Number.isInteger(v) && (v as number) >= 1,
  bandLevel: (v) => typeof v === 'number' && v > 0 && v < 1,
  goodRangeResamples: (v) => Number.isInteger(v) && (v as number) >= 1,
  goodRangeSample: (v) => typeof v === 'number' && v > 0 && v <= 1,
  bins: (v) => v === 'auto' || (Number.isInteger(v) && (v as number) >= 1),
  seed: (v) => Number.isInteger(v) && (v as number) >= 0,
  fewRuns: (v) => Number.isInteger(v) && (v as number) >= 1,
};

const OPTION_MESSAGES: Record<keyof AnalysisOptions, (source: string, key: string, v: unknown) => string> = {
  top: messages.analysis.positiveInteger,
  bandResamples: messages.analysis.positiveInteger,
  bandLevel: messages.analysis.percentLevel,
  goodRangeResamples: messages.analysis.positiveInteger,
  goodRangeSample: messages.analysis.fraction,
  bins: messages.analysis.bins,
  seed: messages.analysis.nonNegativeInteger,
  fewRuns: messages.analysis.positiveInteger,
};

/**
 * Validates untrusted analysis options and fills in the defaults; messages name `source` and the option as `nameOf`
 * spells it (the CLI passes one that turns `goodRangeSample` into `--good-range-sample`).
 */
export function parseAnalysisOptions(
  value: unknown,
  source = 'analysis options',
  nameOf: (key: string) => string = (key) => key,
): Required<AnalysisOptions> {
  if (value === undefined) return { ...ANALYSIS_DEFAULTS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NetspaceError(messages.analysis.notAnObject(source, value));
  }
  const known = Object.keys(ANALYSIS_DEFAULTS) as (keyof AnalysisOptions)[];
  const given = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(given)) {
    if (!(known as string[]).includes(key)) {
      throw new NetspaceError(messages.analysis.unknownOption(source, nameOf(key), known.map(nameOf)));
    }
    if (v === undefined) continue;
    const option = key as keyof AnalysisOptions;
    if (!OPTION_CHECKS[option](v)) throw new NetspaceError(OPTION_MESSAGES[option](source, nameOf(key), v));
  }
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...ANALYSIS_DEFAULTS, ...defined };
}

/** Bins for `n` runs per space: sqrt(n), the usual histogram rule, kept between 1 and 10. */
export function autoBins(n: number): number {
  return Math.max(1, Math.min(10, Math.floor(Math.sqrt(n))));
}

/** A done run whose error can be used. */
type Scored = RunRecord & { finalError: number };

/** A done run whose error can be used: a finite number. */
function scored(run: RunRecord): run is Scored {
  return run.status === 'done' && typeof run.finalError === 'number' && Number.isFinite(run.finalError);
}

function summarize(run: Scored): ScoredRun {
  return {
    runId: run.id,
    space: run.space,
    error: run.finalError,
    configKey: run.configKey,
    config: run.config,
    sampled: run.sampled,
    flops: run.flops,
    params: run.params,
    acts: run.acts,
  };
}

function curveOf(run: Scored): CurveSeries {
  return {
    runId: run.id,
    space: run.space,
    error: run.finalError,
    epochs: run.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, valError: 1 - e.valAccuracy })),
  };
}


/**
 * How a run was trained in a few words, e.g. "3 epochs at 28x28 on 6000 images, batch 128, lr 0.05", then its recipe
 * when it has one (core/recipe.ts; none is the chapter's plain SGD), so that sweeps trained with different recipes
 * are told apart.
 */
function describeSettings(s: TrainSettings): string {
  const recipe = s.recipe === undefined ? '' : `, ${describeRecipe(s.recipe)}`;
  return `${s.epochs} epochs at ${s.resolution}x${s.resolution} on ${s.trainSize ?? 'all 60000'} images, batch ${s.batchSize}, lr ${s.lr}${recipe}`;
}

/** The runs of a sweep as the analyses see them: all of them, the scored ones, and the scored ones by space. */
interface Scoring {
  runs: RunRecord[];
  /** Spaces in order of their first run. */
  spaceNames: string[];
  finished: Scored[];
  /** Spaces with at least one scored run, in the same order. */
  scoredSpaces: string[];
  bySpace: Map<string, Scored[]>;
}

function scoreRuns(sweep: SweepRecord): Scoring {
  const runs = [...sweep.runs].sort((a, b) => a.id - b.id);
  const spaceNames = [...new Set(runs.map((r) => r.space))];
  const finished = runs.filter(scored);
  const bySpace = new Map(spaceNames.map((s) => [s, finished.filter((r) => r.space === s)]));
  return { runs, spaceNames, finished, bySpace, scoredSpaces: spaceNames.filter((s) => bySpace.get(s)!.length > 0) };
}

const errorsOf = (sc: Scoring, space: string): number[] => (sc.bySpace.get(space) ?? []).map((r) => r.finalError);

/** How often each value occurs, in order of first appearance. */
function countBy<T>(values: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** Notes on what the error analyses leave out (unfinished, failed, unscored runs) and on mixed training recipes. */
function coverageNotes(sc: Scoring, counts: StatusCounts): string[] {
  const notes: string[] = [];
  const unscoredDone = sc.runs.filter((r) => r.status === 'done' && !scored(r)).length;
  if (sc.runs.length === 0) notes.push('This sweep has no runs yet.');
  else if (sc.finished.length === 0) notes.push('No finished runs yet: the charts of errors appear once runs are done.');
  const left = counts.pending + counts.running + counts.failed + counts.diverged;
  if (left > 0) {
    notes.push(
      `Error statistics, EDFs and plots use only the ${sc.finished.length} finished runs; ` +
        `${counts.pending} pending, ${counts.running} running, ${counts.failed} failed and ${counts.diverged} diverged ` +
        'runs are counted in the status table but have no final error.',
    );
  }
  if (unscoredDone > 0) notes.push(`${unscoredDone} done runs have no final error recorded and are left out.`);
  const kinds = countBy(sc.runs.flatMap((r) => (r.failureKind === null || r.failureKind === undefined ? [] : [r.failureKind])));
  if (kinds.size > 0) {
    const list = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
    notes.push(`Failures by kind: ${list} (\`netspace sweep run <spec> --retry KIND\` trains them again).`);
  }
  const recipes = [...new Set(sc.finished.map((r) => describeSettings(r.settings)))];
  if (recipes.length > 1) {
    notes.push(
      `The finished runs were trained ${recipes.length} different ways (${recipes.join('; ')}): ` +
        'their errors compare only between runs trained the same way.',
    );
  }
  return notes;
}

/** One row per space: its counts, error statistics and best run. */
function summarizeSpaces(sc: Scoring): SpaceSummary[] {
  return sc.spaceNames.map((space): SpaceSummary => {
    const done = sc.bySpace.get(space) ?? [];
    const errors = done.map((r) => r.finalError);
    const best = [...done].sort((a, b) => a.finalError - b.finalError || a.id - b.id)[0];
    return {
      space,
      counts: countStatuses(sc.runs.filter((r) => r.space === space)),
      n: done.length,
      minError: errors.length > 0 ? Math.min(...errors) : null,
      medianError: errors.length > 0 ? median(errors) : null,
      meanError: errors.length > 0 ? mean(errors) : null,
      best: best === undefined ? null : summarize(best),
    };
  });
}

/** Each scored space's error EDF with its bootstrap band. */
function spaceEdfs(sc: Scoring, opts: Required<AnalysisOptions>): SpaceEdf[] {
  return sc.scoredSpaces.map((space): SpaceEdf => {
    const errors = errorsOf(sc, space);
    return {
      space,
      n: errors.length,
      minError: Math.min(...errors),
      meanError: mean(errors),
      points: edf(errors),
      band: bootstrapEdfBand(errors, { resamples: opts.bandResamples, level: opts.bandLevel, seed: opts.seed, stream: `edf-band/${space}` }),
    };
  });
}

/**
 * The complexity-normalised EDFs (paper section 3.1), or null with a note when no flops range holds runs of every
 * space. 'auto' bins start at sqrt(n) and coarsen until some bin holds runs of every space (or one bin fails too).
 */
function normalizedEdfs(sc: Scoring, opts: Required<AnalysisOptions>, notes: string[]): NormalizedEdfAnalysis | null {
  if (sc.scoredSpaces.length === 0) return null;
  const samples = sc.scoredSpaces.map((s) => {
    const rs = (sc.bySpace.get(s) ?? []).filter((r) => r.flops > 0);
    return { space: s, errors: rs.map((r) => r.finalError), flops: rs.map((r) => r.flops) };
  });
  const usable = samples.filter((s) => s.errors.length > 0);
  let bins = opts.bins === 'auto' ? autoBins(Math.min(...usable.map((s) => s.errors.length))) : opts.bins;
  let result = usable.length === samples.length ? normalizedEdf(usable, { bins }) : null;
  while (result === null && opts.bins === 'auto' && bins > 1 && usable.length === samples.length) {
    bins--;
    result = normalizedEdf(usable, { bins });
  }
  if (result === null) {
    notes.push('No flops range holds finished runs of every space, so no complexity-normalised EDF can be drawn.');
    return null;
  }
  return {
    bins,
    edges: result.edges,
    sharedBins: result.sharedBins,
    curves: result.curves.map((c, k) => ({ space: usable[k]!.space, n: usable[k]!.errors.length, used: c.used, points: c.points })),
  };
}

/** The two-sample KS test of every pair of scored spaces. */
function ksPairs(sc: Scoring): KsComparison[] {
  const out: KsComparison[] = [];
  sc.scoredSpaces.forEach((a, i) => {
    for (const b of sc.scoredSpaces.slice(i + 1)) out.push({ a, b, ...ksTwoSample(errorsOf(sc, a), errorsOf(sc, b)) });
  });
  return out;
}

/**
 * Error against each parameter of the spaces' domains, with each space's good range; parameters with one value are set
 * apart. `choices` gives every space's domains.
 */
function parameterAnalyses(sc: Scoring, choices: DesignChoicesAnalysis, opts: Required<AnalysisOptions>): Pick<SweepAnalysis, 'parameters' | 'constantParameters'> {
  const parameters: ParameterAnalysis[] = [];
  const constantParameters: SweepAnalysis['constantParameters'] = [];
  for (const axis of parameterAxes(choices.spaces)) {
    const points = sc.finished.flatMap((r) => {
      const value = axis.spaces.includes(r.space) ? r.parameters[axis.name] : undefined;
      return value === undefined || !Number.isFinite(value) ? [] : [{ runId: r.id, space: r.space, value, error: r.finalError }];
    });
    if (points.length === 0) continue;
    if (new Set(points.map((p) => p.value)).size === 1) {
      constantParameters.push({ name: axis.name, label: axis.label, value: points[0]!.value });
      continue;
    }
    const ranges = sc.scoredSpaces.flatMap((space) => {
      const own = points.filter((p) => p.space === space);
      if (own.length === 0) return [];
      const range = goodRange(
        own.map((p) => p.value),
        own.map((p) => p.error),
        { sample: opts.goodRangeSample, resamples: opts.goodRangeResamples, seed: opts.seed, stream: `good-range/${space}/${axis.name}` },
      );
      return [{ space, n: own.length, ...range }];
    });
    parameters.push({ name: axis.name, label: axis.label, log: axis.log, categorical: axis.categorical, points, ranges });
  }
  return { parameters, constantParameters };
}

/** The sections whose spaces hold fewer than `fewRuns` runs there, each with those spaces. */
function thinEvidence(
  edfs: readonly SpaceEdf[],
  normalized: NormalizedEdfAnalysis | null,
  choices: DesignChoicesAnalysis,
  parameters: readonly ParameterAnalysis[],
  fewRuns: number,
): ThinEvidence[] {
  const below = (runs: { space: string; runs: number }[]): { space: string; runs: number }[] => runs.filter((r) => r.runs < fewRuns);
  const parameterRuns = new Map<string, number>();
  for (const p of parameters) for (const r of p.ranges) parameterRuns.set(r.space, Math.max(parameterRuns.get(r.space) ?? 0, r.n));
  const sections: [EvidenceSection, { space: string; runs: number }[]][] = [
    ['edf', edfs.map((e) => ({ space: e.space, runs: e.n }))],
    ['edf-normalized', normalized === null ? [] : normalized.curves.map((c) => ({ space: c.space, runs: c.used }))],
    ['parameters', [...parameterRuns].map(([space, runs]) => ({ space, runs }))],
    ['design-choices', choices.spaces.filter((s) => s.runs.length > 0).map((s) => ({ space: s.space, runs: s.runs.length }))],
  ];
  return sections.flatMap(([section, runs]) => (below(runs).length === 0 ? [] : [{ section, spaces: below(runs), fewRuns }]));
}

/** The best `top` runs, then the `top` worst among the rest (the groups never overlap), best first. */
function rankedRuns(sc: Scoring, top: number): { best: Scored[]; worst: Scored[] } {
  const ranked = [...sc.finished].sort((a, b) => a.finalError - b.finalError || a.id - b.id);
  const best = ranked.slice(0, top);
  return { best, worst: ranked.slice(best.length).reverse().slice(0, top) };
}

/**
 * Analyses a sweep, finished or still running: status counts of every run; error statistics, EDFs, bands, KS tests,
 * complexity and parameter plots of the runs that are done with an error (pending, running, failed and diverged runs
 * are counted, never scored). Works with no finished run at all: the lists are empty and a note says so.
 *
 *   runs -> scoreRuns -> { coverageNotes, summarizeSpaces, spaceEdfs, normalizedEdfs, ksPairs, parameterAnalyses,
 *   rankedRuns } -> SweepAnalysis
 */
export function analyzeSweep(sweep: SweepRecord, options?: AnalysisOptions): SweepAnalysis {
  const opts = parseAnalysisOptions(options);
  const sc = scoreRuns(sweep);
  const counts = countStatuses(sc.runs);
  const notes = coverageNotes(sc, counts);
  const normalized = normalizedEdfs(sc, opts, notes);
  const designChoices = analyzeDesignChoices(sweep, { seed: opts.seed });
  notes.push(...designChoices.notes);
  const { best, worst } = rankedRuns(sc, opts.top);
  // A finished sweep's best run is no longer "so far": the summary table gives each space's best run instead.
  const unfinished = counts.pending + counts.running + counts.paused;
  if (best.length > 0 && unfinished > 0) notes.push(`Best run so far: #${best[0]!.id} (${best[0]!.space}) at ${percent(best[0]!.finalError)} error.`);
  const edfs = spaceEdfs(sc, opts);
  const parameters = parameterAnalyses(sc, designChoices, opts);
  return {
    sweep: { id: sweep.id, name: sweep.name, createdAt: sweep.createdAt },
    counts,
    spaces: summarizeSpaces(sc),
    edfs,
    normalizedEdf: normalized,
    ks: ksPairs(sc),
    complexity: sc.finished.map((r) => ({ runId: r.id, space: r.space, error: r.finalError, flops: r.flops, params: r.params, acts: r.acts })),
    ...parameters,
    designChoices,
    curves: { best: best.map(curveOf), worst: worst.map(curveOf) },
    widths: best.map((r) => ({ runId: r.id, space: r.space, error: r.finalError, widths: blockWidths(r.config), fit: widthFit(r) })),
    verdict: sweepVerdict(sweep, { seed: opts.seed, level: opts.bandLevel }),
    thin: thinEvidence(edfs, normalized, designChoices, parameters.parameters, opts.fewRuns),
    notes,
    options: opts,
  };
}
