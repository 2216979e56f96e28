// The trainer: one AnyNet config + a dataset + settings -> per-epoch metrics and a status, as the chapter trains.
import * as tf from '@tensorflow/tfjs-core';
import { recipeOf } from '../core/recipe.ts';
import {
  augmentationRng,
  augments,
  checkAugmentation,
  epochOrder,
  fillAugmentedBatch,
  fillBatch,
  stratifiedSubset,
  type Dataset,
  type Split,
} from '../data/index.ts';
import { describeRuntime, initBackend } from '../engine/backend.ts';
import { createOptimizer, type RecipeOptimizer } from '../engine/optimizer.ts';
import { trainStep } from '../engine/train-step.ts';
import { buildAnyNet, type AnyNetModel } from '../model/anynet.ts';
import type { EpochRecord, FailureKind, TrainResult } from '../core/types.ts';
import { isNetspaceError, NetspaceError } from '../errors.ts';
import { HeapFullError, wasmHeapNearlyFull } from '../engine/heap.ts';
import { messages } from '../messages.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { learningRateAt } from './lr-schedule.ts';
import { takesWeightDecay } from './recipe.ts';
import type { TrainHooks, TrainRequest } from './types.ts';

/** Images per forward pass during validation (no gradients, so larger than a training batch). */
const VALIDATION_BATCH = 256;

/** Thrown inside the loop when the loss stops being a finite number; becomes status `diverged`. */
class Diverged extends Error {}

/** What an aborted or overrun wasm heap throws (tsconfig's lib declares no WebAssembly namespace). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError;

/**
 * The kind and text of a failed run's error: a full heap (ours, or the wasm backend's own allocation failing, which
 * surfaces as a RuntimeError from inside the heap once it is at its limit) is out-of-memory with a way out; a
 * NetspaceError is a setting of the user's that cannot train; anything else is internal.
 */
export function classifyFailure(error: unknown): { kind: FailureKind; text: string } {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof HeapFullError) return { kind: 'out-of-memory', text: error.message };
  if (error instanceof WasmRuntimeError && wasmHeapNearlyFull()) {
    return { kind: 'out-of-memory', text: messages.engine.heapExhausted(text) };
  }
  if (isNetspaceError(error)) return { kind: 'user-setting', text: error.message };
  return { kind: 'internal', text };
}

/** Lets timers, progress bars and signal handlers run between batches of a synchronous training loop. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Mean cross-entropy and accuracy of `model` over `indices` of `split`, in inference mode. */
function evaluate(model: AnyNetModel, split: Split, indices: Uint32Array, resolution: number): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < indices.length; start += VALIDATION_BATCH) {
    const batch = fillBatch(split, indices.subarray(start, start + VALIDATION_BATCH), resolution);
    const [sum, hits] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, resolution, resolution, split.channels]);
      const labels = tf.tensor1d(batch.y, 'int32');
      const logits = model.forward(x, false);
      const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, model.config.numClasses), logits, undefined, undefined, tf.Reduction.NONE);
      return [tf.sum(losses), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'))];
    });
    lossSum += (sum.dataSync() as Float32Array)[0]!;
    correct += (hits.dataSync() as Int32Array)[0]!;
    sum.dispose();
    hits.dispose();
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}

/**
 * Trains `request.config` on cross-entropy with the settings' recipe (optimizer, learning rate per step, label
 * smoothing, augmentation; the chapter's plain SGD when it has none), epoch by epoch, validating on the test split
 * after each epoch as the d2l trainer does. Training problems end in a result (failed or diverged), never an
 * exception; a run with `request.resume` continues after its last stored epoch from the stored checkpoint (weights
 * and optimizer state), exactly as if it had not stopped.
 */
