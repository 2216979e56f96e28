// The seeded random numbers of the sampler and the distribution vocabulary of space specs (pycls sweep/random.py).
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from '../core/random.ts';
import { messages, specError } from '../messages.ts';
import { isRecord } from './document.ts';

export type { RandomGenerator };

/** Distributions over a closed range [low, high] whose values are multiples of `quantum`. */
export type RangeDistributionName = 'uniform' | 'log-uniform' | 'power-of-2' | 'power-of-2-or-log';

/**
 * One number drawn from [low, high], quantized to multiples of `quantum` (pycls `sweep/random.py` semantics):
 * - `uniform`: every multiple of quantum in [low, high] equally likely; low and high must be multiples of quantum.
 * - `log-uniform`: log(x) uniform on (log(low - min(quantum, low/2)), log(high)], then rounded up to a multiple of
 *   quantum, so the smallest value gets its fair share of the log scale; needs 0 < low, bounds multiples of quantum.
 * - `power-of-2`: uniform over the powers of 2 in [low, high]; low, high and quantum powers of 2, quantum <= low.
 * - `power-of-2-or-log`: a power of 2 from [low, high]; if it is >= quantum, it is replaced by a log-uniform draw
 *   from [max(low, quantum), high] with quantum min(high, quantum): powers of 2 below the quantum, multiples of it
 *   above, with a log-linear CDF overall (pycls's group-width sampler). low, high and quantum powers of 2.
 */
export interface RangeDistribution {
  dist: RangeDistributionName;
  /** Smallest value that can be drawn (inclusive). */
  low: number;
  /** Largest value that can be drawn (inclusive). */
  high: number;
  /** Every drawn value is a multiple of this (> 0). */
  quantum: number;
}

/** One of the listed values, each equally likely (pycls `value_sampler`). */
export interface ChoiceDistribution {
  dist: 'choice';
  values: number[];
}

/** Always the same value; a spec may write the bare number instead. */
export interface FixedDistribution {
  dist: 'fixed';
  value: number;
}

/** How one number of a design space is drawn; a tagged union on `dist`, plain JSON. */
export type Distribution = RangeDistribution | ChoiceDistribution | FixedDistribution;
export type DistributionName = Distribution['dist'];

/** A compiled distribution: draws one value, advancing the generator. */
export type Draw = (rng: RandomGenerator) => number;

export const RANGE_DISTRIBUTIONS: readonly RangeDistributionName[] = ['uniform', 'log-uniform', 'power-of-2', 'power-of-2-or-log'];
export const DISTRIBUTIONS: readonly DistributionName[] = [...RANGE_DISTRIBUTIONS, 'choice', 'fixed'];

/** Powers of ten with which `quantum` becomes a whole number, so quantized values print as clean decimals. */
function decimalScale(quantum: number): number | null {
  for (let scale = 1; scale <= 1e15; scale *= 10) {
    if (Math.round(quantum * scale) / scale === quantum) return scale;
  }
  return null;
}

/**
 * Turns an index k into k x quantum with the rounding of a decimal literal: 3 x 0.1 gives 0.3, not
 * 0.30000000000000004, because an exact integer divided by an exact power of ten is rounded once.
 */
function multiplesOf(quantum: number): (k: number) => number {
  const scale = decimalScale(quantum);
  if (scale === null) return (k) => k * quantum;
  const units = Math.round(quantum * scale);
  return (k) => (k * units) / scale;
}

function isPowerOfTwo(x: number): boolean {
  if (!(x > 0) || !Number.isFinite(x)) return false;
  const e = Math.round(Math.log2(x));
  return 2 ** e === x;
}

/** True when `value` is a whole multiple of `quantum`, up to the rounding of decimal quanta such as 0.1. */
export function isMultipleOf(value: number, quantum: number): boolean {
  const ratio = value / quantum;
  return Math.abs(ratio - Math.round(ratio)) <= 1e-9 * Math.max(1, Math.abs(ratio));
}

function compileLogUniform(low: number, high: number, quantum: number): Draw {
  // pycls log_uniform: sample in (low - q*, high] with q* = min(q, low/2), then round up to the quantum.
  const a = Math.log(low - Math.min(quantum, low / 2));
  const b = Math.log(high);
  const kLow = Math.round(low / quantum);
  const kHigh = Math.round(high / quantum);
  const value = multiplesOf(quantum);
  return (rng) => {
    const f = Math.exp(b - uniformFloat64(rng) * (b - a));
    // exp(log(high)) may land one ulp above high; the clamp keeps such draws on the range.
    const k = Math.min(kHigh, Math.max(kLow, Math.ceil(f / quantum)));
    return value(k);
  };
}

function compilePowerOfTwo(low: number, high: number): Draw {
  const eLow = Math.round(Math.log2(low));
  const eHigh = Math.round(Math.log2(high));
  return (rng) => 2 ** uniformInt(rng, eLow, eHigh);
}

const COMPILERS: { [K in DistributionName]: (d: Extract<Distribution, { dist: K }>) => Draw } = {
  uniform: ({ low, high, quantum }) => {
    const kLow = Math.round(low / quantum);
    const kHigh = Math.round(high / quantum);
    const value = multiplesOf(quantum);
    return (rng) => value(uniformInt(rng, kLow, kHigh));
  },
  'log-uniform': ({ low, high, quantum }) => compileLogUniform(low, high, quantum),
  'power-of-2': ({ low, high }) => compilePowerOfTwo(low, high),
  'power-of-2-or-log': ({ low, high, quantum }) => {
    const power = compilePowerOfTwo(low, high);
    const logUniform = compileLogUniform(Math.max(low, quantum), high, Math.min(high, quantum));
    return (rng) => {
      const f = power(rng);
      return f >= quantum ? logUniform(rng) : f;
    };
  },
  choice: ({ values }) => {
    const copy = [...values];
    return (rng) => copy[uniformInt(rng, 0, copy.length - 1)]!;
  },
  fixed: ({ value }) => () => value,
};

