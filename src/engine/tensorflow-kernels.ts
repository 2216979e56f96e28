// netspace's kernels on the tensorflow backend: each one a few TensorFlow ops run through tfjs-node's binding.
import * as tf from '@tensorflow/tfjs-core';
import {
  ADAM_STEP, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, convGeometry, ENGINE_KERNELS, GROUPED_CONV, GROUPED_CONV_BACKPROP_FILTER,
  GROUPED_CONV_BACKPROP_INPUT, registerEngineGradients, RELU_GRAD, SGD_STEP, SGD_UPDATE, type GroupedConvAttrs,
} from './kernels.ts';

/** What the binding of @tensorflow/tfjs-node(-gpu) 4.22 returns for an op's output (tfjs_binding.d.ts). */
interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

interface OpAttr {
  name: string;
  type: number;
  value: boolean | number | string | number[];
}

/** The parts of tfjs-node's native binding used here. */
interface Binding {
  executeOp(opName: string, opAttrs: OpAttr[], inputTensorIds: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number;
  deleteTensor(id: number): void;
  TF_FLOAT: number;
  TF_INT32: number;
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
}

/** tfjs-node's NodeJSKernelBackend, as far as this module uses it. */
export interface NodeBackend extends tf.KernelBackend {
  binding: Binding;
  isUsingGpuDevice: boolean;
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
}

/** The kind of device ops run on: the code differs where TF's kernels do (see BATCH_NORM_PATHS). */
export type DeviceKind = 'cpu' | 'gpu';

/**
 * One kernel call's native ops. Intermediate results stay TF tensor handles (never TF.js tensors) and are freed
 * by `finish`; only the outputs become TF.js tensors, so a kernel of several ops costs the TF.js bookkeeping of one.
 */
class Ops {
  private readonly temporaries: number[] = [];
  readonly b: Binding;

  constructor(readonly backend: NodeBackend) {
    this.b = backend.binding;
  }

  get T(): OpAttr {
    return { name: 'T', type: this.b.TF_ATTR_TYPE, value: this.b.TF_FLOAT };
  }

  attr(name: string, value: OpAttr['value']): OpAttr {
    const b = this.b;
    const type = typeof value === 'string' ? b.TF_ATTR_STRING : typeof value === 'boolean' ? b.TF_ATTR_BOOL
      : Array.isArray(value) || Number.isInteger(value) ? b.TF_ATTR_INT : b.TF_ATTR_FLOAT;
    return { name, type, value };
  }

  float(name: string, value: number): OpAttr {
    return { name, type: this.b.TF_ATTR_FLOAT, value };
  }

  /** The TF handle of a TF.js tensor (writing values TF.js still holds in JS first). */
  id(t: tf.TensorInfo): number {
    return this.backend.getInputTensorIds([t])[0]!;
  }

  /** A temporary int32 tensor (shapes, axes, paddings). */
  int32(values: readonly number[], shape: number[] = [values.length]): number {
    const id = this.b.createTensor(shape, this.b.TF_INT32, Int32Array.from(values));
    this.temporaries.push(id);
    return id;
  }

  /** A temporary float32 tensor. */
  float32(values: readonly number[], shape: number[] = [values.length]): number {
    const id = this.b.createTensor(shape, this.b.TF_FLOAT, Float32Array.from(values));
    this.temporaries.push(id);
    return id;
  }

  /** Runs one op; its outputs are temporaries unless `keep` turns them into results. */
  run(name: string, attrs: OpAttr[], inputs: number[], outputs = 1): TensorMetadata[] {
    const out = this.b.executeOp(name, attrs, inputs, outputs);
    for (const m of out) this.temporaries.push(m.id);
    return out;
  }

  one(name: string, attrs: OpAttr[], inputs: number[]): number {
    return this.run(name, attrs, inputs, 1)[0]!.id;
  }

