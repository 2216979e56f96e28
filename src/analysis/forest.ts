// A seeded random forest of CART regression trees whose nodes can be walked: what fANOVA and MDI read.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { purposeRng, type RandomGenerator } from '../core/random.ts';

/**
 * One fitted regression tree as flat arrays, node 0 the root. A node with feature -1 is a leaf; any other node sends a
 * point x to `left` when x[feature] <= threshold, else to `right` (scikit-learn's rule).
 */
export interface RegressionTree {
  /** Column split on, or -1 at a leaf. */
  feature: Int32Array;
  /** Split value: the midpoint between the two training values either side of it. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Mean target of the training samples in the node (the leaf's prediction). */
  value: Float64Array;
  /** Training samples in the node, bootstrap duplicates counted. */
  samples: Int32Array;
  /** Sum of squared deviations of those samples' targets from `value`: the node's impurity times its samples. */
  sse: Float64Array;
}

/** Knobs of fitForest; defaults are those of Optuna's FanovaImportanceEvaluator (scikit-learn's forest with 64 trees). */
export interface ForestOptions {
  /** Trees. Default 64. */
  trees?: number;
  /** Deepest node, root at depth 0. Default 64. */
  maxDepth?: number;
  /** Fewest samples a node needs to be split. Default 2. */
  minSamplesSplit?: number;
  /** Fewest samples either child of a split keeps. Default 1. */
  minSamplesLeaf?: number;
  /** Fit each tree on a bootstrap resample of the rows (true) or on all rows (false). Default true. */
  bootstrap?: boolean;
  /** Seed of the bootstrap resamples. Default 0. */
  seed?: number;
  /** Names the random stream, so that two forests with one seed (two design spaces) draw independently. */
  stream?: string;
}

export const FOREST_DEFAULTS: Readonly<Required<ForestOptions>> = Object.freeze({
  trees: 64,
  maxDepth: 64,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  bootstrap: true,
  seed: 0,
  stream: 'forest',
});

/** A node whose impurity is below this is pure: scikit-learn's EPSILON test, scaled to the targets' spread. */
const PURE = 1e-12;

/** A growable tree under construction. */
class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  samples: number[] = [];
  sse: number[] = [];

  add(value: number, samples: number, sse: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.samples.push(samples);
    this.sse.push(sse);
    return this.feature.length - 1;
  }

  build(): RegressionTree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      samples: Int32Array.from(this.samples),
      sse: Float64Array.from(this.sse),
    };
  }
}

interface Split {
  feature: number;
  threshold: number;
  /** Rows (as positions in the node's list) going left: the first `count` of the list sorted by the feature. */
  order: number[];
  count: number;
}

/**
 * The split of `rows` that leaves the smallest sum of squared errors in the two children (CART, Breiman et al. 1984,
 * as scikit-learn's best splitter with every feature considered): for each feature, rows sorted by it, every gap
 * between two distinct values is a candidate. The features are tried in a random order drawn for each node, and a
 * tie keeps the first one tried, then the lowest threshold: as in scikit-learn, two parameters that split the runs
 * alike share the splits between trees instead of the first column taking them all. As there too, a node that is not
 * pure is split even when no split lowers the error (XOR needs two levels).
 */
