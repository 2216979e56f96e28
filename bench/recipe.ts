// Recipe benchmark: what a training recipe adds to a RegNet32 step (28x28, batch 128, wasm), as a share of the step
// measured in the same process: the fused optimizer update against plain SGD's, the batch's crops and flips against
// the plain batch, label smoothing in the loss, the learning rate per step; and whole steps with either recipe.
// Run: npx tsx bench/recipe.ts   (or npm run bench, which runs every bench/*.ts)
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_RECIPE, type Recipe } from '../src/core/recipe.ts';
import { augmentationRng, epochOrder, fillAugmentedBatch, fillBatch, loadDataset, stratifiedSubset } from '../src/data/index.ts';
import { initBackend } from '../src/engine/backend.ts';
import { createOptimizer, type RecipeOptimizer } from '../src/engine/optimizer.ts';
import { smoothedCrossEntropy, trainStep } from '../src/engine/train-step.ts';
import { buildAnyNet, type AnyNetModel } from '../src/model/anynet.ts';
import { REGNET32 } from '../src/space/presets.ts';
import { learningRateAt } from '../src/train/lr-schedule.ts';
import { takesWeightDecay } from '../src/train/recipe.ts';

const BATCH = 128;
const RESOLUTION = 28;
/** pycls's recipe as experiments/pycls-recipe.yaml trains it, plus label smoothing so that every part is counted. */
const RECIPE: Recipe = {
  optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
  weightDecay: 5e-5,
  excludeBnAndBias: false,
  schedule: { kind: 'cosine', minFactor: 0 },
  warmup: { epochs: 0.5, startFactor: 0.1 },
  labelSmoothing: 0.1,
  augmentation: { randomCrop: { padding: 4 }, horizontalFlip: true, randomResizedCrop: null },
};
const ADAMW: Recipe = { ...RECIPE, optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8 } };

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** CPU milliseconds of `run` (one thread does the work; CPU time is steadier than wall time on a shared machine). */
function cpuMs(run: () => unknown): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Medians of `rounds` interleaved timings of each of `runs` (interleaved, so that the machine's drift hits all alike). */
function interleaved(rounds: number, runs: Record<string, () => unknown>): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) for (const [name, run] of Object.entries(runs)) times[name]!.push(cpuMs(run));
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

function optimizerFor(model: AnyNetModel, recipe: Recipe): RecipeOptimizer {
  const params = model.trainable.map(({ name, variable }) => ({ variable, decay: takesWeightDecay(name, recipe) }));
  return createOptimizer(recipe, params, 0.05);
}

await initBackend('wasm');
const data = await loadDataset('fashion-mnist', { download: false });
const order = epochOrder(stratifiedSubset(data.train.labels, null, 0), 0, 1);
const indices = order.subarray(0, BATCH);
const buffers = { x: new Float32Array(BATCH * RESOLUTION * RESOLUTION), y: new Int32Array(BATCH) };
const rng = augmentationRng(0, 1);
const batch = fillBatch(data.train, indices, RESOLUTION);
const x = tf.tensor4d(batch.x, [BATCH, RESOLUTION, RESOLUTION, 1]);
const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.y, 'int32'), 10) as tf.Tensor2D);

// Whole steps, chapter against recipe, on separate models (the same start) so that neither trains the other's.
const chapterModel = buildAnyNet(REGNET32, { seed: 0 });
const recipeModel = buildAnyNet(REGNET32, { seed: 0 });
const chapterOptimizer = optimizerFor(chapterModel, DEFAULT_RECIPE);
const recipeOptimizer = optimizerFor(recipeModel, RECIPE);
let step = 0;
const recipeStep = (): void => {
  const b = fillAugmentedBatch(data.train, indices, RESOLUTION, RECIPE.augmentation, rng, buffers);
  recipeOptimizer.learningRate = learningRateAt(0.1, RECIPE, { step: step++, stepsPerEpoch: 469, epochs: 10 });
  const xs = tf.tensor4d(b.x, [BATCH, RESOLUTION, RESOLUTION, 1]);
  trainStep(recipeModel, recipeOptimizer, xs, y, { labelSmoothing: RECIPE.labelSmoothing });
  xs.dispose();
};
const chapterStep = (): void => {
  const b = fillBatch(data.train, indices, RESOLUTION, buffers);
  const xs = tf.tensor4d(b.x, [BATCH, RESOLUTION, RESOLUTION, 1]);
  trainStep(chapterModel, chapterOptimizer, xs, y);
  xs.dispose();
};
for (let i = 0; i < 2; i++) {
  chapterStep();
  recipeStep();
}
const steps = interleaved(12, { chapter: chapterStep, recipe: recipeStep });

