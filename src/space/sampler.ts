// The seeded sampler: draws configs from a design space, rejects those outside its constraints, removes duplicates.
import { bottleneckMultiplier, bottleneckRatio, type AnyNetConfig, type StageConfig } from './config.ts';
import { adjustStages } from './compatibility.ts';
import { complexity, type Complexity } from './complexity.ts';
import { createRng, MAX_SEED, type RandomGenerator } from '../core/random.ts';
import { compileDistribution, type Draw } from './distributions.ts';
import { canonicalKey } from './key.ts';
import { regnetConfig, regnetWidths } from './regnet.ts';
import { isNetspaceError, NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { ANYNET_PARAMS, type AnyNetParam, type AnyNetSpace, type RegNetXSpace, type SpaceSpec } from './spec.ts';

/** One config drawn from a design space, with what it was drawn from and what it costs. */
export interface SampledConfig {
  /** Name of the space it came from (SpaceSpec.name). */
  space: string;
  /** canonicalKey(config): unique within one sampleConfigs call. */
  key: string;
  config: AnyNetConfig;
  /**
   * The drawn parameter values, before compatibility adjustment, for per-parameter plots. RegNetX:
   * {depth, w0, wa, wm, groupWidth, bottleneckRatio}. AnyNet spaces: a list per stage named in the plural
   * ({depths, widths, bottleneckRatios, groupWidths}), except shared parameters, which are one number under the
   * singular name (AnyNetX_C: {depths, widths, bottleneckRatio, groupWidth}).
   */
  sampled: Record<string, number | number[]>;
  /** Multiply-adds per image at the space's resolution (pycls's flops). */
  flops: number;
  /** Trainable parameters. */
  params: number;
  /** Activations per image at the space's resolution. */
  acts: number;
}

/** Inclusive [low, high]; null leaves that end open. */
export type ComplexityRange = readonly [number | null, number | null];

export interface SampleOptions {
  /** Configs wanted (distinct by canonical key). */
  n: number;
  /** Integer in [0, 2^32): the same seed and space give the same configs, in the same order, on any machine. */
  seed: number;
  /** Accepted flops (multiply-adds per image at the space's resolution). */
  flops?: ComplexityRange;
  /** Accepted parameter counts. */
  params?: ComplexityRange;
  /** Accepted activation counts. */
  acts?: ComplexityRange;
  /**
   * Draws allowed before giving up; rejected and duplicate draws count. By default max(1,000,000, 1000 n) in all
   * and at most 1,000,000 in a row without a new config, so that asking a small space for more configs than it
   * holds fails in seconds.
   */
  maxAttempts?: number;
}

/** A drawn config, or the constraint it broke. */
type Candidate = { config: AnyNetConfig; sampled: Record<string, number | number[]> } | { rejectedBy: string };
type Drawer = (rng: RandomGenerator) => Candidate;

export const PLURAL: Record<AnyNetParam, string> = {
  depth: 'depths',
  width: 'widths',
  bottleneckRatio: 'bottleneckRatios',
  groupWidth: 'groupWidths',
};

/** The value of an AnyNet parameter in a built stage; the ratio b is the inverse of the stored multiplier. */
const STAGE_VALUE: Record<AnyNetParam, (stage: StageConfig) => number> = {
  depth: (s) => s.depth,
  width: (s) => s.width,
  bottleneckRatio: (s) => bottleneckRatio(s.bottleneckMultiplier),
  groupWidth: (s) => s.groupWidth,
};

const COMPATIBLE = 'compatible width, bottleneck and group width';

/** Runs a compatibility step, turning its failure into null: a space may hold some shapes that fit no width. */
function unlessIncompatible<T>(build: () => T): T | null {
  try {
    return build();
  } catch (error) {
    if (isNetspaceError(error)) return null;
    throw error;
  }
}

/**
 * Draw order (fixed, so that a seed means the same configs forever): shared parameters in the order depth, width,
 * bottleneckRatio, groupWidth; then stage by stage, the stage's own parameters in that order.
 */
function anyNetDrawer(space: AnyNetSpace): Drawer {
  const perStage = ANYNET_PARAMS.filter((p) => !space.shared.includes(p));
  const shared = ANYNET_PARAMS.filter((p) => space.shared.includes(p)).map((p) => {
    const d = space[p];
    return [p, compileDistribution(Array.isArray(d) ? d[0]! : d)] as const;
  });
  const draws = {} as Record<AnyNetParam, Draw[]>;
  for (const p of perStage) {
    const d = space[p];
    draws[p] = Array.from({ length: space.stages }, (_, i) => compileDistribution(Array.isArray(d) ? d[i]! : d));
  }
  const nonDecreasing = space.nonDecreasing.map((p) => [STAGE_VALUE[p], `non-decreasing ${p}`] as const);
  // Compatibility may lower a shared group width in a stage whose bottleneck is narrower than it; such a config
  // is not in the space (g_i = g for all i), so it is rejected rather than kept with unequal group widths.
  const sharedAfterAdjustment = space.shared.map((p) => [STAGE_VALUE[p], `shared ${p}`] as const);
  return (rng) => {
    const values = {} as Record<AnyNetParam, number[]>;
    const sampled: Record<string, number | number[]> = {};
    for (const [p, draw] of shared) {
      const value = draw(rng);
      sampled[p] = value;
      values[p] = new Array<number>(space.stages).fill(value);
    }
    for (const p of perStage) values[p] = [];
    for (let i = 0; i < space.stages; i++) {
      for (const p of perStage) values[p].push(draws[p][i]!(rng));
    }
    for (const p of perStage) sampled[PLURAL[p]] = values[p];
    const raw = values.depth.map((depth, i) => ({
      depth,
      width: values.width[i]!,
      groupWidth: values.groupWidth[i]!,
      bottleneckMultiplier: bottleneckMultiplier(values.bottleneckRatio[i]!),
    }));
    const stages = unlessIncompatible(() => adjustStages(raw));
    if (stages === null) return { rejectedBy: COMPATIBLE };
    for (const [value, label] of sharedAfterAdjustment) {
      for (let i = 1; i < stages.length; i++) {
        if (value(stages[i]!) !== value(stages[0]!)) return { rejectedBy: label };
      }
    }
    for (const [value, label] of nonDecreasing) {
      for (let i = 1; i < stages.length; i++) {
        if (value(stages[i]!) < value(stages[i - 1]!)) return { rejectedBy: label };
      }
    }
    const { inputChannels, stemWidth, numClasses, convBias } = space;
    return { config: { inputChannels, stemWidth, numClasses, convBias, stages }, sampled };
  };
}

/** Draw order: depth, w0, wa, wm, groupWidth, bottleneckRatio, one value each. */
function regNetXDrawer(space: RegNetXSpace): Drawer {
  const [depth, w0, wa, wm, groupWidth, ratio] = [space.depth, space.w0, space.wa, space.wm, space.groupWidth, space.bottleneckRatio].map(
    compileDistribution,
  ) as [Draw, Draw, Draw, Draw, Draw, Draw];
  const stageCount = `RegNet stage count = ${space.stages}`;
  return (rng) => {
    const sampled = { depth: depth(rng), w0: w0(rng), wa: wa(rng), wm: wm(rng), groupWidth: groupWidth(rng), bottleneckRatio: ratio(rng) };
    const widths = regnetWidths(sampled);
    // pycls check_regnet_constraints: a draw whose widths skip an exponent s_j has fewer stages than its wm implies.
    if (widths.widths.length !== widths.totalStages) return { rejectedBy: 'no skipped RegNet stage' };
    if (widths.widths.length !== space.stages) return { rejectedBy: stageCount };
    const config = unlessIncompatible(() => regnetConfig(widths, sampled.groupWidth, bottleneckMultiplier(sampled.bottleneckRatio), space));
    return config === null ? { rejectedBy: COMPATIBLE } : { config, sampled };
  };
}

const DRAWERS: { [K in SpaceSpec['kind']]: (space: Extract<SpaceSpec, { kind: K }>) => Drawer } = {
  AnyNetX_A: anyNetDrawer,
  AnyNetX_B: anyNetDrawer,
  AnyNetX_C: anyNetDrawer,
  AnyNetX_D: anyNetDrawer,
  AnyNetX_E: anyNetDrawer,
  AnyNet: anyNetDrawer,
  RegNetX: regNetXDrawer,
};

/** Default attempts allowed in a row without a new config (pycls draws at most 1,000,000 in all). */
const STALL_LIMIT = 1_000_000;

const COMPLEXITY_FIELDS = ['flops', 'params', 'acts'] as const satisfies ReadonlyArray<keyof Complexity>;

const SUFFIXES: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, B: 1e9, T: 1e12 };

