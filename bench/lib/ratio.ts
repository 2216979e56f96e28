// The ratio of two means of timed windows with a bootstrap interval, for the benches that alternate windows with and
// without a load (bench/serve.ts): how far the windows' own spread leaves the ratio uncertain.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { purposeRng } from '../../src/core/random.ts';

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * mean(with) / mean(without), and the percentile interval (`level`, default 95%) of that ratio over `resamples`
 * bootstrap draws that resample each side's windows with replacement (seeded: the same windows give the same interval).
 * With 4 windows a side the interval is rough, but it shows whether the windows' spread could hide a 5% effect.
 */
export function ratioOfMeans(withLoad: readonly number[], without: readonly number[], options: { resamples?: number; level?: number; seed?: number } = {}): { ratio: number; low: number; high: number; level: number } {
  const { resamples = 10_000, level = 0.95, seed = 0 } = options;
  const rng = purposeRng(seed, 'bench/ratio');
  const draw = (xs: readonly number[]): number => {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[uniformInt(rng, 0, xs.length - 1)]!;
    return sum / xs.length;
  };
  const ratios = Array.from({ length: resamples }, () => draw(withLoad) / draw(without)).sort((a, b) => a - b);
  const at = (q: number): number => ratios[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { ratio: mean(withLoad) / mean(without), low: at((1 - level) / 2), high: at((1 + level) / 2), level };
}