function bestSplit(x: readonly (readonly number[])[], y: readonly number[], rows: readonly number[], minLeaf: number, rng: RandomGenerator): Split | null {
  const n = rows.length;
  const features = x[rows[0]!]!.length;
  let best: Split | null = null;
  let bestSse = Infinity;
  for (const f of shuffled(features, rng)) {
    const order = [...rows].sort((a, b) => x[a]![f]! - x[b]![f]! || a - b);
    let total = 0;
    let totalSq = 0;
    for (const r of order) {
      total += y[r]!;
      totalSq += y[r]! * y[r]!;
    }
    let sum = 0;
    let sumSq = 0;
    for (let k = 1; k < n; k++) {
      const yk = y[order[k - 1]!]!;
      sum += yk;
      sumSq += yk * yk;
      if (k < minLeaf || n - k < minLeaf) continue;
      const below = x[order[k - 1]!]![f]!;
      const above = x[order[k]!]![f]!;
      if (!(below < above)) continue;
      const sse = sumSq - (sum * sum) / k + (totalSq - sumSq) - ((total - sum) * (total - sum)) / (n - k);
      if (sse < bestSse - PURE * Math.max(1, Math.abs(sse))) {
        bestSse = sse;
        // The midpoint, unless rounding puts it on the upper value: then the lower one, so that x <= t still splits.
        const mid = below / 2 + above / 2;
        best = { feature: f, threshold: mid < above ? mid : below, order, count: k };
      }
    }
  }
  return best;
}

/** 0..n-1 in a random order (Fisher-Yates). */
function shuffled(n: number, rng: RandomGenerator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function meanAndSse(y: readonly number[], rows: readonly number[]): { mean: number; sse: number } {
  let sum = 0;
  for (const r of rows) sum += y[r]!;
  const mean = sum / rows.length;
  let sse = 0;
  for (const r of rows) sse += (y[r]! - mean) ** 2;
  return { mean, sse };
}

/** Grows one tree on `rows` (indices into x and y, repeats allowed) depth first. */
function growTree(x: readonly (readonly number[])[], y: readonly number[], rows: number[], options: Required<ForestOptions>, rng: RandomGenerator): RegressionTree {
  const tree = new TreeBuilder();
  const grow = (nodeRows: number[], depth: number): number => {
    const { mean, sse } = meanAndSse(y, nodeRows);
    const node = tree.add(mean, nodeRows.length, sse);
    const pure = sse <= PURE * Math.max(1, mean * mean) * nodeRows.length;
    if (pure || depth >= options.maxDepth || nodeRows.length < options.minSamplesSplit) return node;
    const split = bestSplit(x, y, nodeRows, options.minSamplesLeaf, rng);
    if (split === null) return node;
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.threshold;
    tree.left[node] = grow(split.order.slice(0, split.count), depth + 1);
    tree.right[node] = grow(split.order.slice(split.count), depth + 1);
    return node;
  };
  grow(rows, 0);
  return tree.build();
}

/**
 * Fits a random forest of regression trees to rows `x` (each a vector of the same length) and targets `y`: each tree
 * is grown on a bootstrap resample of the rows (drawn, with the order features are tried in, from the seeded
 * generator of `seed` and `stream`), split to purity or `maxDepth` with every feature considered at every node (scikit-learn's RandomForestRegressor defaults,
 * which Optuna's fANOVA uses). Same inputs and seed, same trees, on every machine.
 *
 * netspace grows its own trees rather than using ml-random-forest (mljs, the seeded npm forest whose trees can be
 * walked): its CART refuses a split that leaves both children pure when the parent's recorded gain is 0, as the root's
 * always is, so an error that two values of one parameter decide gives a one-leaf tree, and its split search is
 * quadratic in the rows.
 */
export function fitForest(x: readonly (readonly number[])[], y: readonly number[], options: ForestOptions = {}): RegressionTree[] {
  const opts = { ...FOREST_DEFAULTS, ...options };
  if (x.length !== y.length) throw new Error(`fitForest: ${x.length} rows but ${y.length} targets`);
  if (x.length === 0) throw new Error('fitForest: no rows');
  const n = x.length;
  const rng = purposeRng(opts.seed, opts.stream);
  const all = Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: opts.trees }, () => {
    const rows = opts.bootstrap ? Array.from({ length: n }, () => uniformInt(rng, 0, n - 1)) : all;
    return growTree(x, y, rows, opts, rng);
  });
}

/** The tree's prediction at `point`. */
export function predictTree(tree: RegressionTree, point: readonly number[]): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = point[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}