  /** Frees every temporary but `results`, which become TF.js tensors of the backend. */
  finish(results: readonly TensorMetadata[]): tf.Tensor[] {
    const kept = new Set(results.map((m) => m.id));
    for (const id of this.temporaries) if (!kept.has(id)) this.b.deleteTensor(id);
    this.temporaries.length = 0;
    return results.map((m) => this.backend.createOutputTensor(m));
  }

  /** Frees every temporary after a failed op. */
  abandon(): void {
    for (const id of this.temporaries) this.b.deleteTensor(id);
    this.temporaries.length = 0;
  }
}

function withOps(backend: tf.KernelBackend, body: (o: Ops) => tf.Tensor[]): tf.Tensor[] {
  const o = new Ops(backend as NodeBackend);
  try {
    return body(o);
  } catch (error) {
    o.abandon();
    throw error;
  }
}

/** A conv's padding as TF's Conv2D ops take it. */
export interface TfPadding {
  padding: 'SAME' | 'VALID' | 'EXPLICIT';
  /** [top, bottom, left, right] pixels. */
  pads: [number, number, number, number];
}

/**
 * TF's name for the padding of `info`: 'SAME' when the pads are the ones TF's SAME would choose (total
 * max((out - 1) * stride + k - in, 0), the smaller half on top and left, conv_ops.cc GetWindowedOutputSize),
 * 'VALID' when all are 0, else 'EXPLICIT'. PyTorch's symmetric padding of a 3x3 conv is SAME at stride 1 and at
 * stride 2 on odd sizes, EXPLICIT at stride 2 on even sizes (TF would pad only the bottom and right).
 */
export function tfPadding(info: tf.backend_util.Conv2DInfo): TfPadding {
  const { top, bottom, left, right } = info.padInfo;
  const pads: [number, number, number, number] = [top, bottom, left, right];
  const sameTotal = (out: number, stride: number, k: number, size: number) => Math.max((out - 1) * stride + k - size, 0);
  const h = sameTotal(info.outHeight, info.strideHeight, info.filterHeight, info.inHeight);
  const w = sameTotal(info.outWidth, info.strideWidth, info.filterWidth, info.inWidth);
  const same = info.outHeight === Math.ceil(info.inHeight / info.strideHeight) && info.outWidth === Math.ceil(info.inWidth / info.strideWidth)
    && top === Math.floor(h / 2) && bottom === h - Math.floor(h / 2) && left === Math.floor(w / 2) && right === w - Math.floor(w / 2);
  if (same) return { padding: 'SAME', pads };
  if (pads.every((p) => p === 0)) return { padding: 'VALID', pads };
  return { padding: 'EXPLICIT', pads };
}

function convOpAttrs(o: Ops, info: tf.backend_util.Conv2DInfo, pad: TfPadding): OpAttr[] {
  const attrs = [
    o.T,
    o.attr('strides', [1, info.strideHeight, info.strideWidth, 1]),
    o.attr('padding', pad.padding),
    o.attr('data_format', 'NHWC'),
    o.attr('dilations', [1, 1, 1, 1]),
  ];
  if (pad.padding === 'EXPLICIT') attrs.push(o.attr('explicit_paddings', [0, 0, pad.pads[0], pad.pads[1], pad.pads[2], pad.pads[3], 0, 0]));
  return attrs;
}

const VALID: TfPadding = { padding: 'VALID', pads: [0, 0, 0, 0] };

/**
 * How a grouped conv's gradients run. TF's CPU Conv2DBackpropInput/Filter take a grouped filter only through
 * oneDNN (TF_ENABLE_ONEDNN_OPTS) and only with SAME or VALID padding; cuDNN takes it on GPU. Where TF refuses,
 * each group is its own dense conv: one Split per input, one op per group, one ConcatV2.
 */
type GroupedGradients = 'native' | 'split';
const groupedGradients = new WeakMap<NodeBackend, GroupedGradients>();

/** Asks TF once per backend whether it computes a grouped filter gradient. */
function groupedGradientsOf(o: Ops): GroupedGradients {
  const known = groupedGradients.get(o.backend);
  if (known !== undefined) return known;
  const probe = new Ops(o.backend);
  let answer: GroupedGradients = 'native';
  try {
    const x = probe.float32(new Array<number>(16).fill(1), [1, 2, 2, 4]);
    const dy = probe.float32(new Array<number>(8).fill(1), [1, 1, 1, 8]);
    probe.run('Conv2DBackpropFilter', [probe.T, probe.attr('strides', [1, 1, 1, 1]), probe.attr('padding', 'VALID'), probe.attr('data_format', 'NHWC')], [x, probe.int32([2, 2, 2, 8]), dy]);
  } catch {
    answer = 'split';
  }
  probe.abandon();
  groupedGradients.set(o.backend, answer);
  return answer;
}

/** Splits `id` (shape `shape`) into `groups` equal parts along its last axis: one op. */
function splitChannels(o: Ops, id: number, groups: number): number[] {
  if (groups === 1) return [id];
  return o.run('Split', [o.T, o.attr('num_split', groups)], [o.int32([3], []), id], groups).map((m) => m.id);
}

function concatChannels(o: Ops, ids: number[]): TensorMetadata {
  if (ids.length === 1) return o.run('Identity', [o.T], ids)[0]!;
  return o.run('ConcatV2', [o.T, o.attr('N', ids.length), { name: 'Tidx', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [...ids, o.int32([3], [])])[0]!;
}

/** Pads x's height and width by `pads` with zeros (the EXPLICIT padding of a grouped conv, made VALID). */
function padSpatial(o: Ops, x: number, pads: TfPadding['pads']): number {
  const paddings = o.int32([0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0], [4, 2]);
  return o.one('Pad', [o.T, { name: 'Tpaddings', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [x, paddings]);
}

function convForward(o: Ops, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: GroupedConvAttrs): tf.Tensor[] {
  const { info } = convGeometry(x.shape, filter.shape, attrs);
  const y = o.run('Conv2D', convOpAttrs(o, info, tfPadding(info)), [o.id(x), o.id(filter)])[0]!;
  return o.finish([y]);
}

/**
 * The input gradient. Grouped and EXPLICIT: the gradient of the padded input through a VALID conv, then the pads
 * sliced off. Grouped where TF refuses: per group.
 */
function convBackpropInput(o: Ops, dy: tf.TensorInfo, filter: tf.TensorInfo, inputShape: readonly number[], attrs: GroupedConvAttrs): tf.Tensor[] {
  const { info } = convGeometry(inputShape, filter.shape, attrs);
  const pad = tfPadding(info);
  const [n, h, w, c] = inputShape as [number, number, number, number];
  const g = attrs.groups;
  if (g === 1 || (groupedGradientsOf(o) === 'native' && pad.padding !== 'EXPLICIT')) {
    return o.finish([o.run('Conv2DBackpropInput', convOpAttrs(o, info, pad), [o.int32(inputShape), o.id(filter), o.id(dy)])[0]!]);
  }
  const explicit = pad.padding === 'EXPLICIT';
  const padded = explicit ? [n, h + pad.pads[0] + pad.pads[1], w + pad.pads[2] + pad.pads[3], c] : [n, h, w, c];
  const opAttrs = convOpAttrs(o, info, explicit ? VALID : pad);
  let dx: number;
  if (groupedGradientsOf(o) === 'native') {
    dx = o.one('Conv2DBackpropInput', opAttrs, [o.int32(padded), o.id(filter), o.id(dy)]);
  } else {
    const filters = splitChannels(o, o.id(filter), g);
    const dys = splitChannels(o, o.id(dy), g);
    const groupShape = o.int32([padded[0]!, padded[1]!, padded[2]!, c / g]);
    dx = concatChannels(o, filters.map((f, i) => o.one('Conv2DBackpropInput', opAttrs, [groupShape, f, dys[i]!]))).id;
  }
  if (!explicit) return o.finish([{ id: dx, shape: [...inputShape], dtype: o.b.TF_FLOAT }]);
  const begin = o.int32([0, pad.pads[0], pad.pads[2], 0]);
  const size = o.int32([n, h, w, c]);
  return o.finish([o.run('Slice', [o.T, { name: 'Index', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [dx, begin, size])[0]!]);
}

function convBackpropFilter(o: Ops, x: tf.TensorInfo, dy: tf.TensorInfo, filterShape: readonly number[], attrs: GroupedConvAttrs): tf.Tensor[] {
  const { info } = convGeometry(x.shape, filterShape, attrs);
  const pad = tfPadding(info);
  const g = attrs.groups;
  if (g === 1 || (groupedGradientsOf(o) === 'native' && pad.padding !== 'EXPLICIT')) {
    return o.finish([o.run('Conv2DBackpropFilter', convOpAttrs(o, info, pad), [o.id(x), o.int32(filterShape), o.id(dy)])[0]!]);
  }
  const explicit = pad.padding === 'EXPLICIT';
  const xs = explicit ? padSpatial(o, o.id(x), pad.pads) : o.id(x);
  const opAttrs = convOpAttrs(o, info, explicit ? VALID : pad);
  if (groupedGradientsOf(o) === 'native') {
    return o.finish([o.run('Conv2DBackpropFilter', opAttrs, [xs, o.int32(filterShape), o.id(dy)])[0]!]);
  }
  const [kh, kw, cin, cout] = filterShape as [number, number, number, number];
  const groupShape = o.int32([kh, kw, cin, cout / g]);
  const parts = splitChannels(o, xs, g);
  const dys = splitChannels(o, o.id(dy), g);
  return o.finish([concatChannels(o, parts.map((p, i) => o.one('Conv2DBackpropFilter', opAttrs, [p, groupShape, dys[i]!])))]);
}

function batchNormAttrs(o: Ops, epsilon: number): OpAttr[] {
  return [
    o.T,
    { name: 'U', type: o.b.TF_ATTR_TYPE, value: o.b.TF_FLOAT },
    o.float('epsilon', epsilon),
    o.attr('data_format', 'NHWC'),
    o.attr('is_training', true),
  ];
}

/** x as the NHWC tensor FusedBatchNorm takes: rank 4 as is, else [1, 1, rows, channels]. */
function asNhwc(o: Ops, x: tf.TensorInfo): number {
  if (x.shape.length === 4) return o.id(x);
  const c = x.shape[x.shape.length - 1]!;
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  return o.one('Reshape', [o.T, { name: 'Tshape', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [o.id(x), o.int32([1, 1, rows, c])]);
}

function reshaped(o: Ops, id: number, shape: readonly number[]): TensorMetadata {
  if (shape.length === 4) return { id, shape: [...shape], dtype: o.b.TF_FLOAT };
  return o.run('Reshape', [o.T, { name: 'Tshape', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [id, o.int32(shape)])[0]!;
}

interface BatchNormPath {
  /** y, the batch mean and the biased variance. */
  forward(o: Ops, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, epsilon: number): tf.Tensor[];
  /** dx, dgamma, dbeta. */
  backward(o: Ops, inputs: Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>, epsilon: number): tf.Tensor[];
}

/** FusedBatchNormV3 in training mode: y, batch_mean, batch_variance (unbiased), then three reserve spaces. */
function fusedForward(o: Ops, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, epsilon: number): TensorMetadata[] {
  const empty = o.float32([]);
  const attrs = [...batchNormAttrs(o, epsilon), o.float('exponential_avg_factor', 1)];
  return o.run('FusedBatchNormV3', attrs, [asNhwc(o, x), o.id(gamma), o.id(beta), empty, empty], 6);
}

/**
 * The two ways batch norm trains on tensorflow. On CPU (Eigen and oneDNN alike) FusedBatchNormV3's reserve spaces
 * 1 and 2 are the batch mean and biased variance, which FusedBatchNormGradV3 takes back: one op each way. On GPU
 * cuDNN keeps the inverse standard deviation there instead (fused_batch_norm_op.cc), so the biased variance is
 * computed from the unbiased one and the backward pass is the closed form in TF ops, which the tests check on CPU.
 */
export const BATCH_NORM_PATHS: Record<DeviceKind, BatchNormPath> = {
  cpu: {
    forward: (o, x, gamma, beta, epsilon) => {
      const [y, , , mean, variance] = fusedForward(o, x, gamma, beta, epsilon);
      return o.finish([reshaped(o, y!.id, x.shape), mean!, variance!]);
    },
    backward: (o, { dy, x, gamma, mean, variance }, epsilon) => {
      const [dx, dgamma, dbeta] = o.run('FusedBatchNormGradV3', batchNormAttrs(o, epsilon), [asNhwc(o, dy), asNhwc(o, x), o.id(gamma), o.id(mean), o.id(variance), o.float32([])], 5);
      return o.finish([reshaped(o, dx!.id, x.shape), dgamma!, dbeta!]);
    },
  },
  gpu: {
    forward: (o, x, gamma, beta, epsilon) => {
      const [y, mean, unbiased] = fusedForward(o, x, gamma, beta, epsilon);
      const rows = x.shape.reduce((a, b) => a * b, 1) / x.shape[x.shape.length - 1]!;
      const variance = o.run('Mul', [o.T], [unbiased!.id, o.float32([rows > 1 ? (rows - 1) / rows : 1], [])])[0]!;
      return o.finish([reshaped(o, y!.id, x.shape), mean!, variance]);
    },
    backward: (o, { dy, x, gamma, mean, variance }, epsilon) => {
      // dx = gamma * invstd / M * (M dy - sum dy - xhat * sum(dy xhat)) (Ioffe & Szegedy 2015, section 3).
      const c = x.shape[x.shape.length - 1]!;
      const m = x.shape.reduce((a, b) => a * b, 1) / c;
      const T = [o.T];
      const axes = o.int32(x.shape.slice(0, -1).map((_, i) => i));
      const sum = (id: number) => o.one('Sum', [o.T, o.attr('keep_dims', false), { name: 'Tidx', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }], [id, axes]);
      const invStd = o.one('Rsqrt', T, [o.one('AddV2', T, [o.id(variance), o.float32([epsilon], [])])]);
      const xHat = o.one('Mul', T, [o.one('Sub', T, [o.id(x), o.id(mean)]), invStd]);
      const dbeta = sum(o.id(dy));
      const dgamma = sum(o.one('Mul', T, [o.id(dy), xHat]));
      const inner = o.one('Sub', T, [o.one('Sub', T, [o.one('Mul', T, [o.id(dy), o.float32([m], [])]), dbeta]), o.one('Mul', T, [xHat, dgamma])]);
      const scale = o.one('Mul', T, [o.one('Mul', T, [o.id(gamma), invStd]), o.float32([1 / m], [])]);
      const dx = o.run('Mul', T, [scale, inner])[0]!;
      const meta = (id: number): TensorMetadata => ({ id, shape: [c], dtype: o.b.TF_FLOAT });
      return o.finish([dx, meta(dgamma), meta(dbeta)]);
    },
  },
};

/** Which device's path to take; tests force one. */
let forcedDevice: DeviceKind | null = null;

/** Makes the kernels take `device`'s code path whatever the device is (null: the real one). For tests. */
export function forceDeviceKind(device: DeviceKind | null): void {
  forcedDevice = device;
}

function deviceOf(o: Ops): DeviceKind {
  return forcedDevice ?? (o.backend.isUsingGpuDevice ? 'gpu' : 'cpu');
}

/** v_i - learningRate * g_i for every pair: two ops per variable, one TF.js kernel call in all. */
function sgdUpdate(o: Ops, inputs: tf.NamedTensorInfoMap, learningRate: number): tf.Tensor[] {
  const lr = o.float32([learningRate], []);
  const out: TensorMetadata[] = [];
  for (let i = 0; inputs[`v${i}`] !== undefined; i++) {
    const step = o.one('Mul', [o.T], [o.id(inputs[`g${i}`]!), lr]);
    out.push(o.run('Sub', [o.T], [o.id(inputs[`v${i}`]!), step])[0]!);
  }
  return o.finish(out);
}

type Impl = (o: Ops, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => tf.Tensor[];
const conv = (attrs: tf.NamedAttrMap): GroupedConvAttrs => attrs as unknown as GroupedConvAttrs;
type BatchNormInputs = Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;

/**
 * The recipe's fused optimizer steps (SGD_STEP, ADAM_STEP) are not among them: on tensorflow the optimizer runs its
 * standard TF.js ops, each a native op (engine/optimizer.ts takes a fused kernel only where one is registered).
 */
type TensorflowKernel = Exclude<(typeof ENGINE_KERNELS)[number], typeof SGD_STEP | typeof ADAM_STEP>;
const IMPLS: Record<TensorflowKernel, Impl> = {
  [GROUPED_CONV]: (o, { x, filter }, attrs) => convForward(o, x!, filter!, conv(attrs)),
  [GROUPED_CONV_BACKPROP_INPUT]: (o, { dy, filter }, attrs) => convBackpropInput(o, dy!, filter!, attrs.inputShape as number[], conv(attrs)),
  [GROUPED_CONV_BACKPROP_FILTER]: (o, { x, dy }, attrs) => convBackpropFilter(o, x!, dy!, attrs.filterShape as number[], conv(attrs)),
  [BATCH_NORM_TRAIN]: (o, { x, gamma, beta }, attrs) => BATCH_NORM_PATHS[deviceOf(o)].forward(o, x!, gamma!, beta!, attrs.epsilon as number),
  [BATCH_NORM_TRAIN_GRAD]: (o, inputs, attrs) => BATCH_NORM_PATHS[deviceOf(o)].backward(o, inputs as BatchNormInputs, attrs.epsilon as number),
  [RELU_GRAD]: (o, { dy, x }) => o.finish([o.run('ReluGrad', [o.T], [o.id(dy!), o.id(x!)])[0]!]),
  [SGD_UPDATE]: (o, inputs, attrs) => sgdUpdate(o, inputs, attrs.learningRate as number),
};

type Conv2DGradientAttrs = tf.Conv2DBackpropFilterAttrs & tf.Conv2DBackpropInputAttrs;
const dense = (at: Conv2DGradientAttrs): GroupedConvAttrs => ({ strides: at.strides, pad: at.pad, groups: 1, dimRoundingMode: at.dimRoundingMode });

/**
 * tfjs-node's own Conv2D gradient kernels refuse explicit padding ("TF Backend supports only 'valid' and 'same'
 * padding while padding was EXPLICIT"), though TF's ops take it and its Conv2D kernel passes it on: so every
 * tf.conv2d with PyTorch-style padding failed its first backward pass. These pass it on too.
 */
const CONV2D_GRADIENTS: Record<string, Impl> = {
  [tf.Conv2DBackpropInput]: (o, { dy, filter }, attrs) => convBackpropInput(o, dy!, filter!, (attrs as unknown as Conv2DGradientAttrs).inputShape, dense(attrs as unknown as Conv2DGradientAttrs)),
  [tf.Conv2DBackpropFilter]: (o, { x, dy }, attrs) => convBackpropFilter(o, x!, dy!, (attrs as unknown as Conv2DGradientAttrs).filterShape, dense(attrs as unknown as Conv2DGradientAttrs)),
};

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function kernel(impl: Impl, name: string, single: boolean): tf.KernelFunc {
  return (({ inputs, backend, attrs }: KernelArgs) => {
    if ((attrs?.dataFormat ?? 'NHWC') !== 'NHWC') throw new Error(`${name} (netspace): only NHWC is supported`);
    const out = withOps(backend, (o) => impl(o, inputs, attrs ?? {}));
    return single ? out[0]! : out;
  }) as unknown as tf.KernelFunc;
}

/**
 * A standard kernel of tfjs-node made faster in the cases training hits, the others left to `original`: a sum over
 * every axis but the last (a bias gradient) is TF's BiasAddGrad, whose column reduction is several times faster
 * than Sum's over leading axes; a float32 tensor plus a vector along its last axis (a conv bias) is BiasAdd; a mean
 * of float32 skips the cast to float32 that tfjs-node's Mean makes of every input (one TF.js kernel call more).
 */
const REPLACEMENTS: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  [tf.Sum]: (original) => ((args: KernelArgs) => {
    const x = args.inputs.x!;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    if (rank < 2 || x.dtype !== 'float32' || axes.length !== rank - 1 || !axes.every((a, i) => a === i)) return original(args);
    return withOps(args.backend, (o) => {
      const sum = o.run('BiasAddGrad', [o.T, o.attr('data_format', 'NHWC')], [o.id(x)])[0]!;
      if (!keepDims) return o.finish([sum]);
      return o.finish([reshaped(o, sum.id, [...Array<number>(rank - 1).fill(1), x.shape[rank - 1]!])]);
    })[0]!;
  }) as unknown as tf.KernelFunc,
  [tf.Mean]: (original) => ((args: KernelArgs) => {
    const x = args.inputs.x!;
    if (x.dtype !== 'float32') return original(args);
    const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const attrs = (o: Ops) => [o.T, o.attr('keep_dims', keepDims ?? false), { name: 'Tidx', type: o.b.TF_ATTR_TYPE, value: o.b.TF_INT32 }];
    return withOps(args.backend, (o) => o.finish([o.run('Mean', attrs(o), [o.id(x), o.int32(axes)])[0]!]))[0]!;
  }) as unknown as tf.KernelFunc,
  [tf.Add]: (original) => ((args: KernelArgs) => {
    const { a, b } = args.inputs;
    const bias = (v: tf.TensorInfo, x: tf.TensorInfo) =>
      x.dtype === 'float32' && v.dtype === 'float32' && x.shape.length >= 2 && v.shape.length === 1 && v.shape[0] === x.shape[x.shape.length - 1];
    const [x, v] = bias(b!, a!) ? [a!, b!] : bias(a!, b!) ? [b!, a!] : [null, null];
    if (x === null || v === null) return original(args);
    return withOps(args.backend, (o) => o.finish([o.run('BiasAdd', [o.T, o.attr('data_format', 'NHWC')], [o.id(x), o.id(v)])[0]!]))[0]!;
  }) as unknown as tf.KernelFunc,
};

let registered = false;

/** Registers netspace's kernels, the two Conv2D gradients and the faster standard kernels for 'tensorflow', once per thread. */
export function registerTensorflowKernels(): void {
  if (registered) return;
  registered = true;
  registerEngineGradients();
  const singles = new Set<string>([GROUPED_CONV, GROUPED_CONV_BACKPROP_INPUT, GROUPED_CONV_BACKPROP_FILTER, RELU_GRAD]);
  for (const [name, impl] of Object.entries(IMPLS)) {
    tf.registerKernel({ kernelName: name, backendName: 'tensorflow', kernelFunc: kernel(impl, name, singles.has(name)) });
  }
  const replace = (name: string, kernelFunc: tf.KernelFunc) => {
    if (tf.getKernel(name, 'tensorflow') !== undefined) tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel({ kernelName: name, backendName: 'tensorflow', kernelFunc });
  };
  for (const [name, impl] of Object.entries(CONV2D_GRADIENTS)) replace(name, kernel(impl, name, true));
  for (const [name, make] of Object.entries(REPLACEMENTS)) {
    const original = tf.getKernel(name, 'tensorflow');
    if (original !== undefined) replace(name, make(original.kernelFunc));
  }
}
