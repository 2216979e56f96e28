import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.ts';
import { trainingBackends } from '../engine/backends.ts';
import { batchNormInfer, batchNormTrain, BN_EPSILON, groupedConv2d } from '../../src/model/ops.ts';

const BACKENDS = await trainingBackends(['cpu', 'tensorflow'] as const);

/** The dense filter [k, k, cin, cout] that is zero outside the diagonal blocks of a grouped filter. */
function blockDiagonal(filter: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [k, , perGroup, cout] = filter.shape;
  const outPerGroup = cout / groups;
  const grouped = filter.arraySync();
  const dense = tf.buffer([k, k, perGroup * groups, cout]);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let i = 0; i < perGroup; i++) for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / outPerGroup);
    dense.set(grouped[a]![b]![i]![o]!, a, b, g * perGroup + i, o);
  }
  return dense.toTensor() as tf.Tensor4D;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

for (const { backend, skip } of BACKENDS) describe(`model/ops on ${backend}`, { skip }, () => {
  before(async () => {
    await initBackend(backend);
  });

  for (const [groups, stride, size] of [[2, 1, 9], [4, 2, 10], [8, 2, 7], [16, 1, 5], [1, 2, 8]] as const) {
    it(`grouped conv with ${groups} groups, stride ${stride} equals the block-diagonal dense conv`, () => {
      const channels = 16;
      tf.tidy(() => {
        const x = tf.randomNormal([3, size, size, channels], 0, 1, 'float32', 11) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, channels / groups, channels], 0, 1, 'float32', 12) as tf.Tensor4D;
        const grouped = groupedConv2d(x, w, stride, 1, groups);
        const dense = tf.conv2d(x, blockDiagonal(w, groups), stride, [[0, 0], [1, 1], [1, 1], [0, 0]]);
        assert.deepEqual(grouped.shape, dense.shape);
        assert.ok(maxAbsDiff(grouped, dense) < 1e-4, `max difference ${maxAbsDiff(grouped, dense)}`);
      });
    });
  }

  it('normalises with batch statistics in training and reports them for the running averages', () => {
    // Channel 0 holds 1, 2, 3, 4 across N, H, W; channel 1 holds 0, 0, 0, 8.
    const x = tf.tensor4d([1, 0, 2, 0, 3, 0, 4, 8], [2, 2, 1, 2]);
    let seen: { mean: number[]; variance: number[] } | null = null;
    const y = batchNormTrain(x, tf.tensor1d([2, 1]), tf.tensor1d([0.5, 0]), ({ mean, variance }) => {
      seen = { mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync()) };
    });
    assert.deepEqual(seen, { mean: [2.5, 2], variance: [1.25, 12] }); // biased variance: mean of squared deviations
    const expected0 = [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / Math.sqrt(1.25 + BN_EPSILON) + 0.5);
    const expected1 = [0, 0, 0, 8].map((v) => (v - 2) / Math.sqrt(12 + BN_EPSILON));
    const got = y.dataSync();
    expected0.forEach((v, i) => assert.ok(Math.abs(got[2 * i]! - v) < 1e-5));
    expected1.forEach((v, i) => assert.ok(Math.abs(got[2 * i + 1]! - v) < 1e-5));
  });

  it('uses the running statistics at inference', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = batchNormInfer(x, tf.tensor1d([3]), tf.tensor1d([1]), tf.tensor1d([2]), tf.tensor1d([4]));
    const expected = [1, 2, 3, 4].map((v) => (3 * (v - 2)) / Math.sqrt(4 + BN_EPSILON) + 1);
    y.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
  });

  it('has a closed-form backward equal to the gradient of the plain formula', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 3, 3, 5], 1, 2, 'float32', 1) as tf.Tensor4D;
      const gamma = tf.randomNormal([5], 1, 0.2, 'float32', 2) as tf.Tensor1D;
      const beta = tf.randomNormal([5], 0, 1, 'float32', 3) as tf.Tensor1D;
      const weights = tf.randomNormal([4, 3, 3, 5], 0, 1, 'float32', 4);
      const reference = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xi, [0, 1, 2]);
        return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), g), b), weights));
      };
      const ours = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(xi as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, () => {}), weights));
      const expected = tf.grads(reference)([x, gamma, beta]);
      const got = tf.grads(ours)([x, gamma, beta]);
      expected.forEach((e, i) => assert.ok(maxAbsDiff(e, got[i]!) < 1e-4, `input ${i}: ${maxAbsDiff(e, got[i]!)}`));
    });
  });
});

for (const { backend, skip } of BACKENDS) describe(`model/anynet applyBatchNorm on ${backend}`, { skip }, () => {
  before(async () => {
    await initBackend(backend);
  });

  it('moves the running mean and unbiased variance by momentum 0.1, as PyTorch does', async () => {
    const { applyBatchNorm } = await import('../../src/model/anynet.ts');
    const bn = {
      name: 'test.bn',
      gamma: tf.variable(tf.tensor1d([1])),
      beta: tf.variable(tf.tensor1d([0])),
      runningMean: tf.variable(tf.tensor1d([1]), false),
      runningVar: tf.variable(tf.tensor1d([2]), false),
    };
    const x = tf.tensor4d([1, 2, 3, 6], [2, 2, 1, 1]); // mean 3, biased var 3.5, unbiased var 14/3
    tf.tidy(() => applyBatchNorm(bn, x, true));
    assert.ok(Math.abs(bn.runningMean.dataSync()[0]! - (0.9 * 1 + 0.1 * 3)) < 1e-6);
    assert.ok(Math.abs(bn.runningVar.dataSync()[0]! - (0.9 * 2 + 0.1 * (14 / 3))) < 1e-6);
    const y = tf.tidy(() => applyBatchNorm(bn, x, false).dataSync());
    const expected = [1, 2, 3, 6].map((v) => (v - 1.2) / Math.sqrt(0.9 * 2 + 0.1 * (14 / 3) + BN_EPSILON));
    y.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
    assert.ok(Math.abs(bn.runningMean.dataSync()[0]! - 1.2) < 1e-6, 'inference leaves the running mean alone');
  });
});
