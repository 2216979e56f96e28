import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.ts';
import {
  BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, GROUPED_CONV, GROUPED_CONV_BACKPROP_FILTER, GROUPED_CONV_BACKPROP_INPUT, type ConvPad,
} from '../../src/engine/kernels.ts';
import type { BackendName } from '../../src/core/types.ts';
import { forceDeviceKind } from '../../src/engine/tensorflow-kernels.ts';
import { batchNormTrain, BN_EPSILON, type OpPath } from '../../src/model/ops.ts';
import { trainingBackends } from './backends.ts';
import { values } from './values.ts';

/** Every backend with our kernels, each checked against the plain cpu reference; tensorflow skipped where absent. */
const BACKENDS = await trainingBackends(['wasm', 'cpu', 'tensorflow'] as const);
const TENSORFLOW = BACKENDS.find((b) => b.backend === 'tensorflow')!;

/** max |got - want| / max |want|: the error relative to the reference's scale (elementwise ratios blow up near 0). */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'lengths differ');
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / Math.max(scale, 1e-30);
}

const TOLERANCE = 1e-4;

/** Runs f on the plain TF.js cpu backend with the ops' reference path (our kernels off): the reference. */
async function onReference<T>(f: (path: OpPath) => T): Promise<T> {
  await tf.setBackend('cpu');
  return f('reference');
}

/** Runs f on `backend` with our kernels on. */
async function on<T>(backend: BackendName, f: (path: OpPath) => T): Promise<T> {
  await tf.setBackend(backend);
  return f('auto');
}

function assertClose(got: readonly ArrayLike<number>[], want: readonly ArrayLike<number>[], names: readonly string[]): void {
  names.forEach((name, i) => {
    const err = relativeError(got[i]!, want[i]!);
    assert.ok(err < TOLERANCE, `${name}: relative error ${err}`);
  });
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: ConvPad;
  groups: number;
}

const CONV_CASES: ConvCase[] = [
  { n: 2, h: 9, w: 9, cin: 16, cout: 16, k: 3, stride: 1, pad: 1, groups: 2 },
  { n: 2, h: 10, w: 10, cin: 16, cout: 32, k: 3, stride: 2, pad: 1, groups: 4 },
  { n: 1, h: 7, w: 5, cin: 12, cout: 12, k: 3, stride: 1, pad: 'same', groups: 3 },
  { n: 3, h: 11, w: 11, cin: 8, cout: 24, k: 3, stride: 2, pad: 'same', groups: 8 },
  { n: 2, h: 8, w: 8, cin: 6, cout: 10, k: 3, stride: 1, pad: 'valid', groups: 1 },
  { n: 1, h: 9, w: 7, cin: 20, cout: 20, k: 3, stride: 2, pad: 'valid', groups: 5 },
  { n: 4, h: 6, w: 6, cin: 32, cout: 32, k: 1, stride: 1, pad: 'valid', groups: 1 },
  { n: 2, h: 7, w: 7, cin: 32, cout: 80, k: 1, stride: 2, pad: 'valid', groups: 1 },
  { n: 2, h: 5, w: 5, cin: 10, cout: 15, k: 1, stride: 1, pad: 0, groups: 5 },
  { n: 2, h: 12, w: 12, cin: 1, cout: 32, k: 3, stride: 2, pad: 1, groups: 1 },
  { n: 1, h: 5, w: 6, cin: 3, cout: 7, k: 5, stride: 1, pad: 2, groups: 1 },
  { n: 2, h: 9, w: 9, cin: 80, cout: 80, k: 3, stride: 1, pad: 1, groups: 5 },
  { n: 8, h: 4, w: 4, cin: 80, cout: 80, k: 3, stride: 1, pad: 1, groups: 5 },
  { n: 8, h: 4, w: 4, cin: 80, cout: 80, k: 1, stride: 1, pad: 0, groups: 1 },
];

function describeCase(c: ConvCase): string {
  return `x [${c.n}, ${c.h}, ${c.w}, ${c.cin}], ${c.k}x${c.k} -> ${c.cout}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}, ${c.groups} groups`;
}

function tfPad(pad: ConvPad): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (typeof pad !== 'number') return pad;
  return pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]];
}

