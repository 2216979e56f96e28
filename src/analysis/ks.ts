// Two-sample Kolmogorov-Smirnov test between two spaces' error samples, with an exact or asymptotic p-value.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { checkFinite } from './stats.ts';

/** How the p-value was computed. */
export type KsMethod = 'exact' | 'asymptotic';

/** Result of the two-sided two-sample KS test. */
export interface KsResult {
  /** D = sup_e |F_a(e) - F_b(e)|, 0..1. */
  statistic: number;
  /** P(D >= observed) when both samples come from one continuous distribution, 0..1. */
  pValue: number;
  method: KsMethod;
  /** Sample sizes of a and b. */
  n: number;
  m: number;
}

/** Above this n*m the exact O(n*m) lattice count gives way to the asymptotic distribution. */
export const KS_EXACT_LIMIT = 10_000_000;

/**
 * Two-sided two-sample Kolmogorov-Smirnov test.
 *
 * The statistic compares the two EDFs after every distinct value, so ties are handled. The p-value is
 * - exact when n*m <= KS_EXACT_LIMIT (every sweep netspace runs on one machine): the probability that a random
 *   interleaving of n a's and m b's (all C(n+m, n) equally likely under the null) reaches |i/n - j/m| >= D at some
 *   lattice point (i, j), found by dynamic programming over the lattice with the exact transition probabilities of a
 *   uniform random path, summing the mass that first touches the boundary so that tiny p-values keep their digits.
 *   With ties in the pooled sample this is the continuous-null p-value, which is then conservative (too large);
 * - asymptotic otherwise: Kolmogorov's limit Q(lambda) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2) with
 *   lambda = (sqrt(N) + 0.12 + 0.11 / sqrt(N)) * D and N = n*m/(n+m) (Stephens 1970; Numerical Recipes 14.3).
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  checkFinite('ksTwoSample a', a);
  checkFinite('ksTwoSample b', b);
  const n = a.length;
  const m = b.length;
  const { scaled } = ksStatisticScaled(a, b);
  // D * n * m is an integer; keeping it that way makes the lattice boundary test exact.
  const statistic = scaled / (n * m);
  if (scaled === 0) return { statistic, pValue: 1, method: 'exact', n, m };
  if (n * m <= KS_EXACT_LIMIT) return { statistic, pValue: exactPValue(n, m, scaled), method: 'exact', n, m };
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * statistic), method: 'asymptotic', n, m };
}

/**
 * max over distinct values of |m * #{a <= x} - n * #{b <= x}|, i.e. D * n * m as an integer: the statistic alone, for
 * callers that compare it with a critical value many times (a power simulation) and need no p-value.
 */
export function ksStatisticScaled(a: ArrayLike<number>, b: ArrayLike<number>): { scaled: number } {
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const n = sa.length;
  const m = sb.length;
  let i = 0;
  let j = 0;
  let scaled = 0;
  while (i < n || j < m) {
    const x = Math.min(i < n ? sa[i]! : Infinity, j < m ? sb[j]! : Infinity);
    while (i < n && sa[i] === x) i++;
    while (j < m && sb[j] === x) j++;
    scaled = Math.max(scaled, Math.abs(i * m - j * n));
  }
  return { scaled };
}

/** P(D >= scaled/(n m)) by first passage of a uniform random lattice path from (0,0) to (n,m). */
function exactPValue(n: number, m: number, scaled: number): number {
  // alive[j]: probability of being at (i, j) without having touched the boundary |i m - j n| >= scaled.
  let alive = new Float64Array(m + 1);
  let next = new Float64Array(m + 1);
  alive[0] = 1;
  let hit = 0;
  for (let i = 0; i <= n; i++) {
    next.fill(0);
    for (let j = 0; j <= m; j++) {
      const mass = alive[j]!;
      if (mass === 0) continue;
      const left = n + m - i - j;
      if (left === 0) continue;
      if (i < n) {
        const p = (mass * (n - i)) / left;
        if (Math.abs((i + 1) * m - j * n) >= scaled) hit += p;
        else next[j] += p;
      }
      if (j < m) {
        const p = (mass * (m - j)) / left;
        if (Math.abs(i * m - (j + 1) * n) >= scaled) hit += p;
        else alive[j + 1] += p;
      }
    }
    [alive, next] = [next, alive];
  }
  return Math.min(1, Math.max(0, hit));
}

/** Kolmogorov's survival function Q(lambda) = P(K > lambda), with its alternating series. */
export function kolmogorovQ(lambda: number): number {
  if (!Number.isFinite(lambda)) throw new NetspaceError(messages.analysis.notFinite('kolmogorovQ', 0, lambda));
  // Below ~0.2 the series converges too slowly to be summed, and Q is 1 to double precision there anyway.
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 200; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
