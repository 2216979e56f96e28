// Small numeric helpers shared by the analyses: checked samples, numpy-style percentiles, seeded generators.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';


/** Throws a NetspaceError naming `what` unless every value is a finite number; returns the values. */
export function checkFinite(what: string, values: readonly number[], allowEmpty = false): readonly number[] {
  if (!allowEmpty && values.length === 0) throw new NetspaceError(messages.analysis.emptySample(what));
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new NetspaceError(messages.analysis.notFinite(what, i, v));
  });
  return values;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Ascending copy; never sorts the caller's array in place. */
export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort());
}

/**
 * The p-th percentile (0..100) of values already sorted ascending, interpolated linearly between the two nearest
 * ranks: numpy.percentile's default ("linear", position p/100 * (n-1)), which pycls's good ranges use.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new NetspaceError(messages.analysis.percentile(p));
  if (sorted.length === 0) throw new NetspaceError(messages.analysis.emptySample('percentile'));
  const position = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const fraction = position - lower;
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return fraction === 0 ? a : a + (b - a) * fraction;
}

/** numpy.percentile(values, p) with the default linear interpolation; values need not be sorted. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sortedCopy(checkFinite('percentile', values)), p);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