// The parts, each against what the chapter's step does in its place.
const grads = tf.tidy(() => Object.fromEntries(chapterModel.trainable.map(({ variable }) => [variable.name, tf.mul(tf.onesLike(variable), 1e-3)])));
const plain = optimizerFor(chapterModel, DEFAULT_RECIPE);
const momentum = optimizerFor(chapterModel, RECIPE);
const adamw = optimizerFor(chapterModel, ADAMW);
const updates = interleaved(40, {
  plain: () => plain.applyGradients(grads),
  momentum: () => momentum.applyGradients(grads),
  adamw: () => adamw.applyGradients(grads),
});
const fills = interleaved(200, {
  plain: () => fillBatch(data.train, indices, RESOLUTION, buffers),
  augmented: () => fillAugmentedBatch(data.train, indices, RESOLUTION, RECIPE.augmentation, rng, buffers),
});
const logits = tf.variable(tf.randomNormal([BATCH, 10], 0, 1, 'float32', 1));
const lossGrad = (eps: number) => () => {
  const { value, grads: g } = tf.variableGrads(() => smoothedCrossEntropy(y, logits as tf.Tensor as tf.Tensor2D, eps), [logits]);
  tf.dispose([value, ...Object.values(g)]);
};
const losses = interleaved(200, { plain: lossGrad(0), smoothed: lossGrad(0.1) });
const lrCalls = 10_000;
const lrMs = cpuMs(() => {
  for (let i = 0; i < lrCalls; i++) learningRateAt(0.1, RECIPE, { step: i, stepsPerEpoch: 469, epochs: 10 });
}) / lrCalls;

const parts = [
  ['optimizer update: SGD momentum 0.9 Nesterov + weight decay (NetspaceSgdStep) vs plain SGD (NetspaceSgdUpdate)', updates.plain!, updates.momentum!],
  ['batch: random crop (padding 4) + flip vs plain fillBatch', fills.plain!, fills.augmented!],
  ['loss: label smoothing 0.1 vs plain cross-entropy (forward + backward)', losses.plain!, losses.smoothed!],
  ['learning rate per step (cosine + warm-up)', 0, lrMs],
] as const;
const extra = parts.reduce((sum, [, base, withRecipe]) => sum + Math.max(0, withRecipe - base), 0);
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
console.log(`RegNet32, ${RESOLUTION}x${RESOLUTION}, batch ${BATCH}, wasm; medians of CPU ms, each pair interleaved in this process.`);
console.log(line(['part', 'chapter ms', 'recipe ms', 'extra ms', 'extra / chapter step']));
console.log(line(['---', '---', '---', '---', '---']));
for (const [name, base, withRecipe] of parts) {
  console.log(line([name, base.toFixed(3), withRecipe.toFixed(3), (withRecipe - base).toFixed(3), `${((100 * (withRecipe - base)) / steps.chapter!).toFixed(2)}%`]));
}
console.log(line(['AdamW update (NetspaceAdamStep), for comparison', updates.plain!.toFixed(3), updates.adamw!.toFixed(3), (updates.adamw! - updates.plain!).toFixed(3), `${((100 * (updates.adamw! - updates.plain!)) / steps.chapter!).toFixed(2)}%`]));
console.log(line(['whole step (fill + forward + backward + update)', steps.chapter!.toFixed(1), steps.recipe!.toFixed(1), (steps.recipe! - steps.chapter!).toFixed(1), `${((100 * (steps.recipe! - steps.chapter!)) / steps.chapter!).toFixed(2)}%`]));
const share = extra / steps.chapter!;
console.log(`the recipe's extra work: ${extra.toFixed(2)} ms per step, ${(100 * share).toFixed(2)}% of the chapter's ${steps.chapter!.toFixed(1)} ms step (limit 5%): ${share < 0.05 ? 'within' : 'OVER'}`);
tf.dispose([x, y, logits, ...Object.values(grads)]);
[chapterOptimizer, recipeOptimizer, plain, momentum, adamw].forEach((o) => o.dispose());
chapterModel.dispose();
recipeModel.dispose();