function rangeEnd(text: string, option: string, whole: unknown): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const match = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)([kKMGBT]?)$/i.exec(trimmed);
  if (match === null || SUFFIXES[match[2]!] === undefined) {
    throw new NetspaceError(messages.space.rangeSyntax(option, whole));
  }
  return Math.round(Number(match[1]) * SUFFIXES[match[2]!]!);
}

/**
 * Reads a complexity range as a user writes it: the string "low:high" (either end may be empty; numbers such as
 * 4e8, 400M, 2.5k, 1G), or a pair [low, high] of numbers or such strings, with null for an open end. `option` names
 * it in errors. The command line's --flops and the sweep spec's `complexity` both read ranges through it.
 */
export function parseComplexityRange(value: unknown, option: string): ComplexityRange {
  let range: [number | null, number | null];
  if (typeof value === 'string') {
    const parts = value.split(':');
    if (parts.length !== 2) throw new NetspaceError(messages.space.rangeSyntax(option, value));
    range = [rangeEnd(parts[0]!, option, value), rangeEnd(parts[1]!, option, value)];
  } else if (Array.isArray(value) && value.length === 2) {
    // Each end a number, a count written with a suffix as YAML hands it over ("3M"), or null.
    range = value.map((end: unknown) => {
      if (end === null) return null;
      if (typeof end === 'string' && end.trim() !== '') {
        if (!/^\s*[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?[kKMGBT]?\s*$/i.test(end)) throw new NetspaceError(messages.space.rangeEnds(option, value));
        return rangeEnd(end, option, value);
      }
      if (typeof end !== 'number' || !Number.isFinite(end)) throw new NetspaceError(messages.space.rangeEnds(option, value));
      return end;
    }) as [number | null, number | null];
  } else {
    throw new NetspaceError(messages.space.rangeForm(option, value));
  }
  return checkRange(range, option);
}

function checkRange(range: ComplexityRange, option: string): ComplexityRange {
  const [low, high] = range;
  for (const end of range) {
    if (end !== null && end > Number.MAX_SAFE_INTEGER) throw new NetspaceError(messages.space.rangeTooLarge(option, range));
    if (end !== null && !(Number.isFinite(end) && end >= 0)) throw new NetspaceError(messages.space.rangeNegative(option, range));
  }
  if (low !== null && high !== null && low > high) throw new NetspaceError(messages.space.rangeLowAboveHigh(option, range, low, high));
  return range;
}

function rangeLabel(field: string, [low, high]: ComplexityRange): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (low !== null && high !== null) return `${field} in [${n(low)}, ${n(high)}]`;
  if (low !== null) return `${field} >= ${n(low)}`;
  return `${field} <= ${n(high ?? Infinity)}`;
}

