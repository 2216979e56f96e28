// pycls-style "good range" of a parameter: where the best model of a random quarter of the runs tends to fall.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { purposeRng } from '../core/random.ts';
import { checkFinite, percentileSorted } from './stats.ts';

/** Options of goodRange; the defaults are pycls's `get_filters` (alpha 5, sample 0.25, 2500 resamples). */
export interface GoodRangeOptions {
  /** Fraction of the runs in each resample (drawn with replacement), 0 < sample <= 1. Default 0.25. */
  sample?: number;
  /** Resamples. Default 2500. */
  resamples?: number;
  /** Two-sided tail mass in percent: the range is the alpha/2 and 100 - alpha/2 percentiles. Default 5. */
  alpha?: number;
  /** Seed of the resampling (pure-rand xoroshiro128+). Default 0. */
  seed?: number;
  /** Names the random stream so that two parameters or spaces draw independently. Default "good-range". */
  stream?: string;
}

/** Percentiles of the parameter value of the best run over the resamples. */
export interface GoodRange {
  /** alpha/2 percentile (2.5th by default), in the parameter's unit. */
  low: number;
  /** 50th percentile: the most typical value of a best model. */
  median: number;
  /** 100 - alpha/2 percentile (97.5th by default). */
  high: number;
  /** Runs per resample: max(1, floor(n * sample)). */
  sampleSize: number;
}

const GOOD_RANGE_DEFAULTS: Readonly<Required<GoodRangeOptions>> = Object.freeze({
  sample: 0.25,
  resamples: 2500,
  alpha: 5,
  seed: 0,
  stream: 'good-range',
});

/**
 * Empirical bootstrap of the good range of one parameter (pycls `sweep/analysis.py` get_filters): draw
 * max(1, floor(n * sample)) runs with replacement, keep the value of the one with the lowest error (the first drawn on
 * a tie), repeat `resamples` times and report the alpha/2, 50 and 100 - alpha/2 percentiles (numpy linear) of the
 * kept values. values[i] and errors[i] describe run i.
 */
export function goodRange(values: readonly number[], errors: readonly number[], options: GoodRangeOptions = {}): GoodRange {
  const { sample, resamples, alpha, seed, stream } = { ...GOOD_RANGE_DEFAULTS, ...options };
  if (typeof sample !== 'number' || !(sample > 0 && sample <= 1)) {
    throw new NetspaceError(messages.analysis.fraction('goodRange', 'sample', sample));
  }
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new NetspaceError(messages.analysis.positiveInteger('goodRange', 'resamples', resamples));
  }
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 100)) {
    throw new NetspaceError(messages.analysis.percentage('goodRange', 'alpha', alpha));
  }
  checkFinite('goodRange values', values);
  checkFinite('goodRange errors', errors);
  if (values.length !== errors.length) {
    throw new NetspaceError(messages.analysis.lengthMismatch('goodRange', 'values', 'errors', values.length, errors.length));
  }
  const n = values.length;
  const sampleSize = Math.max(1, Math.floor(n * sample));
  const rng = purposeRng(seed, stream);
  const kept = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let best = uniformInt(rng, 0, n - 1);
    for (let d = 1; d < sampleSize; d++) {
      const i = uniformInt(rng, 0, n - 1);
      if (errors[i]! < errors[best]!) best = i;
    }
    kept[r] = values[best]!;
  }
  kept.sort();
  return {
    low: percentileSorted(kept, alpha / 2),
    median: percentileSorted(kept, 50),
    high: percentileSorted(kept, 100 - alpha / 2),
    sampleSize,
  };
}
