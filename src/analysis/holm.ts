// Holm's step-down correction for a family of tests (here: the KS tests between every pair of spaces).

/**
 * Holm-adjusted p-values (Holm 1979, "A simple sequentially rejective multiple test procedure"), in the input's
 * order: with the m p-values sorted ascending, p_(i) becomes max over j <= i of min(1, (m - j + 1) p_(j)). Rejecting
 * every hypothesis whose adjusted p-value is below alpha keeps the chance of any false rejection in the family below
 * alpha, whatever the dependence between the tests. Same as statsmodels' multipletests(method="holm").
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, j) => {
    running = Math.max(running, Math.min(1, (m - j) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}