export async function trainModel(request: TrainRequest, data: Dataset, hooks: TrainHooks = {}): Promise<TrainResult> {
  const started = performance.now();
  const backend = await initBackend(request.backend);
  const { settings, seed } = request;
  const epochs: EpochRecord[] = [...(request.resume?.epochs ?? [])];
  // A resumed run's time includes the epochs trained before the interruption.
  const earlierSeconds = epochs.reduce((sum, e) => sum + e.seconds, 0);
  const result = (status: TrainResult['status'], errorText: string | null = null, failureKind: FailureKind | null = null): TrainResult => ({
    status,
    epochs,
    finalError: (status === 'done' || status === 'stopped') && epochs.length > 0 ? 1 - epochs[epochs.length - 1]!.valAccuracy : null,
    errorText,
    failureKind,
    backend,
    ...describeRuntime(backend),
    seconds: earlierSeconds + (performance.now() - started) / 1000,
  });

  let model: AnyNetModel | null = null;
  let optimizer: RecipeOptimizer | null = null;
  try {
    const recipe = recipeOf(settings);
    checkAugmentation(recipe.augmentation, data.spec);
    const classes = data.spec.classNames.length;
    if (request.config.inputChannels !== data.train.channels || request.config.numClasses !== classes) {
      throw new NetspaceError(
        messages.spec.configDoesNotFitData('the run', request.config.inputChannels, request.config.numClasses, data.spec.title, data.train.channels, classes),
      );
    }
    model = buildAnyNet(request.config, { seed });
    const params = model.trainable.map(({ name, variable }) => ({ variable, decay: takesWeightDecay(name, recipe) }));
    optimizer = createOptimizer(recipe, params, settings.lr);
    if (request.resume) {
      const values = [...model.trainable, ...model.state].reduce((n, v) => n + v.variable.size, 0);
      const saved = decodeCheckpoint(request.resume.checkpoint, values);
      model.loadWeights(saved.weights);
      if (saved.optimizer !== null) optimizer.loadState(saved.optimizer);
    }
    const trainIdx = stratifiedSubset(data.train.labels, settings.trainSize, seed);
    const valIdx = stratifiedSubset(data.test.labels, settings.valSize, seed + 1);
    const { resolution, batchSize } = settings;
    const batches = Math.ceil(trainIdx.length / batchSize);
    const channels = data.train.channels;
    const buffers = { x: new Float32Array(batchSize * resolution * resolution * channels), y: new Int32Array(batchSize) };
    const augmented = augments(recipe.augmentation);

    for (let epoch = epochs.length + 1; epoch <= settings.epochs; epoch++) {
      const epochStart = performance.now();
      const order = epochOrder(trainIdx, seed, epoch);
      const rng = augmentationRng(seed, epoch);
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
        const batch = augmented
          ? fillAugmentedBatch(data.train, indices, resolution, recipe.augmentation, rng, buffers)
          : fillBatch(data.train, indices, resolution, buffers);
        const step = (epoch - 1) * batches + b;
        optimizer.learningRate = learningRateAt(settings.lr, recipe, { step, stepsPerEpoch: batches, epochs: settings.epochs });
        const numClasses = model.config.numClasses;
        const [x, y] = tf.tidy(() => [
          tf.tensor4d(batch.x, [batch.size, resolution, resolution, channels]),
          tf.oneHot(tf.tensor1d(batch.y, 'int32'), numClasses) as tf.Tensor2D,
        ]);
        let value: number;
        try {
          value = trainStep(model, optimizer, x, y, { microBatch: settings.microBatch ?? null, labelSmoothing: recipe.labelSmoothing });
        } finally {
          x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(value)) throw new Diverged(`training loss became ${value} at epoch ${epoch}, batch ${b + 1}`);
        lossSum += value;
        const elapsed = (performance.now() - epochStart) / 1000;
        hooks.onBatch?.({ epoch, batch: b + 1, batches, loss: lossSum / (b + 1), imagesPerSecond: ((b + 1) * batchSize) / elapsed });
        await breathe();
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      const validation = evaluate(model, data.test, valIdx, resolution);
      if (!Number.isFinite(validation.loss)) throw new Diverged(`validation loss became ${validation.loss} at epoch ${epoch}`);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / batches,
        valLoss: validation.loss,
        valAccuracy: validation.accuracy,
        seconds: (performance.now() - epochStart) / 1000,
        imagesPerSecond: trainIdx.length / trainSeconds,
      };
      epochs.push(record);
      const checkpoint = encodeCheckpoint(model.saveWeights(), optimizer.saveState());
      const decision = (await hooks.onEpoch?.(record, checkpoint)) ?? 'continue';
      if (decision !== 'continue' && epoch < settings.epochs) return result(decision === 'pause' ? 'paused' : 'stopped');
      await breathe();
    }
    return result('done');
  } catch (error) {
    if (error instanceof Diverged) return result('diverged', error.message, 'diverged');
    const { kind, text } = classifyFailure(error);
    return result('failed', text, kind);
  } finally {
    optimizer?.dispose();
    model?.dispose();
  }
}