function checkCount(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NetspaceError(messages.option.integerIn(option, value, min, max));
  }
  return value;
}

/** How often a constraint was checked and how often it said no. */
interface Tally {
  /** Candidates checked; null for the space's own constraints, which every draw meets first. */
  reached: number | null;
  rejected: number;
}

/**
 * Names the constraint that rejected the most attempts, then the others; each with the share of the candidates
 * that reached it, since a structural constraint (stage count) rejects many draws by design while a complexity
 * range that rejects everything reaching it is the one to widen.
 */
function rejectionSummary(tallies: Map<string, Tally>, attempts: number): string {
  const ranked = [...tallies].filter(([, t]) => t.rejected > 0).sort((a, b) => b[1].rejected - a[1].rejected);
  return messages.space.rejections(ranked.map(([label, t]) => messages.space.rejectedBy(label, t.rejected, t.reached, attempts)));
}

/** The most configs one call draws (`n`). */
export const MAX_SAMPLES = 100_000_000;

/**
 * Draws `n` distinct configs from `space` with the seeded generator: each attempt draws one candidate, rejects it
 * if it breaks a constraint of the space (RegNet stage count, non-decreasing parameters) or lies outside a
 * complexity range (counted at the space's resolution), and skips it if its canonical key was drawn before.
 * Throws a NetspaceError for bad options, and when `maxAttempts` runs out, naming the constraint that rejected
 * the most attempts.
 */
