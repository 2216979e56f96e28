import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitForest, predictTree } from '../../src/analysis/forest.ts';
import { parameterImportance, type ImportanceResult, type ImportanceTable } from '../../src/analysis/importance.ts';

/** A small deterministic generator: uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `n` runs with `columns` parameters uniform on [0, 1] and the error `f` gives them, plus noise of `noise` amplitude. */
function synthetic(n: number, columns: number, f: (x: number[]) => number, noise: number, seed = 1): ImportanceTable {
  const rand = lcg(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: columns }, rand));
  return {
    names: Array.from({ length: columns }, (_, i) => `p${i}`),
    bounds: Array.from({ length: columns }, () => [0, 1] as [number, number]),
    x,
    y: x.map((row) => f(row) + noise * (rand() - 0.5)),
  };
}

const share = (r: ImportanceResult, name: string): number => r.parameters.find((p) => p.name === name)!.importance;
const pair = (r: ImportanceResult, a: string, b: string): number =>
  r.interactions.find((i) => i.names[0] === a && i.names[1] === b)!.importance;

describe('analysis/forest', () => {
  it('grows a tree that reproduces its training data exactly (split to purity, no bootstrap)', () => {
    const table = synthetic(60, 3, (x) => Math.sin(6 * x[0]!) + x[1]! * x[2]!, 0.2, 4);
    const [tree] = fitForest(table.x, table.y, { trees: 1, bootstrap: false });
    table.x.forEach((row, i) => assert.ok(Math.abs(predictTree(tree!, row) - table.y[i]!) < 1e-12, `row ${i}`));
    // Every split separates two training values: x <= threshold on the left.
    for (let node = 0; node < tree!.feature.length; node++) {
      if (tree!.feature[node]! < 0) continue;
      assert.equal(tree!.samples[node], tree!.samples[tree!.left[node]!]! + tree!.samples[tree!.right[node]!]!);
    }
  });

  it('splits a node even when no single split lowers the error (XOR), as scikit-learn does', () => {
    const x = [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]];
    const [tree] = fitForest(x, [0, 1, 1, 0], { trees: 1, bootstrap: false });
    assert.deepEqual(x.map((row) => predictTree(tree!, row)), [0, 1, 1, 0]);
  });

  it('is deterministic for a seed and draws other bootstrap resamples for another', () => {
    const table = synthetic(40, 2, (x) => x[0]!, 0.1);
    const a = fitForest(table.x, table.y, { trees: 5, seed: 3 });
    const b = fitForest(table.x, table.y, { trees: 5, seed: 3 });
    const c = fitForest(table.x, table.y, { trees: 5, seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

describe('analysis/importance', () => {
  it('decomposes a hand-made tree exactly: a step in p0 is all p0, XOR is all interaction', () => {
    const corners = [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]];
    const bounds: [number, number][] = [[0, 1], [0, 1]];
    const options = { trees: 1, bootstrap: false };
    const step = parameterImportance({ names: ['p0', 'p1'], bounds, x: corners, y: [0, 0, 1, 1] }, options);
    assert.deepEqual(step.parameters, [{ name: 'p0', importance: 1, std: 0 }, { name: 'p1', importance: 0, std: 0 }]);
    assert.deepEqual(step.interactions, [{ names: ['p0', 'p1'], importance: 0, std: 0 }]);
    const xor = parameterImportance({ names: ['p0', 'p1'], bounds, x: corners, y: [0, 1, 1, 0] }, options);
    assert.deepEqual(xor.parameters.map((p) => p.importance), [0, 0]);
    assert.equal(xor.interactions[0]!.importance, 1);
  });

  it('weights the marginals by the bounds: the space, not the runs, decides the variance', () => {
    // y = p0 + p1 on a 2x2 grid, split at 0.5 in both. With p0's range [0, 3], p0's low cell is 1/6 of its range, so
    // a_0 is 0 on 1/6 and 1 on 5/6 of it: V_0 = 5/36; p1 keeps V_1 = 1/4; no interaction, V = V_0 + V_1.
    const corners = [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]];
    const r = parameterImportance({ names: ['p0', 'p1'], bounds: [[0, 3], [0, 1]], x: corners, y: [0, 1, 1, 2] }, { trees: 1, bootstrap: false });
    const total = 5 / 36 + 1 / 4;
    assert.ok(Math.abs(share(r, 'p0') - 5 / 36 / total) < 1e-12, String(share(r, 'p0')));
    assert.ok(Math.abs(share(r, 'p1') - 1 / 4 / total) < 1e-12);
    assert.ok(Math.abs(r.interactions[0]!.importance) < 1e-12);
  });

  it('finds the one parameter an error depends on', () => {
    const table = synthetic(150, 4, (x) => 0.1 + 0.3 * (x[2]! - 0.3) ** 2, 0.01);
    for (const method of ['fanova', 'mdi'] as const) {
      const r = parameterImportance(table, { method, seed: 1 });
      assert.equal(r.trees, 64);
      assert.ok(share(r, 'p2') > 0.85, `${method}: p2 ${share(r, 'p2')}`);
      for (const other of ['p0', 'p1', 'p3']) assert.ok(share(r, other) < 0.05, `${method}: ${other} ${share(r, other)}`);
      for (const p of r.parameters) assert.ok(p.std >= 0 && p.std < 0.2, `${method}: ${p.name} std ${p.std}`);
    }
  });

  it('finds two parameters that interact, and their interaction', () => {
    // y = p1 + p2 + 4 (p1 - 1/2)(p2 - 1/2) on the unit square: Var p1 = Var p2 = 1/12 and the product term's variance
    // is 16 / 144, so p1 and p2 explain 0.3 each and their interaction 0.4; p0 and p3 do nothing.
    const table = synthetic(200, 4, (x) => x[1]! + x[2]! + 4 * (x[1]! - 0.5) * (x[2]! - 0.5), 0.02, 7);
    const r = parameterImportance(table, { seed: 2 });
    for (const p of ['p1', 'p2']) assert.ok(Math.abs(share(r, p) - 0.3) < 0.08, `${p}: ${share(r, p)}`);
    for (const p of ['p0', 'p3']) assert.ok(share(r, p) < 0.03, `${p}: ${share(r, p)}`);
    const strongest = [...r.interactions].sort((a, b) => b.importance - a.importance)[0]!;
    assert.deepEqual(strongest.names, ['p1', 'p2']);
    assert.ok(Math.abs(pair(r, 'p1', 'p2') - 0.4) < 0.08, String(pair(r, 'p1', 'p2')));
    for (const [a, b] of [['p0', 'p1'], ['p0', 'p3'], ['p2', 'p3']] as const) assert.ok(pair(r, a, b) < 0.02, `${a}x${b}: ${pair(r, a, b)}`);
    // Main effects and pairs account for nearly all of the variance: higher orders are small here.
    const explained = r.parameters.reduce((s, p) => s + p.importance, 0) + r.interactions.reduce((s, i) => s + i.importance, 0);
    assert.ok(explained > 0.9 && explained <= 1 + 1e-9, String(explained));
  });

  it('finds nothing when the error depends on no parameter', () => {
    const constant = parameterImportance(synthetic(30, 3, () => 0.2, 0), { seed: 1 });
    assert.equal(constant.trees, 0);
    assert.deepEqual(constant.parameters.map((p) => [p.importance, p.std]), [[0, 0], [0, 0], [0, 0]]);
    // Pure noise: the trees fit it, but no parameter stands out, and each one's share varies a lot between trees.
    const noise = parameterImportance(synthetic(150, 4, () => 0.2, 0.1, 3), { seed: 1 });
    for (const p of noise.parameters) {
      assert.ok(p.importance < 0.2, `${p.name}: ${p.importance}`);
      assert.ok(p.std > p.importance / 2, `${p.name}: std ${p.std} vs ${p.importance}`);
    }
  });

  it('is deterministic for a seed, and names a bad method', () => {
    const table = synthetic(40, 3, (x) => x[0]! * x[1]!, 0.05);
    assert.deepEqual(parameterImportance(table, { seed: 5 }), parameterImportance(table, { seed: 5 }));
    assert.notDeepEqual(parameterImportance(table, { seed: 5 }), parameterImportance(table, { seed: 6 }));
    assert.throws(() => parameterImportance(table, { method: 'shap' as never }), /^NetspaceError: importance method "shap" is not one of: fanova, mdi$/);
    assert.throws(() => parameterImportance({ ...table, y: table.y.slice(1) }), /x has 40 values but y has 39/);
  });
});
