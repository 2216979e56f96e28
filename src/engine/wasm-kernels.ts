// Training kernels the TF.js wasm backend lacks, registered through TF.js's public kernel registry.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;

function kernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`the wasm backend has no ${name} kernel to build on`);
  return config.kernelFunc;
}

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co]:
 * an im2col of x (written in JS straight into the wasm heap) times dy, by wasm's own BatchMatMul. A 1x1 stride-1
 * convolution needs no im2col: x itself is the [N*H*W, Cin] matrix.
 */
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter (netspace wasm): only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const rows = batchSize * outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;
  const reshape = kernel('Reshape');
  const matMul = kernel('BatchMatMul');

  const direct = filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
  let cols: Info;
  if (direct) {
    cols = reshape({ inputs: { x }, backend, attrs: { shape: [1, rows, depth] } }) as Info;
  } else {
    cols = backend.makeOutput([1, rows, depth], 'float32');
    const out = backend.typedArrayFromHeap(cols) as Float32Array;
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const { top, left } = info.padInfo;
    let r = 0;
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++, r++) {
          let c = r * depth;
          for (let kh = 0; kh < filterHeight; kh++) {
            const ih = oh * strideHeight + kh - top;
            for (let kw = 0; kw < filterWidth; kw++, c += inChannels) {
              const iw = ow * strideWidth + kw - left;
              if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) {
                out.fill(0, c, c + inChannels);
              } else {
                const s = ((n * inHeight + ih) * inWidth + iw) * inChannels;
                out.set(src.subarray(s, s + inChannels), c);
              }
            }
          }
        }
      }
    }
  }
  const dy3 = reshape({ inputs: { x: dy }, backend, attrs: { shape: [1, rows, outChannels] } }) as Info;
  const product = matMul({ inputs: { a: cols, b: dy3 }, backend, attrs: { transposeA: true, transposeB: false } }) as Info;
  const result = reshape({ inputs: { x: product }, backend, attrs: { shape: attrs.filterShape } }) as Info;
  for (const t of [cols, dy3, product]) backend.disposeData(t.dataId);
  return result;
}

let registered = false;

/** Registers netspace's wasm kernels once per thread (the registry is per module instance). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
}
