// The two operations AnyNet needs that TF.js lacks as such: grouped convolution and PyTorch-semantics batch norm.
import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's BatchNorm2d defaults; TF.js layers use momentum 0.99 / eps 1e-3, which the chapter found worse. */
export const BN_MOMENTUM = 0.1;
export const BN_EPSILON = 1e-5;

/**
 * TF.js kernels that run the ops below in one call each. Nothing here implements them: a backend that registers
 * them (src/engine does for wasm, cpu and tensorflow) gets the one-call path, any other the composition of standard ops.
 */
export const OP_KERNELS = Object.freeze({
  /** Grouped conv, NHWC; inputs x, filter [kh, kw, cin / groups, cout]; attrs strides, pad, groups. */
  groupedConv: 'NetspaceGroupedConv2D',
  /** Its input gradient; inputs dy, filter; attrs as above plus inputShape. */
  groupedConvBackpropInput: 'NetspaceGroupedConv2DBackpropInput',
  /** Its filter gradient; inputs x, dy; attrs as above plus filterShape. */
  groupedConvBackpropFilter: 'NetspaceGroupedConv2DBackpropFilter',
  /** Training batch norm over all axes but the last; inputs x, gamma, beta; attr epsilon; outputs y, mean, biased variance. */
  batchNormTrain: 'NetspaceBatchNormTrain',
  /** Its backward; inputs dy, x, gamma, mean, variance; attr epsilon; outputs dx, dgamma, dbeta. */
  batchNormTrainGrad: 'NetspaceBatchNormTrainGrad',
});

/**
 * Which implementation the ops below take: 'auto' runs OP_KERNELS where the active backend registers them (else the
 * composition of standard TF.js ops); 'reference' always takes the composition, so that the cpu backend computes
 * with TF.js's own kernels only. Tests and benchmarks compare against 'reference'.
 */
export type OpPath = 'auto' | 'reference';

/** Whether ops on `path` run OP_KERNELS on the active backend. */
export function opKernelsActive(path: OpPath = 'auto'): boolean {
  return path === 'auto' && tf.getKernel(OP_KERNELS.groupedConv, tf.getBackend()) !== undefined;
}

/**
 * Convolution with `groups` groups, NHWC, 'same'-style explicit padding `pad`. `filter` is [k, k, cin/groups, cout]
 * (TF's layout for grouped convolution). On backends that register OP_KERNELS (wasm, cpu, tensorflow) it is one
 * kernel call for all groups, forward and backward. Elsewhere, and in reference mode, since tf.conv2d asserts that
 * filter depth equals input depth, each group is a dense convolution over its slice of channels and the outputs are
 * concatenated: exact, and every piece has a gradient. Both give the same values.
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
  pad: number,
  groups: number,
  path: OpPath = 'auto',
): tf.Tensor4D {
  const padding: [[number, number], [number, number], [number, number], [number, number]] | 'valid' =
    pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]];
  const cin = x.shape[3];
  const cout = filter.shape[3];
  if (cin % groups !== 0 || cout % groups !== 0 || filter.shape[2] * groups !== cin) {
    throw new Error(`groupedConv2d: ${cin} input / ${cout} output channels and filter ${filter.shape} do not fit ${groups} groups`);
  }
  if (opKernelsActive(path)) {
    return tf.engine().runKernel(OP_KERNELS.groupedConv, { x, filter }, { strides: stride, pad: padding, groups }) as tf.Tensor4D;
  }
  if (groups === 1) return tf.conv2d(x, filter, stride, padding);
  const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
  const ws = tf.split(filter, groups, 3) as tf.Tensor4D[];
  const ys = xs.map((xi, i) => tf.conv2d(xi, ws[i]!, stride, padding));
  return tf.concat(ys, 3) as tf.Tensor4D;
}

/** Batch statistics of a training-mode batch norm, for the running-average update. */
export interface BatchMoments {
  /** Per-channel mean over N, H, W. */
  mean: tf.Tensor1D;
  /** Per-channel biased variance over N, H, W (the one that normalises). */
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over N, H, W of an NHWC tensor: y = gamma * (x - mean) / sqrt(var + eps) + beta with the
 * batch's own mean and biased variance. The backward pass is the closed form (Ioffe & Szegedy 2015, section 3):
 * dx = gamma * invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)), a few reductions instead of the generic
 * graph through tf.moments. `onMoments` receives the batch statistics for the running averages.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onMoments: (moments: BatchMoments) => void,
  path: OpPath = 'auto',
): tf.Tensor4D {
  if (opKernelsActive(path)) return batchNormTrainKernel(x, gamma, beta, onMoments);
  const axes = [0, 1, 2];
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gIn, bIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const xt = xIn as tf.Tensor4D;
    const mean = tf.mean(xt, axes) as tf.Tensor1D;
    const centred = tf.sub(xt, mean);
    const variance = tf.mean(tf.square(centred), axes) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const xHat = tf.mul(centred, invStd);
    onMoments({ mean, variance });
    save([xHat, invStd, gIn as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xHat, gIn as tf.Tensor), bIn as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, is, g] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const scale = tf.div(tf.mul(g, is), count);
        const dx = tf.mul(scale, tf.sub(tf.sub(tf.mul(dy, count), dBeta), tf.mul(xh, dGamma)));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

/**
 * batchNormTrain on OP_KERNELS: one call forward (y and the moments), one call backward (dx, dgamma,
 * dbeta). The backward needs x and the moments, which are kept instead of xHat (same memory, one less tensor).
 */
function batchNormTrainKernel(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onMoments: (moments: BatchMoments) => void,
): tf.Tensor4D {
  const attrs = { epsilon: BN_EPSILON };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gIn, bIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(OP_KERNELS.batchNormTrain, { x: xIn, gamma: gIn, beta: bIn }, attrs) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    onMoments({ mean, variance });
    save([xIn, gIn, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, g, m, v] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(OP_KERNELS.batchNormTrainGrad, { dy, x: xs, gamma: g, mean: m, variance: v }, attrs) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}

/** Inference-mode batch norm with the running statistics. */
export function batchNormInfer(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
): tf.Tensor4D {
  return tf.batchNorm4d(x, runningMean, runningVar, beta, gamma, BN_EPSILON);
}