/** The composite grouped conv with standard TF.js ops: the definition our kernel must equal. */
function compositeConv(x: tf.Tensor4D, w: tf.Tensor4D, c: ConvCase): tf.Tensor4D {
  const pad = tfPad(c.pad);
  if (c.groups === 1) return tf.conv2d(x, w, c.stride, pad);
  const xs = tf.split(x, c.groups, 3) as tf.Tensor4D[];
  const ws = tf.split(w, c.groups, 3) as tf.Tensor4D[];
  return tf.concat(xs.map((xi, i) => tf.conv2d(xi, ws[i]!, c.stride, pad)), 3) as tf.Tensor4D;
}

/** y, dx and dw (for a fixed upstream gradient dy) of the conv case. */
function convResults(c: ConvCase, conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(c.n * c.h * c.w * c.cin, 1), [c.n, c.h, c.w, c.cin]);
    const w = tf.tensor4d(values(c.k * c.k * (c.cin / c.groups) * c.cout, 2), [c.k, c.k, c.cin / c.groups, c.cout]);
    const y = conv(x, w);
    const dy = tf.tensor(values(y.size, 3), y.shape);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(conv(xi as tf.Tensor4D, wi as tf.Tensor4D), dy)))([x, w]);
    return [y.dataSync() as Float32Array, dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

describe('engine/kernels', () => {
  before(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  for (const c of CONV_CASES) {
    for (const { backend, skip } of BACKENDS) {
      it(`grouped conv and both its gradients on ${backend} agree with the cpu backend: ${describeCase(c)}`, { skip }, async () => {
        const want = await onReference(() => convResults(c, (x, w) => compositeConv(x, w, c)));
        const attrs = { strides: c.stride, pad: tfPad(c.pad), groups: c.groups };
        const kernel = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.engine().runKernel(GROUPED_CONV, { x, filter: w }, attrs) as tf.Tensor4D;
        assertClose(await on(backend, () => convResults(c, kernel)), want, [`${backend} y`, `${backend} dx`, `${backend} dw`]);
      });
    }
  }

  it('calls the backprop kernels directly with the same results as through the gradient', async () => {
    const c = CONV_CASES[1]!;
    const want = await onReference(() => convResults(c, (x, w) => compositeConv(x, w, c)));
    const got = await on('wasm', () => tf.tidy(() => {
      const attrs = { strides: c.stride, pad: tfPad(c.pad), groups: c.groups };
      const x = tf.tensor4d(values(c.n * c.h * c.w * c.cin, 1), [c.n, c.h, c.w, c.cin]);
      const w = tf.tensor4d(values(c.k * c.k * (c.cin / c.groups) * c.cout, 2), [c.k, c.k, c.cin / c.groups, c.cout]);
      const y = tf.engine().runKernel(GROUPED_CONV, { x, filter: w }, attrs) as tf.Tensor;
      const dy = tf.tensor(values(y.size, 3), y.shape);
      const dx = tf.engine().runKernel(GROUPED_CONV_BACKPROP_INPUT, { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor;
      const dw = tf.engine().runKernel(GROUPED_CONV_BACKPROP_FILTER, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor;
      return [y.dataSync(), dx.dataSync(), dw.dataSync()];
    }));
    assertClose(got, want, ['y', 'dx', 'dw']);
  });

  for (const c of CONV_CASES.filter((k) => k.groups === 1)) {
    for (const { backend, skip } of BACKENDS.filter((b) => b.backend !== 'cpu')) {
      it(`${backend}'s Conv2D gradients (ours: Conv2DBackpropInput and Conv2DBackpropFilter) agree with the cpu backend: ${describeCase(c)}`, { skip }, async () => {
        const conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, c.stride, tfPad(c.pad));
        const want = await onReference(() => convResults(c, conv));
        assertClose(await on(backend, () => convResults(c, conv)), want, ['y', 'dx', 'dw']);
      });
    }
  }

  for (const [n, h, w, ch] of [[4, 5, 5, 16], [1, 3, 7, 5], [2, 9, 9, 80], [3, 1, 1, 3]] as const) {
    it(`training batch norm, forward and backward, agrees with the cpu backend: x [${n}, ${h}, ${w}, ${ch}]`, async () => {
      const run = (path: OpPath) => tf.tidy(() => {
        // A large mean against a small spread is where a one-pass E[x^2] - E[x]^2 would cancel.
        const x = tf.add(tf.mul(tf.tensor4d(values(n * h * w * ch, 4), [n, h, w, ch]), 0.5), 30) as tf.Tensor4D;
        const gamma = tf.tensor1d(values(ch, 5));
        const beta = tf.tensor1d(values(ch, 6));
        const dy = tf.tensor4d(values(n * h * w * ch, 7), [n, h, w, ch]);
        const moments: Float32Array[] = [];
        const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTrain(xi as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, ({ mean, variance }) => {
            moments.push(mean.dataSync() as Float32Array, variance.dataSync() as Float32Array);
          }, path), dy));
        const { value, grads } = tf.valueAndGrads(f)([x, gamma, beta]);
        const y = batchNormTrain(x, gamma, beta, () => {}, path);
        // The loss is a sum whose terms cancel: its error is measured against the sum of their magnitudes.
        const loss = Float32Array.of(value.dataSync()[0]!, tf.sum(tf.abs(tf.mul(y, dy))).dataSync()[0]!);
        return [y.dataSync(), moments[0]!, moments[1]!, ...grads.map((g) => g.dataSync()), loss];
      });
      const want = await onReference(run);
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta', 'loss'];
      for (const { backend, skip } of BACKENDS) {
        if (skip === false) assertClose(await on(backend, run), want, names.map((v) => `${backend} ${v}`));
      }
      // The GPU's code path (unbiased variance rescaled, closed-form backward in TF ops), checked on the CPU.
      if (TENSORFLOW.skip === false) {
        forceDeviceKind('gpu');
        try {
          assertClose(await on('tensorflow', run), want, names.map((v) => `tensorflow (GPU path) ${v}`));
        } finally {
          forceDeviceKind(null);
        }
      }
    });
  }

  it('runs the batch-norm kernels directly: y, moments, then dx, dgamma, dbeta', async () => {
    const got = await on('wasm', () => tf.tidy(() => {
      const x = tf.tensor2d([1, 0, 2, 0, 3, 0, 4, 8], [4, 2]);
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma: tf.tensor1d([2, 1]), beta: tf.tensor1d([0.5, 0]) }, { epsilon: BN_EPSILON }) as tf.Tensor[];
      const [dx, dgamma, dbeta] = tf.engine().runKernel(
        BATCH_NORM_TRAIN_GRAD,
        { dy: tf.onesLike(x), x, gamma: tf.tensor1d([2, 1]), mean: mean!, variance: variance! },
        { epsilon: BN_EPSILON },
      ) as tf.Tensor[];
      return [y!, mean!, variance!, dx!, dgamma!, dbeta!].map((t) => Array.from(t.dataSync()));
    }));
    assert.deepEqual(got[1], [2.5, 2]);
    assert.deepEqual(got[2], [1.25, 12]);
    const y0 = [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / Math.sqrt(1.25 + BN_EPSILON) + 0.5);
    got[0]!.filter((_, i) => i % 2 === 0).forEach((v, i) => assert.ok(Math.abs(v - y0[i]!) < 1e-5));
    // With dy = 1 everywhere: dbeta = M, dgamma = sum(xhat) = 0, and dx = 0 (a constant shift is normalised away).
    assert.deepEqual(got[5], [4, 4]);
    got[4]!.forEach((v) => assert.ok(Math.abs(v) < 1e-5));
    got[3]!.forEach((v) => assert.ok(Math.abs(v) < 1e-5));
  });

  it('ReLU gradient and the bias-gradient sum agree with the cpu backend', async () => {
    const run = () => tf.tidy(() => {
      const x = tf.tensor4d(values(3 * 5 * 5 * 7, 8), [3, 5, 5, 7]);
      const bias = tf.tensor1d(values(7, 9));
      const dy = tf.tensor4d(values(3 * 5 * 5 * 7, 10), [3, 5, 5, 7]);
      const [dx, db] = tf.grads((xi: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(xi, b)), dy)))([x, bias]);
      const keep = tf.sum(x, [0, 1, 2], true);
      return [dx!.dataSync(), db!.dataSync(), keep.dataSync(), tf.sum(x, [0, 2]).dataSync(), Float32Array.from(keep.shape)];
    });
    const want = await onReference(run);
    for (const { backend, skip } of BACKENDS) {
      if (skip === false) assertClose(await on(backend, run), want, ['dx', 'dbias', 'sum keepDims', 'sum other axes', 'keepDims shape'].map((n) => `${backend} ${n}`));
    }
  });

  it('clones for the backward pass without copying on wasm (Identity shares the data)', async () => {
    await on('wasm', () => tf.tidy(() => {
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
      assert.equal(y.dataId, x.dataId, 'Identity made a copy');
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], 'the clone outlives its source');
    }));
  });
});
