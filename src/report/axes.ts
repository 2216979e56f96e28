// Axes that cannot silently fail: tick values for log scales and facet grids without empty panels.

/**
 * Tick values for a log axis over [lo, hi] (both > 0), the labels a reader can read: the 1-2-5 series of each decade
 * (1, 2, 5, 10, 20, ...), or every whole multiple of the decade (1..9) when that gives fewer than three, and the two
 * ends, rounded to two significant digits, when even that gives fewer than two. Empty when lo or hi is not positive:
 * a log scale has no place for them (widthsChart draws such data on a linear scale).
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const series = (multiples: readonly number[]): number[] => {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(a)) - 1; e <= Math.ceil(Math.log10(b)); e++) {
      for (const m of multiples) {
        const t = Number((m * 10 ** e).toPrecision(12));
        if (t >= a * (1 - 1e-9) && t <= b * (1 + 1e-9)) ticks.push(t);
      }
    }
    return ticks;
  };
  const coarse = series([1, 2, 5]);
  if (coarse.length >= 3) return coarse;
  const fine = series([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (fine.length >= 2) return fine;
  const ends = [Number(a.toPrecision(2)), Number(b.toPrecision(2))];
  return ends[0] === ends[1] ? [a, b] : ends;
}

/** Powers of two in [lo, hi] (lo > 0) for a base-2 axis, or logTicks when fewer than two fall inside. */
export function powerOfTwoTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > 0)) return [];
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log2(lo) - 1e-9); 2 ** e <= hi * (1 + 1e-9); e++) ticks.push(2 ** e);
  return ticks.length >= 2 ? ticks : logTicks(lo, hi);
}

/**
 * Columns of a facet grid of `panels` panels, at most `most` wide, chosen so that no row has an empty cell where one
 * can be avoided: one row when they fit, else the widest count that divides them, else `most`.
 */
export function facetColumns(panels: number, most = 3): number {
  if (panels <= most) return Math.max(1, panels);
  for (let c = most; c >= 2; c--) if (panels % c === 0) return c;
  return most;
}
