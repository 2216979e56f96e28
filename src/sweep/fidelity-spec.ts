// The `fidelity:` section of a sweep spec as tagged data: successive halving (ASHA) or a fidelity check, validated.
import { messages, specError } from '../messages.ts';
import { checkKeys, isRecord } from '../space/document.ts';

/**
 * Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning", MLSys,
 * Algorithm 2) within each design space: a run pauses at each rung, minEpochs * eta^k epochs, and goes on when it is
 * in the top 1/eta of the runs of its space (and bracket) that reached that rung so far.
 */
export interface AshaFidelity {
  kind: 'asha';
  /** Epochs of the first rung, r (>= 1). */
  minEpochs: number;
  /** Epochs of a fully trained run, R (> minEpochs): every run's `train.epochs`, and the end of the last promotion. */
  maxEpochs: number;
  /** eta: each rung promotes the top 1/eta of the runs that reached it; rungs sit at minEpochs * eta^k < maxEpochs. */
  reductionFactor: number;
  /**
   * Brackets (Hyperband's, run asynchronously as in Li et al. 2020 section 3.3): bracket s starts at the rung
   * minEpochs * eta^s, so later brackets stop fewer runs early. The runs of a space are dealt to brackets in turn
   * (in the order they were sampled); brackets never compete. Default 1.
   */
  brackets: number;
}

/** How many runs of each space the fidelity check continues to full fidelity. */
export type CheckSubset =
  /** A share of each space's runs, rounded up (so at least one). */
  | { kind: 'fraction'; fraction: number }
  /** A number of runs per space (all of them when the space has fewer). */
  | { kind: 'count'; count: number };

/**
 * The fidelity check: every run trained to `low` epochs, a seeded random subset of each space's runs continued to
 * `full`, so that the report can measure how well short training ranks models and compares spaces.
 */
export interface CheckFidelity {
  kind: 'check';
  /** Epochs every run trains (the cheap fidelity), >= 1. */
  low: number;
  /** Epochs the subset trains (the full fidelity), > low: every run's `train.epochs`. */
  full: number;
  subset: CheckSubset;
  /** Seeds the choice of the subset in each space; the sweep's seed unless the section gives one. */
  seed: number;
}

/** A multi-fidelity schedule, told apart by `kind`. */
export type FidelitySpec = AshaFidelity | CheckFidelity;
export type FidelityKind = FidelitySpec['kind'];
export const FIDELITY_KINDS: readonly FidelityKind[] = ['asha', 'check'];

/** Defaults of the optional fields. */
export const FIDELITY_DEFAULTS: Readonly<{ brackets: number }> = Object.freeze({ brackets: 1 });

const KEYS: Record<FidelityKind, readonly string[]> = {
  asha: ['kind', 'minEpochs', 'maxEpochs', 'reductionFactor', 'brackets'],
  check: ['kind', 'low', 'full', 'fraction', 'perSpace', 'seed'],
};

/** Largest epoch count a schedule accepts: the sweep spec's own bound on train.epochs. */
const MAX_EPOCHS = 10_000;

function wholeNumber(source: string, path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    specError(source, path, messages.spec.wholeNumberIn(value, min, max));
  }
  return value;
}

/** Epochs above `low`, named after the field that gives `low`. */
function epochsAbove(source: string, path: string, value: unknown, other: string, low: number): number {
  const epochs = wholeNumber(source, path, value, 1, MAX_EPOCHS);
  if (epochs <= low) specError(source, path, messages.spec.epochsAbove(other, low, value));
  return epochs;
}

/**
 * The epochs at which runs of `bracket` pause to be judged: minEpochs * eta^(bracket + k) for k = 0, 1, ..., those
 * below maxEpochs (a run promoted past the last one trains to maxEpochs). Bracket 0 has at least one rung.
 */
export function rungEpochs(spec: AshaFidelity, bracket = 0): number[] {
  const rungs: number[] = [];
  for (let e = spec.minEpochs * spec.reductionFactor ** bracket; e < spec.maxEpochs; e *= spec.reductionFactor) rungs.push(e);
  return rungs;
}

/** Epochs of a fully trained run under the schedule: what every run's `train.epochs` must be. */
export function fidelityEpochs(spec: FidelitySpec): number {
  return spec.kind === 'asha' ? spec.maxEpochs : spec.full;
}

