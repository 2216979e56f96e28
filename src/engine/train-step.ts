// One optimiser step of an AnyNet on a batch, whole or split into micro-batches that fit the wasm heap.
import * as tf from '@tensorflow/tfjs-core';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { AnyNetModel } from '../model/anynet.ts';

/** How a step runs. */
export interface StepOptions {
  /**
   * Images per forward/backward pass; null (the default) runs the whole batch at once. A smaller value splits the
   * batch into ceil(batch / microBatch) slices whose gradients are summed, each weighted by its share of the batch,
   * so the update is that of the whole batch except for batch norm: each slice is normalised with its own
   * statistics and moves the running averages once, as in data-parallel training without synchronised batch norm.
   */
  microBatch?: number | null;
  /** Label smoothing epsilon in [0, 1) (the recipe's); 0, the default, is plain cross-entropy. */
  labelSmoothing?: number;
}

const DEFAULTS: Readonly<Required<StepOptions>> = Object.freeze({ microBatch: null, labelSmoothing: 0 });

/**
 * Mean cross-entropy of `logits` [B, K] against one-hot `labels` [B, K] smoothed to (1 - eps) * onehot + eps / K,
 * as torch.nn.CrossEntropyLoss(label_smoothing=eps) computes it (Szegedy et al. 2016, section 7); eps 0 is plain
 * cross-entropy. TF.js's softmaxCrossEntropy smooths the same way.
 */
export function smoothedCrossEntropy(labels: tf.Tensor2D, logits: tf.Tensor2D, labelSmoothing: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(labels, logits, undefined, labelSmoothing) as tf.Scalar;
}

/**
 * Trains `model` one step on images x [B, H, W, C] and one-hot labels y [B, classes] with `optimizer` over its
 * trainable variables, and returns the batch's mean cross-entropy (label-smoothed as `options` says). Leaves no
 * tensors behind.
 */
export function trainStep(model: AnyNetModel, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor2D, options: StepOptions = {}): number {
  const { microBatch, labelSmoothing } = { ...DEFAULTS, ...options };
  const crossEntropy = (xs: tf.Tensor4D, ys: tf.Tensor2D): tf.Scalar => smoothedCrossEntropy(ys, model.forward(xs, true), labelSmoothing);
  const batch = x.shape[0];
  if (microBatch !== null && (!Number.isInteger(microBatch) || microBatch < 1)) {
    throw new NetspaceError(messages.engine.microBatch(microBatch));
  }
  const variables = model.trainable.map((v) => v.variable);
  if (microBatch === null || microBatch >= batch) {
    const loss = tf.tidy(() => optimizer.minimize(() => crossEntropy(x, y), true, variables)!);
    const value = (loss.dataSync() as Float32Array)[0]!;
    loss.dispose();
    return value;
  }
  const sums = new Map<string, tf.Tensor>();
  let loss = 0;
  for (let start = 0; start < batch; start += microBatch) {
    const size = Math.min(microBatch, batch - start);
    const share = size / batch;
    const { value, grads } = tf.tidy(() => {
      const xs = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
      const ys = tf.slice(y, [start, 0], [size, -1]);
      return tf.variableGrads(() => tf.mul(crossEntropy(xs, ys), share) as tf.Scalar, variables);
    });
    loss += (value.dataSync() as Float32Array)[0]!;
    value.dispose();
    for (const [name, grad] of Object.entries(grads)) {
      const previous = sums.get(name);
      if (previous === undefined) {
        sums.set(name, grad);
      } else {
        sums.set(name, tf.add(previous, grad));
        previous.dispose();
        grad.dispose();
      }
    }
  }
  const named = Object.fromEntries(sums);
  optimizer.applyGradients(named);
  tf.dispose(Object.values(named));
  return loss;
}