/** Prepares a validated distribution for fast repeated draws. */
export function compileDistribution(d: Distribution): Draw {
  return (COMPILERS[d.dist] as (d: Distribution) => Draw)(d);
}

/** Smallest and largest value a distribution can produce. */
export function distributionBounds(d: Distribution): { min: number; max: number } {
  switch (d.dist) {
    case 'choice':
      return { min: Math.min(...d.values), max: Math.max(...d.values) };
    case 'fixed':
      return { min: d.value, max: d.value };
    default:
      return { min: d.low, max: d.high };
  }
}

/**
 * The numbers that every drawn value is built from, each with the spec field it comes from: a value is one of
 * them or (for quantized ranges) a whole multiple of the quantum. Whole-number and multiple-of checks run on these.
 */
export function distributionGenerators(d: Distribution): Array<{ field: string; value: number }> {
  switch (d.dist) {
    case 'choice':
      return d.values.map((value, i) => ({ field: `values[${i}]`, value }));
    case 'fixed':
      return [{ field: 'value', value: d.value }];
    case 'power-of-2':
      return [{ field: 'low', value: d.low }];
    case 'power-of-2-or-log':
      return d.quantum <= d.high
        ? [{ field: 'low', value: d.low }, { field: 'quantum', value: d.quantum }]
        : [{ field: 'low', value: d.low }];
    default:
      return [{ field: 'quantum', value: d.quantum }];
  }
}

function finite(source: string, path: string, value: unknown): number {
  if (value === undefined) specError(source, path, messages.spec.missingNumber());
  if (typeof value !== 'number' || !Number.isFinite(value)) specError(source, path, messages.spec.finiteNumber(value));
  return value;
}

const KEYS: Record<DistributionName, readonly string[]> = {
  uniform: ['dist', 'low', 'high', 'quantum'],
  'log-uniform': ['dist', 'low', 'high', 'quantum'],
  'power-of-2': ['dist', 'low', 'high', 'quantum'],
  'power-of-2-or-log': ['dist', 'low', 'high', 'quantum'],
  choice: ['dist', 'values'],
  fixed: ['dist', 'value'],
};

function parseRange(source: string, path: string, raw: Record<string, unknown>, dist: RangeDistributionName): RangeDistribution {
  const low = finite(source, `${path}.low`, raw.low);
  const high = finite(source, `${path}.high`, raw.high);
  const quantum = finite(source, `${path}.quantum`, raw.quantum);
  if (quantum <= 0) specError(source, `${path}.quantum`, messages.spec.nonPositiveQuantum(quantum));
  if (low > high) specError(source, path, messages.spec.lowAboveHigh(low, high));
  if (dist !== 'uniform' && low <= 0) specError(source, `${path}.low`, messages.spec.nonPositiveLogRange(dist, low));
  if (dist === 'uniform' || dist === 'log-uniform') {
    if (!isMultipleOf(low, quantum)) specError(source, `${path}.quantum`, messages.spec.quantumDoesNotDivide('low', low, quantum));
    if (!isMultipleOf(high, quantum)) specError(source, `${path}.quantum`, messages.spec.quantumDoesNotDivide('high', high, quantum));
  } else {
    for (const [field, value] of [['low', low], ['high', high], ['quantum', quantum]] as const) {
      if (!isPowerOfTwo(value)) specError(source, `${path}.${field}`, messages.spec.notPowerOfTwo(value));
    }
    if (dist === 'power-of-2' && quantum > low) {
      specError(source, `${path}.quantum`, messages.spec.quantumAboveLow(quantum, low));
    }
  }
  return { dist, low, high, quantum };
}

/**
 * Checks one distribution of a spec (`path` names it in messages) and returns it in its full object form; a bare
 * number means `{dist: "fixed", value}`.
 */
export function parseDistribution(value: unknown, source: string, path: string): Distribution {
  if (typeof value === 'number') return { dist: 'fixed', value: finite(source, path, value) };
  if (!isRecord(value)) specError(source, path, messages.spec.notDistribution(value));
  const dist = value.dist;
  if (dist === undefined) specError(source, `${path}.dist`, messages.spec.missingOneOf(DISTRIBUTIONS));
  if (typeof dist !== 'string' || !(DISTRIBUTIONS as readonly string[]).includes(dist)) {
    specError(source, `${path}.dist`, messages.spec.oneOf(dist, DISTRIBUTIONS));
  }
  const name = dist as DistributionName;
  for (const key of Object.keys(value)) {
    if (!KEYS[name].includes(key)) specError(source, `${path}.${key}`, messages.spec.unknownKey(key, KEYS[name]));
  }
  if (name === 'fixed') return { dist: 'fixed', value: finite(source, `${path}.value`, value.value) };
  if (name === 'choice') {
    const values = value.values;
    if (!Array.isArray(values)) specError(source, `${path}.values`, messages.spec.notNumberList(values));
    if (values.length === 0) specError(source, `${path}.values`, messages.spec.emptyChoice());
    return { dist: 'choice', values: values.map((v: unknown, i: number) => finite(source, `${path}.values[${i}]`, v)) };
  }
  return parseRange(source, path, value, name);
}
