// Which parameters matter: fANOVA or mean decrease in impurity over a random forest fitted to runs' parameters and errors.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { fitForest, type ForestOptions, type RegressionTree } from './forest.ts';
import { checkFinite } from './stats.ts';

/**
 * How importance is measured:
 * - `fanova`: functional ANOVA of the forest's prediction (Hutter, Hoos and Leyton-Brown, "An Efficient Approach for
 *   Assessing Hyperparameter Importance", ICML 2014): the share of the prediction's variance over the parameter
 *   space that each parameter explains alone (its main effect), and each pair together beyond that (its interaction).
 *   Optuna's default importance (FanovaImportanceEvaluator).
 * - `mdi`: mean decrease in impurity (Breiman 2001): how much the splits on a parameter reduce the squared error of the
 *   training runs, as a share of all reductions (scikit-learn's feature_importances_, Optuna's
 *   MeanDecreaseImpurityImportanceEvaluator). Cheaper and needs no bounds, but it favours parameters with many
 *   distinct values and says nothing about interactions.
 */
export type ImportanceMethod = 'fanova' | 'mdi';
export const IMPORTANCE_METHODS: readonly ImportanceMethod[] = ['fanova', 'mdi'];

/** The runs as a numeric table: what the forest is fitted to. */
export interface ImportanceTable {
  /** Column names. */
  names: string[];
  /**
   * [low, high] of each column, low < high: the parameter space fANOVA averages over, in the units of `x`. Split points
   * outside it are clamped into it.
   */
  bounds: [number, number][];
  /** One row per run: its value of every column. */
  x: number[][];
  /** The runs' errors (any finite numbers). */
  y: number[];
}

export interface ImportanceOptions extends ForestOptions {
  /** Default 'fanova'. */
  method?: ImportanceMethod;
}

/** One parameter's importance: its mean share over the forest's trees, and how much that share varies between them. */
export interface Importance {
  name: string;
  /**
   * fanova: mean over trees of V_i / V, the fraction of the prediction's variance over the space explained by this
   * parameter alone (0..1; the fractions of all parameters and all interactions add up to 1 in each tree).
   * mdi: mean over trees of the parameter's share of the impurity decrease (0..1, summing to 1).
   */
  importance: number;
  /** Standard deviation of the per-tree value over the trees (each grown on its own bootstrap resample of the runs). */
  std: number;
}

/** The part of the variance that two parameters explain together beyond their main effects (fANOVA only). */
export interface Interaction {
  names: [string, string];
  /** Mean over trees of V_ij / V, V_ij = Var(a_ij) - V_i - V_j (Hutter et al. 2014, eq. 4), clipped at 0. */
  importance: number;
  std: number;
}

export interface ImportanceResult {
  method: ImportanceMethod;
  /** Runs the forest was fitted to. */
  n: number;
  /** Trees the numbers average over: those whose prediction varies (0 when the errors are all equal). */
  trees: number;
  /** One per column, in column order. */
  parameters: Importance[];
  /** fanova: every pair of columns, in column order (a before b); mdi: none. */
  interactions: Interaction[];
}

/** A leaf as a box of the parameter space: its prediction and, per column, the fraction of the range it spans. */
interface Leaf {
  value: number;
  /** Lower and upper edge per column, within the bounds. */
  lo: number[];
  hi: number[];
  /** (hi - lo) / (high - low) per column. */
  share: number[];
  /** Product of `share`: the leaf's fraction of the space's volume. */
  volume: number;
}

function leavesOf(tree: RegressionTree, bounds: readonly [number, number][]): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (node: number, lo: number[], hi: number[]): void => {
    const f = tree.feature[node]!;
    if (f < 0) {
      const share = lo.map((l, d) => (hi[d]! - l) / (bounds[d]![1] - bounds[d]![0]));
      leaves.push({ value: tree.value[node]!, lo, hi, share, volume: share.reduce((p, s) => p * s, 1) });
      return;
    }
    const t = Math.min(bounds[f]![1], Math.max(bounds[f]![0], tree.threshold[node]!));
    // A split clamped onto an edge of the box leaves one child empty: its leaves get zero width and weight.
    walk(tree.left[node]!, lo, hi.map((h, d) => (d === f ? Math.max(lo[d]!, Math.min(h, t)) : h)));
    walk(tree.right[node]!, lo.map((l, d) => (d === f ? Math.min(hi[d]!, Math.max(l, t)) : l)), hi);
  };
  walk(0, bounds.map((b) => b[0]), bounds.map((b) => b[1]));
  return leaves;
}

