// netspace's own TF.js kernels for wasm and cpu (grouped conv, training batch norm, ReLU gradient, optimizers), one call each.
import * as tf from '@tensorflow/tfjs-core';
import { OP_KERNELS, opKernelsActive } from '../model/ops.ts';
import { arenaFor, type Arena } from './arena.ts';
import type { WasmModule } from './simd.ts';

// The model's op kernels (declared in model/ops.ts, implemented here), under short names.
export const GROUPED_CONV = OP_KERNELS.groupedConv;
export const GROUPED_CONV_BACKPROP_INPUT = OP_KERNELS.groupedConvBackpropInput;
export const GROUPED_CONV_BACKPROP_FILTER = OP_KERNELS.groupedConvBackpropFilter;
export const BATCH_NORM_TRAIN = OP_KERNELS.batchNormTrain;
export const BATCH_NORM_TRAIN_GRAD = OP_KERNELS.batchNormTrainGrad;

/** ReLU's gradient in one pass: dy where x > 0, else 0 (TF.js's own is Step, Cast and Multiply). */
export const RELU_GRAD = 'NetspaceReluGrad';

/**
 * Plain SGD over many variables in one call: inputs v0, g0, v1, g1, ...; outputs v_i - learningRate * g_i
 * (TF.js's SGD is a Multiply and an Add per variable).
 */
export const SGD_UPDATE = 'NetspaceSgdUpdate';

/**
 * torch.optim.SGD (dampening 0) over many variables in one call: inputs v_i, g_i and, with momentum, b_i (the
 * buffers); attrs learningRate, momentum, nesterov, decays (weight decay per variable); outputs v_i' and, with
 * momentum, b_i', interleaved (v0', b0', v1', b1', ...). See optimizer.ts.
 */
export const SGD_STEP = 'NetspaceSgdStep';

/**
 * torch.optim.Adam / AdamW over many variables in one call: inputs v_i, g_i, m_i, s_i (the moments); attrs stepSize,
 * bc2Sqrt, eps, beta1, beta2, l2 and keep (per variable); outputs v_i', m_i', s_i' interleaved. See optimizer.ts.
 */
export const ADAM_STEP = 'NetspaceAdamStep';

/** Every kernel name above, for checks that a backend has them all. */
export const ENGINE_KERNELS = [
  GROUPED_CONV, GROUPED_CONV_BACKPROP_INPUT, GROUPED_CONV_BACKPROP_FILTER, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, RELU_GRAD, SGD_UPDATE,
  SGD_STEP, ADAM_STEP,
] as const;

/** Backends whose kernels we register: both run the same WebAssembly SIMD code. */
export const KERNEL_BACKENDS = ['wasm', 'cpu'] as const;
export type KernelBackendName = (typeof KERNEL_BACKENDS)[number];

export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
export type ConvPad = 'same' | 'valid' | number | ExplicitPadding;

