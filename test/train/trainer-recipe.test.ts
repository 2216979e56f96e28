// Tests of src/train/trainer.ts with training recipes on the real Fashion-MNIST files: a run stopped after epoch k
// and resumed from its stored checkpoint gives bit-identical epochs and weights; the recipe's parts reach training.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_RECIPE, type Recipe } from '../../src/core/recipe.ts';
import type { EpochRecord, TrainSettings } from '../../src/core/types.ts';
import { loadDataset, type Dataset } from '../../src/data/index.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { trainModel } from '../../src/train/trainer.ts';
import { tinyAnyNet } from '../model/tiny.ts';

const TINY = tinyAnyNet();
/** The tiny model's weights and running statistics (what a checkpoint without optimizer state holds). */
const TINY_VALUES = 2266;
const BASE: TrainSettings = { epochs: 3, resolution: 28, batchSize: 64, lr: 0.1, trainSize: 2048, valSize: 200 };

const SGD_RECIPE: Recipe = {
  optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
  weightDecay: 5e-4,
  excludeBnAndBias: true,
  schedule: { kind: 'cosine', minFactor: 0 },
  warmup: { epochs: 1, startFactor: 0.1 },
  labelSmoothing: 0.1,
  augmentation: { randomCrop: { padding: 2 }, horizontalFlip: true, randomResizedCrop: null },
};
const ADAMW_RECIPE: Recipe = {
  ...DEFAULT_RECIPE,
  optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  weightDecay: 0.05,
  schedule: { kind: 'step', every: 1, gamma: 0.5 },
  augmentation: { randomCrop: null, horizontalFlip: true, randomResizedCrop: { scale: [0.5, 1], ratio: [3 / 4, 4 / 3] } },
};

const metrics = (epochs: readonly EpochRecord[]) => epochs.map(({ epoch, trainLoss, valLoss, valAccuracy }) => ({ epoch, trainLoss, valLoss, valAccuracy }));

describe('train/trainer with recipes', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('fashion-mnist', { download: false });
  });

  for (const [name, recipe] of [['SGD Nesterov, cosine, warm-up, smoothing, crop, flip', SGD_RECIPE], ['AdamW, step lr, resized crop, flip', ADAMW_RECIPE]] as const) {
    it(`${name}: stopping after epoch k and resuming from its checkpoint gives the uninterrupted run bit for bit`, async () => {
      const settings = { ...BASE, lr: recipe.optimizer.kind === 'sgd' ? 0.1 : 0.01, recipe };
      const request = { config: TINY, settings, seed: 21, backend: 'wasm' as const };
      const checkpoints: Uint8Array[] = [];
      const whole = await trainModel(request, data, { onEpoch: (_e, c) => void checkpoints.push(c.slice()) });
      assert.equal(whole.status, 'done', whole.errorText ?? '');
      assert.ok(whole.epochs[2]!.valAccuracy > 0.25, `the recipe learns (chance: 0.1): ${whole.epochs[2]!.valAccuracy}`);
      const saved = decodeCheckpoint(checkpoints[0]!, TINY_VALUES);
      assert.equal(saved.optimizer?.iterations, 32, 'the optimizer state is in the checkpoint: 32 steps of 64 images');
      assert.equal(saved.optimizer?.buffers.length, (recipe.optimizer.kind === 'sgd' ? 1 : 2) * 2122, 'one or two buffers per trainable value');

      for (const k of [1, 2]) {
        const resumedCheckpoints: Uint8Array[] = [];
        const resumed = await trainModel({ ...request, resume: { epochs: whole.epochs.slice(0, k), checkpoint: checkpoints[k - 1]! } }, data, {
          onEpoch: (_e, c) => void resumedCheckpoints.push(c.slice()),
        });
        assert.equal(resumed.status, 'done', resumed.errorText ?? '');
        assert.deepEqual(metrics(resumed.epochs), metrics(whole.epochs), `resumed after epoch ${k}: the same losses and accuracies`);
        assert.deepEqual(resumedCheckpoints.at(-1), checkpoints.at(-1), `resumed after epoch ${k}: the same weights and optimizer state`);
      }

      // The checkpoint is what makes this exact: without the optimizer state the resumed run trains differently.
      const weightsOnly = checkpoints[0]!.slice(0, 4 * TINY_VALUES);
      const amnesic = await trainModel({ ...request, resume: { epochs: whole.epochs.slice(0, 1), checkpoint: weightsOnly } }, data);
      assert.notDeepEqual(metrics(amnesic.epochs), metrics(whole.epochs));
    });
  }

  it("keeps the chapter's checkpoints as the weights alone, and its recipe reaches training (a long warm-up from 0 learns little)", async () => {
    const settings = { ...BASE, epochs: 1 };
    const checkpoints: Uint8Array[] = [];
    const chapter = await trainModel({ config: TINY, settings, seed: 4, backend: 'wasm' }, data, { onEpoch: (_e, c) => void checkpoints.push(c) });
    assert.equal(checkpoints[0]!.byteLength, 4 * TINY_VALUES);
    const explicit = await trainModel({ config: TINY, settings: { ...settings, recipe: structuredClone(DEFAULT_RECIPE) as Recipe }, seed: 4, backend: 'wasm' }, data);
    assert.deepEqual(metrics(explicit.epochs), metrics(chapter.epochs), 'the default recipe given explicitly trains as none');
    const slow = { ...DEFAULT_RECIPE, warmup: { epochs: 100, startFactor: 0 } };
    const warm = await trainModel({ config: TINY, settings: { ...settings, recipe: slow }, seed: 4, backend: 'wasm' }, data);
    assert.ok(warm.epochs[0]!.trainLoss > chapter.epochs[0]!.trainLoss + 0.2, `${warm.epochs[0]!.trainLoss} vs ${chapter.epochs[0]!.trainLoss}`);
  });
});
