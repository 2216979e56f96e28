// Tests of the trainer on the real Fashion-MNIST files: learning, determinism, divergence.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDataset, type Dataset } from '../../src/data/index.ts';
import type { TrainSettings } from '../../src/core/types.ts';
import { trainModel } from '../../src/train/trainer.ts';
import type { BatchProgress } from '../../src/train/types.ts';
import { tinyAnyNet } from '../model/tiny.ts';

const TINY = tinyAnyNet();
const SETTINGS: TrainSettings = { epochs: 2, resolution: 28, batchSize: 64, lr: 0.1, trainSize: 2048, valSize: 256 };

describe('train/trainer', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('fashion-mnist', { download: false });
  });

  it('learns: the training loss falls from batch to batch and from epoch to epoch', async () => {
    const batches: BatchProgress[] = [];
    const result = await trainModel({ config: TINY, settings: SETTINGS, seed: 3, backend: 'wasm' }, data, {
      onBatch: (p) => batches.push(p),
    });
    assert.equal(result.status, 'done', result.errorText ?? '');
    assert.equal(result.backend, 'wasm');
    assert.equal(result.epochs.length, 2);
    assert.equal(batches.length, 2 * 32);
    assert.ok(batches.at(-1)!.loss < batches[0]!.loss, `batch losses ${batches[0]!.loss} -> ${batches.at(-1)!.loss}`);
    const [first, second] = result.epochs;
    assert.ok(second!.trainLoss < first!.trainLoss, `epoch losses ${first!.trainLoss} -> ${second!.trainLoss}`);
    assert.ok(first!.trainLoss < Math.log(10) + 0.5, 'mean loss of the first epoch below chance level plus a margin');
    assert.ok(second!.valAccuracy > 0.3, `validation accuracy ${second!.valAccuracy} beats chance (0.1)`);
    assert.equal(result.finalError, 1 - second!.valAccuracy);
  });

  it('is deterministic for a seed on a backend, and another seed trains differently', async () => {
    const settings = { ...SETTINGS, epochs: 1, trainSize: 256 };
    const a = await trainModel({ config: TINY, settings, seed: 11, backend: 'wasm' }, data);
    const b = await trainModel({ config: TINY, settings, seed: 11, backend: 'wasm' }, data);
    const c = await trainModel({ config: TINY, settings, seed: 12, backend: 'wasm' }, data);
    const strip = (r: typeof a) => r.epochs.map(({ trainLoss, valLoss, valAccuracy }) => ({ trainLoss, valLoss, valAccuracy }));
    assert.deepEqual(strip(a), strip(b));
    assert.notDeepEqual(strip(a), strip(c));
  });

  it('ends a run whose loss explodes with status diverged, not an exception', async () => {
    // Batch norm keeps the loss finite for any lr up to ~1e37 (it grows linearly with lr); 1e38 overflows float32.
    const result = await trainModel({ config: TINY, settings: { ...SETTINGS, lr: 1e38 }, seed: 1, backend: 'wasm' }, data);
    assert.equal(result.status, 'diverged');
    assert.match(result.errorText ?? '', /loss became (NaN|Infinity|-Infinity) at epoch 1/);
    assert.equal(result.finalError, null);
  });

  it('continues a resumed run after its stored epochs with the stored weights', async () => {
    const settings = { ...SETTINGS, epochs: 2, trainSize: 256 };
    const checkpoints: Uint8Array[] = [];
    const whole = await trainModel({ config: TINY, settings, seed: 5, backend: 'wasm' }, data, {
      onEpoch: (_e, c) => void checkpoints.push(c.slice()),
    });
    const resumed = await trainModel(
      { config: TINY, settings, seed: 5, backend: 'wasm', resume: { epochs: whole.epochs.slice(0, 1), checkpoint: checkpoints[0]! } },
      data,
    );
    assert.equal(resumed.status, 'done');
    assert.equal(resumed.epochs.length, 2);
    assert.deepEqual(resumed.epochs[0], whole.epochs[0]);
    assert.equal(resumed.epochs[1]!.trainLoss, whole.epochs[1]!.trainLoss);
    assert.equal(resumed.epochs[1]!.valAccuracy, whole.epochs[1]!.valAccuracy);
    // its time counts the epoch trained before the interruption too
    assert.ok(resumed.seconds > whole.epochs[0]!.seconds + resumed.epochs[1]!.seconds, `${resumed.seconds} s`);
  });
});