const PARSERS: Record<FidelityKind, (source: string, path: string, value: Record<string, unknown>, sweepSeed: number) => FidelitySpec> = {
  asha: (source, path, value) => {
    const minEpochs = wholeNumber(source, `${path}.minEpochs`, value.minEpochs, 1, MAX_EPOCHS);
    const maxEpochs = epochsAbove(source, `${path}.maxEpochs`, value.maxEpochs, 'minEpochs', minEpochs);
    const reductionFactor = wholeNumber(source, `${path}.reductionFactor`, value.reductionFactor, 2, 1000);
    const partial: AshaFidelity = { kind: 'asha', minEpochs, maxEpochs, reductionFactor, brackets: 1 };
    const rungs = rungEpochs(partial);
    const brackets = wholeNumber(source, `${path}.brackets`, value.brackets ?? FIDELITY_DEFAULTS.brackets, 1, 1000);
    if (brackets > rungs.length) specError(source, `${path}.brackets`, messages.spec.tooManyBrackets(brackets, rungs));
    return { ...partial, brackets };
  },
  check: (source, path, value, sweepSeed) => {
    const low = wholeNumber(source, `${path}.low`, value.low, 1, MAX_EPOCHS);
    const full = epochsAbove(source, `${path}.full`, value.full, 'low', low);
    if ((value.fraction === undefined) === (value.perSpace === undefined)) specError(source, path, messages.spec.checkSubset());
    let subset: CheckSubset;
    if (value.fraction !== undefined) {
      const fraction = value.fraction;
      if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) specError(source, `${path}.fraction`, messages.spec.fraction(fraction));
      subset = { kind: 'fraction', fraction };
    } else {
      subset = { kind: 'count', count: wholeNumber(source, `${path}.perSpace`, value.perSpace, 1, 100_000) };
    }
    const seed = value.seed === undefined ? sweepSeed : wholeNumber(source, `${path}.seed`, value.seed, 0, 0xffffffff);
    return { kind: 'check', low, full, subset, seed };
  },
};

/**
 * Checks an untrusted `fidelity:` section (parsed YAML or JSON) and returns it complete, or throws a NetspaceError
 * naming `source`, the path in the spec (`path`, default "fidelity") and the bad value. `sweepSeed` is the seed a
 * check without its own `seed` uses.
 *
 * Examples:
 *   fidelity: {kind: asha, minEpochs: 1, maxEpochs: 9, reductionFactor: 3}          # rungs at 1 and 3 epochs
 *   fidelity: {kind: asha, minEpochs: 1, maxEpochs: 27, reductionFactor: 3, brackets: 2}
 *   fidelity: {kind: check, low: 2, full: 8, fraction: 0.25}                          # a quarter of each space
 *   fidelity: {kind: check, low: 2, full: 8, perSpace: 10, seed: 7}
 */
export function parseFidelitySpec(value: unknown, source: string, sweepSeed: number, path = 'fidelity'): FidelitySpec {
  if (!isRecord(value)) specError(source, path, messages.spec.notFidelity(value));
  const kind = value.kind;
  if (kind === undefined) specError(source, `${path}.kind`, messages.spec.missingOneOf(FIDELITY_KINDS));
  if (typeof kind !== 'string' || !(FIDELITY_KINDS as readonly string[]).includes(kind)) {
    specError(source, `${path}.kind`, messages.spec.oneOf(kind, FIDELITY_KINDS));
  }
  const tag = kind as FidelityKind;
  checkKeys(source, path, value, KEYS[tag]);
  return PARSERS[tag](source, path, value, sweepSeed);
}

/**
 * The epochs every run of a sweep with schedule `fidelity` is set to train: the schedule's top fidelity. `given` is
 * the spec's own `train.epochs` (undefined when left out); a different number is a contradiction, reported at
 * `train.epochs`.
 */
export function scheduledTrainEpochs(fidelity: FidelitySpec, given: unknown, source: string): number {
  const top = fidelityEpochs(fidelity);
  if (given !== undefined && given !== top) specError(source, 'train.epochs', messages.spec.fidelityEpochs(given, top));
  return top;
}

/**
 * The epochs at which a schedule compares runs, ascending: ASHA's rungs over every bracket and maxEpochs; the check's
 * low and full.
 */
export function fidelityRungs(spec: FidelitySpec): number[] {
  if (spec.kind === 'check') return [spec.low, spec.full];
  const all = Array.from({ length: spec.brackets }, (_, b) => rungEpochs(spec, b)).flat();
  return [...new Set([...all, spec.maxEpochs])].sort((a, b) => a - b);
}

const isWhole = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Shape checks of a parsed section (as parseFidelitySpec returns it and the store keeps it in the sweep's spec). */
const PARSED: Record<FidelityKind, (f: Record<string, unknown>) => boolean> = {
  asha: (f) => isWhole(f.minEpochs, 1) && isWhole(f.maxEpochs, 2) && isWhole(f.reductionFactor, 2) && isWhole(f.brackets, 1),
  check: (f) =>
    isWhole(f.low, 1) &&
    isWhole(f.full, 2) &&
    isWhole(f.seed, 0) &&
    isRecord(f.subset) &&
    ((f.subset.kind === 'fraction' && typeof f.subset.fraction === 'number') || (f.subset.kind === 'count' && isWhole(f.subset.count, 1))),
};

/**
 * The schedule of a stored sweep: the `fidelity` field of its spec as stored (already validated when the sweep was
 * made), or null for a sweep without one (every sweep made before schedules existed) or a field of another shape.
 */
export function storedFidelity(spec: unknown): FidelitySpec | null {
  if (!isRecord(spec) || !isRecord(spec.fidelity)) return null;
  const f = spec.fidelity;
  if (typeof f.kind !== 'string' || !(FIDELITY_KINDS as readonly string[]).includes(f.kind)) return null;
  return PARSED[f.kind as FidelityKind](f) ? (f as unknown as FidelitySpec) : null;
}