/** Attributes of the grouped convolution kernels, as TF.js's Conv2D takes them plus `groups`. */
export interface GroupedConvAttrs {
  strides: number | [number, number];
  pad: ConvPad;
  groups: number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Attributes of the batch-norm kernels. */
export interface BatchNormAttrs {
  /** Added to the variance before the square root. */
  epsilon: number;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * TF.js's conv geometry for a grouped filter, checked, and packed as the 16 i32 simd-kernels.as reads:
 * batch, inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, padTop, padLeft, groups, padBottom, padRight.
 */
export function convGeometry(xShape: readonly number[], filterShape: readonly number[], attrs: GroupedConvAttrs): { info: tf.backend_util.Conv2DInfo; gm: number[] } {
  const { groups } = attrs;
  const [, , filterIn, outC] = filterShape as [number, number, number, number];
  const inC = xShape[3]!;
  if (xShape.length !== 4 || filterShape.length !== 4) throw new Error(`grouped conv: x ${xShape} and filter ${filterShape} must be rank 4`);
  if (!Number.isInteger(groups) || groups < 1 || filterIn * groups !== inC || outC % groups !== 0) {
    throw new Error(`grouped conv: ${inC} input / ${outC} output channels and filter [${filterShape}] do not fit ${groups} groups`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const gm = [
    info.batchSize, info.inHeight, info.inWidth, inC, info.outHeight, info.outWidth, outC,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, groups,
    info.padInfo.bottom, info.padInfo.right,
  ];
  return { info, gm };
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Scratch for one pass of a conv (0 forward, 1 filter gradient, 2 input gradient), sized by the kernels. */
function convScratch(a: Arena, g: number, pass: 0 | 1 | 2): number {
  return a.scratch(a.simd.convScratchBytes(g, pass) >>> 0);
}

function convForward(a: Arena, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: GroupedConvAttrs): tf.TensorInfo {
  a.begin();
  const { info, gm } = convGeometry(x.shape, filter.shape, attrs);
  const y = a.output(info.outShape);
  if (product(info.outShape) > 0) {
    const g = a.ints(gm);
    a.simd.convForward(a.input(x), a.input(filter), y.address, convScratch(a, g, 0), g);
  }
  return a.finish([y])[0]!;
}

function convBackpropInput(a: Arena, dy: tf.TensorInfo, filter: tf.TensorInfo, inputShape: readonly number[], attrs: GroupedConvAttrs): tf.TensorInfo {
  a.begin();
  const { gm } = convGeometry(inputShape, filter.shape, attrs);
  const dx = a.output(inputShape);
  if (product(inputShape) > 0) {
    const g = a.ints(gm);
    a.simd.convBackpropInput(a.input(dy), a.input(filter), dx.address, convScratch(a, g, 2), g);
  }
  return a.finish([dx])[0]!;
}

function convBackpropFilter(a: Arena, x: tf.TensorInfo, dy: tf.TensorInfo, filterShape: readonly number[], attrs: GroupedConvAttrs): tf.TensorInfo {
  a.begin();
  const { gm } = convGeometry(x.shape, filterShape, attrs);
  const dw = a.output(filterShape);
  const g = a.ints(gm);
  a.simd.convBackpropFilter(a.input(x), a.input(dy), dw.address, convScratch(a, g, 1), g);
  return a.finish([dw])[0]!;
}

function batchNormForward(a: Arena, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, epsilon: number): tf.TensorInfo[] {
  a.begin();
  const c = x.shape[x.shape.length - 1]!;
  const rows = product(x.shape) / c;
  const y = a.output(x.shape);
  const mean = a.output([c]);
  const variance = a.output([c]);
  a.simd.bnForward(a.input(x), a.input(gamma), a.input(beta), y.address, mean.address, variance.address, rows, c, epsilon, a.scratch(32 * c));
  return a.finish([y, mean, variance]);
}

function batchNormBackward(a: Arena, inputs: Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>, epsilon: number): tf.TensorInfo[] {
  a.begin();
  const { dy, x, gamma, mean, variance } = inputs;
  const c = x.shape[x.shape.length - 1]!;
  const rows = product(x.shape) / c;
  const dx = a.output(x.shape);
  const dgamma = a.output([c]);
  const dbeta = a.output([c]);
  a.simd.bnBackward(
    a.input(dy), a.input(x), a.input(gamma), a.input(mean), a.input(variance), dx.address, dgamma.address, dbeta.address,
    rows, c, epsilon, a.scratch(32 * c),
  );
  return a.finish([dx, dgamma, dbeta]);
}

function reluGrad(a: Arena, dy: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo {
  a.begin();
  const dx = a.output(x.shape);
  a.simd.reluGrad(a.input(dy), a.input(x), dx.address, product(x.shape));
  return a.finish([dx])[0]!;
}

/** out = sum of x over every axis but the last (the gradient of a bias added to NHWC activations). */
export function columnSums(a: Arena, x: tf.TensorInfo, outShape: readonly number[]): tf.TensorInfo {
  a.begin();
  const c = x.shape[x.shape.length - 1] ?? 1;
  const out = a.output(outShape);
  a.simd.columnSums(a.input(x), product(x.shape) / c, c, out.address, a.scratch(12 * c));
  return a.finish([out])[0]!;
}

function sgdUpdate(a: Arena, inputs: tf.NamedTensorInfoMap, learningRate: number): tf.TensorInfo[] {
  a.begin();
  const outputs = [];
  for (let i = 0; inputs[`v${i}`] !== undefined; i++) {
    const v = inputs[`v${i}`]!;
    const g = inputs[`g${i}`]!;
    const out = a.output(v.shape);
    a.simd.sgdUpdate(a.input(v), a.input(g), out.address, product(v.shape), learningRate);
    outputs.push(out);
  }
  return a.finish(outputs);
}

/** Attributes of SGD_STEP. */
export interface SgdStepAttrs {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  /** Weight decay of each variable, in input order. */
  decays: number[];
}

function sgdStep(a: Arena, inputs: tf.NamedTensorInfoMap, at: SgdStepAttrs): tf.TensorInfo[] {
  a.begin();
  const outputs = [];
  const hasBuffer = at.momentum !== 0;
  for (let i = 0; inputs[`v${i}`] !== undefined; i++) {
    const v = inputs[`v${i}`]!;
    const out = a.output(v.shape);
    const outB = hasBuffer ? a.output(v.shape) : null;
    const b = hasBuffer ? a.input(inputs[`b${i}`]!) : 0;
    a.simd.sgdStep(
      a.input(v), a.input(inputs[`g${i}`]!), b, out.address, outB?.address ?? 0, product(v.shape),
      at.learningRate, at.decays[i]!, at.momentum, hasBuffer ? 1 : 0, at.nesterov ? 1 : 0,
    );
    outputs.push(out, ...(outB === null ? [] : [outB]));
  }
  return a.finish(outputs);
}

/** Attributes of ADAM_STEP: the step's scalars, worked out in double as torch does (optimizer.ts). */
export interface AdamStepAttrs {
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
  beta1: number;
  beta2: number;
  /** Per variable: the L2 factor added to the gradient (Adam) and the decoupled factor on the weights (AdamW). */
  l2: number[];
  keep: number[];
}

function adamStep(a: Arena, inputs: tf.NamedTensorInfoMap, at: AdamStepAttrs): tf.TensorInfo[] {
  a.begin();
  const outputs = [];
  for (let i = 0; inputs[`v${i}`] !== undefined; i++) {
    const v = inputs[`v${i}`]!;
    const [out, outM, outS] = [a.output(v.shape), a.output(v.shape), a.output(v.shape)];
    a.simd.adamStep(
      a.input(v), a.input(inputs[`g${i}`]!), a.input(inputs[`m${i}`]!), a.input(inputs[`s${i}`]!), out.address, outM.address, outS.address,
      product(v.shape), at.stepSize, at.bc2Sqrt, at.eps, at.beta1, 1 - at.beta1, at.beta2, 1 - at.beta2, at.l2[i]!, at.keep[i]!,
    );
    outputs.push(out, outM, outS);
  }
  return a.finish(outputs);
}

type Impl = (a: Arena, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => tf.TensorInfo | tf.TensorInfo[];

const convAttrs = (attrs: tf.NamedAttrMap): GroupedConvAttrs => attrs as unknown as GroupedConvAttrs;

const IMPLS: Record<(typeof ENGINE_KERNELS)[number], Impl> = {
  [GROUPED_CONV]: (a, { x, filter }, attrs) => convForward(a, x!, filter!, convAttrs(attrs)),
  [GROUPED_CONV_BACKPROP_INPUT]: (a, { dy, filter }, attrs) =>
    convBackpropInput(a, dy!, filter!, attrs.inputShape as number[], convAttrs(attrs)),
  [GROUPED_CONV_BACKPROP_FILTER]: (a, { x, dy }, attrs) =>
    convBackpropFilter(a, x!, dy!, attrs.filterShape as number[], convAttrs(attrs)),
  [BATCH_NORM_TRAIN]: (a, { x, gamma, beta }, attrs) => batchNormForward(a, x!, gamma!, beta!, attrs.epsilon as number),
  [BATCH_NORM_TRAIN_GRAD]: (a, inputs, attrs) =>
    batchNormBackward(a, inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>, attrs.epsilon as number),
  [RELU_GRAD]: (a, { dy, x }) => reluGrad(a, dy!, x!),
  [SGD_UPDATE]: (a, inputs, attrs) => sgdUpdate(a, inputs, attrs.learningRate as number),
  [SGD_STEP]: (a, inputs, attrs) => sgdStep(a, inputs, attrs as unknown as SgdStepAttrs),
  [ADAM_STEP]: (a, inputs, attrs) => adamStep(a, inputs, attrs as unknown as AdamStepAttrs),
};

type Conv2DGradientAttrs = tf.Conv2DBackpropFilterAttrs & tf.Conv2DBackpropInputAttrs;

/** A TF.js Conv2D attribute set as our conv attributes: Conv2D has no groups, so 1. */
const plainConv = (at: Conv2DGradientAttrs): GroupedConvAttrs => ({ strides: at.strides, pad: at.pad, groups: 1, dimRoundingMode: at.dimRoundingMode });

const CONV2D_GRADIENTS = {
  [tf.Conv2DBackpropFilter]: (a: Arena, { x, dy }: tf.NamedTensorInfoMap, at: Conv2DGradientAttrs) =>
    convBackpropFilter(a, x!, dy!, at.filterShape, plainConv(at)),
  [tf.Conv2DBackpropInput]: (a: Arena, { dy, filter }: tf.NamedTensorInfoMap, at: Conv2DGradientAttrs) =>
    convBackpropInput(a, dy!, filter!, at.inputShape, plainConv(at)),
} as const;

/** A standard TF.js Conv2D gradient kernel (groups 1) on our kernels: what the wasm backend lacks or does slowly. */
export function conv2DGradientOn(kernelName: keyof typeof CONV2D_GRADIENTS, backendName: KernelBackendName, module: WasmModule): tf.KernelFunc {
  const impl = CONV2D_GRADIENTS[kernelName];
  return (({ inputs, backend, attrs }: KernelArgs) => {
    const at = attrs as unknown as Conv2DGradientAttrs;
    if (at.dataFormat !== 'NHWC') throw new Error(`${kernelName} (netspace): only NHWC is supported`);
    return impl(arenaFor(backend, backendName, module), inputs, at);
  }) as tf.KernelFunc;
}

let gradientsRegistered = false;

/**
 * The gradient of the grouped conv, for every backend (TF.js keeps one gradient registry): both backprops are our
 * kernels, so the gradient exists wherever the forward kernel does. ReLU's gradient is replaced by one that takes
 * our one-pass kernel where the backend has it and TF.js's own formula elsewhere.
 */
export function registerEngineGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const relu = tf.getGradient(tf.Relu);
  if (relu !== undefined) {
    tf.registerGradient({
      ...relu,
      gradFunc: (dy, saved, attrs) => {
        if (!activeBackendHasEngineKernels()) return relu.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: saved[0]! }) as tf.Tensor };
      },
    });
  }
  tf.registerGradient({
    kernelName: GROUPED_CONV,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const e = tf.engine();
      return {
        x: () => e.runKernel(GROUPED_CONV_BACKPROP_INPUT, { dy: dy as tf.Tensor, filter }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
        filter: () => e.runKernel(GROUPED_CONV_BACKPROP_FILTER, { x, dy: dy as tf.Tensor }, { ...attrs, filterShape: filter.shape }) as tf.Tensor,
      };
    },
  });
}

const registeredOn = new Set<string>();

/** Registers our kernels for `backendName` (once per thread: the registry belongs to this tfjs-core instance). */
export function registerEngineKernels(backendName: KernelBackendName, module: WasmModule): void {
  registerEngineGradients();
  if (registeredOn.has(backendName)) return;
  registeredOn.add(backendName);
  for (const name of ENGINE_KERNELS) {
    const impl = IMPLS[name];
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: (({ inputs, backend, attrs }: KernelArgs) => impl(arenaFor(backend, backendName, module), inputs, attrs ?? {})) as tf.KernelFunc,
    });
  }
}

/** Whether the active backend runs our kernels (else ops fall back to compositions of standard TF.js ops). */
export function activeBackendHasEngineKernels(): boolean {
  return opKernelsActive('auto');
}