/** The cells a column's split points cut its range into: sorted edges and each cell's share of the range. */
function cellsOf(leaves: readonly Leaf[], column: number): { index: Map<number, number>; widths: number[] } {
  const edges = [...new Set(leaves.flatMap((l) => [l.lo[column]!, l.hi[column]!]))].sort((a, b) => a - b);
  const range = edges[edges.length - 1]! - edges[0]!;
  return {
    index: new Map(edges.map((e, i) => [e, i])),
    widths: edges.slice(1).map((e, i) => (e - edges[i]!) / range),
  };
}

/** Variance of the marginal a(cell) around `mean`, each cell weighted by its share of the space. */
function weightedVariance(values: ArrayLike<number>, weights: ArrayLike<number>, mean: number): number {
  let v = 0;
  for (let k = 0; k < values.length; k++) v += weights[k]! * (values[k]! - mean) ** 2;
  return v;
}

/**
 * The variance decomposition of one tree over the space: total variance V, each column's main effect V_i and each
 * pair's interaction V_ij. The marginal a_i(x_i) (Hutter et al. 2014, eq. 2) is constant between two consecutive split
 * points of column i, where it is the volume-weighted mean of the leaves that span it; every leaf adds its share to
 * the cells its box covers, so the marginals come exactly from the tree's leaf partition (as Optuna's _FanovaTree
 * computes them), in time linear in leaves and cells.
 */
function decomposeTree(tree: RegressionTree, bounds: readonly [number, number][], pairs: boolean): { total: number; main: number[]; pair: number[][] } {
  const leaves = leavesOf(tree, bounds);
  const columns = bounds.length;
  let mean = 0;
  for (const l of leaves) mean += l.volume * l.value;
  let total = 0;
  for (const l of leaves) total += l.volume * (l.value - mean) ** 2;
  const cells = Array.from({ length: columns }, (_, c) => cellsOf(leaves, c));
  // A leaf's weight in a marginal over column set S: its volume outside S, the product of its shares there.
  const outside = (l: Leaf, skip: readonly number[]): number => l.share.reduce((p, s, d) => (skip.includes(d) ? p : p * s), 1);
  const main = cells.map(({ index, widths }, c) => {
    const marginal = new Float64Array(widths.length + 1);
    for (const l of leaves) {
      const a = index.get(l.lo[c]!)!;
      const b = index.get(l.hi[c]!)!;
      if (a === b) continue;
      const w = l.value * outside(l, [c]);
      marginal[a] += w;
      marginal[b] -= w;
    }
    for (let k = 1; k < marginal.length; k++) marginal[k] += marginal[k - 1]!;
    return weightedVariance(marginal.subarray(0, widths.length), widths, mean);
  });
  const pair = Array.from({ length: columns }, () => new Array<number>(columns).fill(0));
  if (pairs) {
    for (let i = 0; i < columns; i++) {
      for (let j = i + 1; j < columns; j++) {
        const ci = cells[i]!;
        const cj = cells[j]!;
        const ni = ci.widths.length;
        const nj = cj.widths.length;
        // Two-dimensional running sums over a (ni + 1) x (nj + 1) grid: each leaf adds its rectangle's corners.
        const grid = new Float64Array((ni + 1) * (nj + 1));
        for (const l of leaves) {
          const a = ci.index.get(l.lo[i]!)!;
          const b = ci.index.get(l.hi[i]!)!;
          const p = cj.index.get(l.lo[j]!)!;
          const q = cj.index.get(l.hi[j]!)!;
          if (a === b || p === q) continue;
          const w = l.value * outside(l, [i, j]);
          grid[a * (nj + 1) + p] += w;
          grid[a * (nj + 1) + q] -= w;
          grid[b * (nj + 1) + p] -= w;
          grid[b * (nj + 1) + q] += w;
        }
        for (let r = 0; r <= ni; r++) for (let s = 1; s <= nj; s++) grid[r * (nj + 1) + s] += grid[r * (nj + 1) + s - 1]!;
        for (let r = 1; r <= ni; r++) for (let s = 0; s <= nj; s++) grid[r * (nj + 1) + s] += grid[(r - 1) * (nj + 1) + s]!;
        let v = 0;
        for (let r = 0; r < ni; r++) {
          for (let s = 0; s < nj; s++) v += ci.widths[r]! * cj.widths[s]! * (grid[r * (nj + 1) + s]! - mean) ** 2;
        }
        pair[i]![j] = Math.max(0, v - main[i]! - main[j]!);
      }
    }
  }
  return { total, main, pair };
}