export function sampleConfigs(space: SpaceSpec, options: SampleOptions): SampledConfig[] {
  const n = checkCount('n', options.n, 1, MAX_SAMPLES);
  const seed = checkCount('seed', options.seed, 0, MAX_SEED);
  const maxAttempts = checkCount('maxAttempts', options.maxAttempts ?? Math.max(STALL_LIMIT, 1000 * n), 1, Number.MAX_SAFE_INTEGER);
  const stallLimit = options.maxAttempts ?? STALL_LIMIT;
  const limits = COMPLEXITY_FIELDS.flatMap((field) => {
    const range = options[field];
    if (range === undefined) return [];
    if (!Array.isArray(range) || range.length !== 2) throw new NetspaceError(messages.space.rangePair(field, range));
    const [low, high] = checkRange(range, field);
    return [{ field, low: low ?? -Infinity, high: high ?? Infinity, label: rangeLabel(field, range) }];
  });
  const draw = (DRAWERS[space.kind] as (space: SpaceSpec) => Drawer)(space);
  const rng = createRng(seed);
  const seen = new Set<string>();
  const tallies = new Map<string, Tally>();
  const tally = (label: string, reached: number | null): Tally => {
    let t = tallies.get(label);
    if (t === undefined) tallies.set(label, (t = { reached, rejected: 0 }));
    return t;
  };
  const limitTallies = limits.map((limit) => tally(limit.label, 0));
  const duplicates = tally('no duplicates', 0);
  const out: SampledConfig[] = [];
  let attempts = 0;
  let lastNew = 0;
  attempt: while (out.length < n && attempts < maxAttempts && attempts - lastNew < stallLimit) {
    attempts++;
    const candidate = draw(rng);
    if ('rejectedBy' in candidate) {
      tally(candidate.rejectedBy, null).rejected++;
      continue;
    }
    const cx = complexity(candidate.config, space.resolution);
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i]!;
      const value = cx[limit.field];
      limitTallies[i]!.reached!++;
      if (value < limit.low || value > limit.high) {
        limitTallies[i]!.rejected++;
        continue attempt;
      }
    }
    const key = canonicalKey(candidate.config);
    duplicates.reached!++;
    if (seen.has(key)) {
      duplicates.rejected++;
      continue;
    }
    seen.add(key);
    lastNew = attempts;
    out.push({ space: space.name, key, config: candidate.config, sampled: candidate.sampled, ...cx });
  }
  if (out.length < n) {
    const stalledFor = attempts < maxAttempts ? attempts - lastNew : null;
    throw new NetspaceError(messages.space.exhausted(space.name, out.length, n, attempts, stalledFor, rejectionSummary(tallies, attempts)));
  }
  return out;
}
