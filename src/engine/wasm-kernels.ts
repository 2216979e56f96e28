// Standard TF.js kernels that the wasm backend lacks or runs slowly, replaced through the public kernel registry.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { arenaFor } from './arena.ts';
import { columnSums, conv2DGradientOn } from './kernels.ts';
import type { WasmModule } from './simd.ts';

/**
 * Identity sharing the input's memory (as the cpu backend's does) instead of copying it: TF.js clones every tensor
 * it saves for the backward pass through Identity, so the wasm copy doubled the memory of a training step.
 * Tensors are immutable, so sharing is safe; the backend's reference count frees the data with its last user.
 */
function identity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const x = inputs.x!;
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * Puts `make(original)` in place of the wasm kernel `kernelName`. The original's setup (which binds its wasm
 * function) still runs when the backend starts, so the replacement can hand it the cases it does not cover.
 */
function replace(kernelName: string, make: (original: tf.KernelFunc | null) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (original !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc: make(original?.kernelFunc ?? null) };
  if (original?.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  tf.registerKernel(config);
}

/**
 * Sum over every axis but the last, as the gradient of a bias added to NHWC activations asks: one pass of column
 * sums instead of wasm's transpose of the whole tensor followed by a row reduction. Other sums go to wasm's own.
 */
function sumOn(module: WasmModule, original: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const x = args.inputs.x!;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const leading = rank >= 2 && axes.length === rank - 1 && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return original(args);
    const c = x.shape[rank - 1]!;
    const outShape = keepDims ? [...Array<number>(rank - 1).fill(1), c] : [c];
    return columnSums(arenaFor(args.backend, 'wasm', module), x, outShape);
  }) as tf.KernelFunc;
}

let registered = false;

/** Registers the replacements once per thread (the registry is per tfjs-core instance). */
export function registerWasmKernels(module: WasmModule): void {
  if (registered) return;
  registered = true;
  replace(tf.Identity, () => identity as tf.KernelFunc);
  // wasm has no Conv2DBackpropFilter, and its Conv2DBackpropInput is a scalar loop (~1 GMAC/s).
  replace(tf.Conv2DBackpropFilter, () => conv2DGradientOn(tf.Conv2DBackpropFilter, 'wasm', module));
  replace(tf.Conv2DBackpropInput, () => conv2DGradientOn(tf.Conv2DBackpropInput, 'wasm', module));
  replace(tf.Sum, (original) => sumOn(module, original!));
}