/** Mean and population standard deviation (numpy's default, as fANOVA and Optuna report it). */
function meanStd(values: readonly number[]): { importance: number; std: number } {
  if (values.length === 0) return { importance: 0, std: 0 };
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length;
  return { importance: m, std: Math.sqrt(variance) };
}

function fanova(trees: readonly RegressionTree[], table: ImportanceTable): Omit<ImportanceResult, 'method' | 'n'> {
  const columns = table.names.length;
  const mains: number[][] = Array.from({ length: columns }, () => []);
  const pairs: number[][][] = Array.from({ length: columns }, () => Array.from({ length: columns }, () => []));
  let used = 0;
  for (const tree of trees) {
    const { total, main, pair } = decomposeTree(tree, table.bounds, true);
    if (!(total > 0)) continue;
    used++;
    for (let i = 0; i < columns; i++) {
      mains[i]!.push(main[i]! / total);
      for (let j = i + 1; j < columns; j++) pairs[i]![j]!.push(pair[i]![j]! / total);
    }
  }
  const interactions: Interaction[] = [];
  for (let i = 0; i < columns; i++) {
    for (let j = i + 1; j < columns; j++) interactions.push({ names: [table.names[i]!, table.names[j]!], ...meanStd(pairs[i]![j]!) });
  }
  return { trees: used, parameters: table.names.map((name, i) => ({ name, ...meanStd(mains[i]!) })), interactions };
}

function meanDecreaseImpurity(trees: readonly RegressionTree[], table: ImportanceTable): Omit<ImportanceResult, 'method' | 'n'> {
  const columns = table.names.length;
  const shares: number[][] = Array.from({ length: columns }, () => []);
  let used = 0;
  for (const tree of trees) {
    const decrease = new Array<number>(columns).fill(0);
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node]!;
      if (f >= 0) decrease[f]! += tree.sse[node]! - tree.sse[tree.left[node]!]! - tree.sse[tree.right[node]!]!;
    }
    const sum = decrease.reduce((s, d) => s + d, 0);
    if (!(sum > 0)) continue;
    used++;
    decrease.forEach((d, f) => shares[f]!.push(d / sum));
  }
  return { trees: used, parameters: table.names.map((name, i) => ({ name, ...meanStd(shares[i]!) })), interactions: [] };
}

const METHODS: Record<ImportanceMethod, (trees: readonly RegressionTree[], table: ImportanceTable) => Omit<ImportanceResult, 'method' | 'n'>> = {
  fanova,
  mdi: meanDecreaseImpurity,
};

function checkTable(table: ImportanceTable): void {
  const columns = table.names.length;
  if (table.bounds.length !== columns) throw new Error(`importance: ${columns} names but ${table.bounds.length} bounds`);
  table.bounds.forEach(([low, high], c) => {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new Error(`importance: bounds of ${table.names[c]} must be finite with low < high, got [${low}, ${high}]`);
    }
  });
  if (table.x.length !== table.y.length) {
    throw new NetspaceError(messages.analysis.lengthMismatch('importance', 'x', 'y', table.x.length, table.y.length));
  }
  checkFinite('importance errors', table.y);
  table.x.forEach((row, r) => {
    if (row.length !== columns) throw new Error(`importance: row ${r} has ${row.length} values for ${columns} columns`);
    checkFinite(`importance row ${r}`, row);
  });
}

/**
 * How much each column of `table` matters to its errors: a seeded random forest (fitForest with `options`) is fitted
 * to the runs, then its trees are read by `options.method` (fANOVA unless told). Each number is the mean over the
 * trees, with its standard deviation over them as the spread; trees that predict one constant are left out, as in
 * Optuna, so with all errors equal (or one run) every importance is 0 and `trees` is 0. Deterministic for a seed.
 */
export function parameterImportance(table: ImportanceTable, options: ImportanceOptions = {}): ImportanceResult {
  const { method = 'fanova', ...forest } = options;
  if (!IMPORTANCE_METHODS.includes(method)) throw new NetspaceError(messages.analysis.importanceMethod(method, IMPORTANCE_METHODS));
  checkTable(table);
  const n = table.y.length;
  if (n === 0 || table.names.length === 0) {
    return { method, n, trees: 0, parameters: table.names.map((name) => ({ name, importance: 0, std: 0 })), interactions: [] };
  }
  const trees = fitForest(table.x, table.y, forest);
  return { method, n, ...METHODS[method](trees, table) };
}
