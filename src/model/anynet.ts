// AnyNet from a plain config: stem -> stages of bottleneck blocks with grouped convolution -> head (d2l chapter).
import * as tf from '@tensorflow/tfjs-core';
import { complexity } from '../space/complexity.ts';
import { bottleneckWidth, groupCount, parseAnyNetConfig, type AnyNetConfig, type StageConfig } from '../space/config.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { BN_MOMENTUM, batchNormInfer, batchNormTrain, groupedConv2d, type OpPath } from './ops.ts';

/** The most weight bytes (float32) a model may have: 2 GiB, half the wasm heap, and far beyond any design space here. */
const MAX_WEIGHT_BYTES = 2 ** 31;

/** A variable with the PyTorch-style dotted name of what it holds (e.g. "stage1.block0.conv2.weight"). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** A top-level part of the network (stem, stage1, ..., head), for summaries. */
export interface ModelPart {
  name: string;
  /** Trainable parameters of the part. */
  params: number;
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
}

/** A built AnyNet: its variables and a forward function over NHWC images. */
export interface AnyNetModel {
  readonly config: AnyNetConfig;
  /** Trainable weights in a fixed order. */
  readonly trainable: readonly NamedVariable[];
  /** Batch-norm running statistics (not trained, saved in checkpoints). */
  readonly state: readonly NamedVariable[];
  readonly parts: readonly ModelPart[];
  /** Logits [N, numClasses] for images [N, H, W, inputChannels]. Training mode updates the running statistics. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Number of trainable scalars. */
  paramCount(): number;
  /** All weights and running statistics, float32, in a fixed order (a checkpoint). */
  saveWeights(): Float32Array;
  loadWeights(data: Float32Array): void;
  dispose(): void;
}

interface Conv {
  weight: tf.Variable;
  bias: tf.Variable | null;
  stride: number;
  pad: number;
  groups: number;
}

/** A batch-norm layer's variables: gamma and beta are trained, the running statistics are state. */
export interface BatchNorm {
  /** The layer's dotted name (e.g. "stage4.block0.bn2"), for messages. */
  name: string;
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

interface Block {
  conv1: Conv;
  bn1: BatchNorm;
  conv2: Conv;
  bn2: BatchNorm;
  conv3: Conv;
  bn3: BatchNorm;
  projection: { conv: Conv; bn: BatchNorm } | null;
}

/** Creates variables in a fixed order with seeds derived from one base seed, so a build is reproducible. */
class Builder {
  readonly trainable: NamedVariable[] = [];
  readonly state: NamedVariable[] = [];
  private counter = 0;

  constructor(private readonly seed: number, private readonly convBias: boolean) {}

  private nextSeed(): number {
    this.counter += 1;
    // Distinct, reproducible seeds per variable; 0x9e3779b1 spreads consecutive counters (Knuth's golden ratio).
    return (Math.imul(this.seed, 0x9e3779b1) + this.counter * 7919) >>> 0;
  }

  private add(name: string, value: tf.Tensor, trainable: boolean): tf.Variable {
    // Unnamed: TF.js gives each variable a unique name of its own (names are global), so two models never clash.
    const variable = tf.variable(value, trainable);
    value.dispose();
    (trainable ? this.trainable : this.state).push({ name, variable });
    return variable;
  }

  /** Xavier-uniform weight as d2l's init_cnn_weights; PyTorch's default bias U(+-1/sqrt(fan_in)). */
  conv(name: string, cin: number, cout: number, k: number, stride: number, pad: number, groups = 1): Conv {
    const fanIn = (cin / groups) * k * k;
    const fanOut = cout * k * k; // PyTorch: weight.size(0) * receptive field, not divided by groups
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const weight = this.add(`${name}.weight`, tf.randomUniform([k, k, cin / groups, cout], -bound, bound, 'float32', this.nextSeed()), true);
    const biasBound = 1 / Math.sqrt(fanIn);
    const bias = this.convBias
      ? this.add(`${name}.bias`, tf.randomUniform([cout], -biasBound, biasBound, 'float32', this.nextSeed()), true)
      : null;
    return { weight, bias, stride, pad, groups };
  }

  batchNorm(name: string, channels: number): BatchNorm {
    return {
      name,
      gamma: this.add(`${name}.weight`, tf.ones([channels]), true),
      beta: this.add(`${name}.bias`, tf.zeros([channels]), true),
      runningMean: this.add(`${name}.running_mean`, tf.zeros([channels]), false),
      runningVar: this.add(`${name}.running_var`, tf.ones([channels]), false),
    };
  }

  linear(name: string, fanIn: number, fanOut: number): { weight: tf.Variable; bias: tf.Variable } {
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const biasBound = 1 / Math.sqrt(fanIn);
    return {
      weight: this.add(`${name}.weight`, tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', this.nextSeed()), true),
      bias: this.add(`${name}.bias`, tf.randomUniform([fanOut], -biasBound, biasBound, 'float32', this.nextSeed()), true),
    };
  }
}

function applyConv(conv: Conv, x: tf.Tensor4D, path: OpPath): tf.Tensor4D {
  const y = groupedConv2d(x, conv.weight as tf.Tensor4D, conv.stride, conv.pad, conv.groups, path);
  return conv.bias === null ? y : tf.add<tf.Tensor4D>(y, conv.bias);
}

/** Batch norm with PyTorch semantics; training mode updates the running mean and unbiased variance (momentum 0.1). */
export function applyBatchNorm(bn: BatchNorm, x: tf.Tensor4D, training: boolean, path: OpPath = 'auto'): tf.Tensor4D {
  const gamma = bn.gamma as tf.Tensor1D;
  const beta = bn.beta as tf.Tensor1D;
  if (!training) return batchNormInfer(x, gamma, beta, bn.runningMean as tf.Tensor1D, bn.runningVar as tf.Tensor1D);
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  // PyTorch refuses this ("Expected more than 1 value per channel when training"): the variance of one value is 0.
  if (count === 1) throw new NetspaceError(messages.train.singleValueBatchNorm(bn.name, x.shape));
  return batchNormTrain(x, gamma, beta, ({ mean, variance }) => {
    // PyTorch keeps the unbiased variance in the running average: var * M / (M - 1).
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    bn.runningVar.assign(tf.add(tf.mul(bn.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  }, path);
}

function applyBlock(block: Block, x: tf.Tensor4D, training: boolean, path: OpPath): tf.Tensor4D {
  let y = tf.relu(applyBatchNorm(block.bn1, applyConv(block.conv1, x, path), training, path));
  y = tf.relu(applyBatchNorm(block.bn2, applyConv(block.conv2, y, path), training, path));
  y = applyBatchNorm(block.bn3, applyConv(block.conv3, y, path), training, path);
  const shortcut = block.projection === null
    ? x
    : applyBatchNorm(block.projection.bn, applyConv(block.projection.conv, x, path), training, path);
  return tf.relu(tf.add<tf.Tensor4D>(y, shortcut));
}

/** Options of a standalone bottleneck block (the chapter's GroupConvBotResidual). */
export interface BlockOptions {
  inputChannels: number;
  channels: number;
  groupWidth: number;
  bottleneckMultiplier: number;
  /** A 1x1 conv + BN on the shortcut (the chapter's use_1x1conv). */
  projection: boolean;
  stride: number;
  convBias?: boolean;
  seed?: number;
}

/** One residual bottleneck block on its own, as the chapter builds GroupConvBotResidual to check shapes. */
export function buildBlock(options: BlockOptions): { forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D; dispose(): void } {
  const stage = { depth: 1, width: options.channels, groupWidth: options.groupWidth, bottleneckMultiplier: options.bottleneckMultiplier };
  parseAnyNetConfig({ stemWidth: options.inputChannels, stages: [stage] }, 'block');
  const b = new Builder(options.seed ?? 0, options.convBias ?? true);
  const block = makeBlock(b, 'block', options.inputChannels, stage, options.stride, options.projection);
  return {
    forward: (x, training) => applyBlock(block, x, training, 'auto'),
    dispose: () => [...b.trainable, ...b.state].forEach(({ variable }) => variable.dispose()),
  };
}

function makeBlock(b: Builder, p: string, cin: number, stage: StageConfig, stride: number, projection: boolean): Block {
  const inner = bottleneckWidth(stage);
  return {
    conv1: b.conv(`${p}.conv1`, cin, inner, 1, 1, 0),
    bn1: b.batchNorm(`${p}.bn1`, inner),
    conv2: b.conv(`${p}.conv2`, inner, inner, 3, stride, 1, groupCount(stage)),
    bn2: b.batchNorm(`${p}.bn2`, inner),
    conv3: b.conv(`${p}.conv3`, inner, stage.width, 1, 1, 0),
    bn3: b.batchNorm(`${p}.bn3`, stage.width),
    projection: projection
      ? { conv: b.conv(`${p}.conv4`, cin, stage.width, 1, stride, 0), bn: b.batchNorm(`${p}.bn4`, stage.width) }
      : null,
  };
}

function countParams(variables: readonly NamedVariable[], from: number): number {
  return variables.slice(from).reduce((sum, v) => sum + v.variable.size, 0);
}

/**
 * Builds the chapter's AnyNet from `config` (validated first: a bad config throws before any tensor exists).
 * Weights are Xavier-uniform from `seed`; the same config and seed give the same weights on a given backend. `ops`
 * 'reference' computes with standard TF.js ops only (model/ops.ts OpPath), the baseline the engine's kernels are
 * tested against.
 */
export function buildAnyNet(configInput: AnyNetConfig, options: { seed?: number; ops?: OpPath } = {}): AnyNetModel {
  const config = parseAnyNetConfig(configInput);
  // Refused before any tensor exists: counts past 2^53 (complexity throws) or weights no backend can hold.
  const { params } = complexity(config, 1);
  if (params * 4 > MAX_WEIGHT_BYTES) throw new NetspaceError(messages.train.tooLargeToBuild(params, MAX_WEIGHT_BYTES));
  const path = options.ops ?? 'auto';
  const b = new Builder(options.seed ?? 0, config.convBias);
  const parts: ModelPart[] = [];

  let mark = 0;
  const stemConv = b.conv('stem.conv', config.inputChannels, config.stemWidth, 3, 2, 1);
  const stemBn = b.batchNorm('stem.bn', config.stemWidth);
  parts.push({
    name: 'stem',
    params: countParams(b.trainable, mark),
    apply: (x, training) => tf.relu(applyBatchNorm(stemBn, applyConv(stemConv, x as tf.Tensor4D, path), training, path)),
  });

  let channels = config.stemWidth;
  config.stages.forEach((stage, s) => {
    mark = b.trainable.length;
    const name = `stage${s + 1}`;
    const blocks: Block[] = [];
    for (let i = 0; i < stage.depth; i++) {
      // The first block of a stage halves the resolution and projects the shortcut (the chapter's stage()).
      const first = i === 0;
      blocks.push(makeBlock(b, `${name}.block${i}`, first ? channels : stage.width, stage, first ? 2 : 1, first));
    }
    channels = stage.width;
    parts.push({
      name,
      params: countParams(b.trainable, mark),
      apply: (x, training) => blocks.reduce((y, block) => applyBlock(block, y, training, path), x as tf.Tensor4D),
    });
  });

  mark = b.trainable.length;
  const fc = b.linear('head.fc', channels, config.numClasses);
  parts.push({
    name: 'head',
    params: countParams(b.trainable, mark),
    apply: (x) => tf.add(tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, fc.weight as tf.Tensor2D), fc.bias),
  });

  const all = (): NamedVariable[] => [...b.trainable, ...b.state];
  return {
    config,
    trainable: b.trainable,
    state: b.state,
    parts,
    forward: (x, training) => parts.reduce<tf.Tensor>((y, part) => part.apply(y, training), x) as tf.Tensor2D,
    paramCount: () => countParams(b.trainable, 0),
    saveWeights: () => {
      const variables = all();
      const out = new Float32Array(variables.reduce((n, v) => n + v.variable.size, 0));
      let offset = 0;
      for (const { variable } of variables) {
        out.set(variable.dataSync() as Float32Array, offset);
        offset += variable.size;
      }
      return out;
    },
    loadWeights: (data) => {
      const variables = all();
      const expected = variables.reduce((n, v) => n + v.variable.size, 0);
      if (data.length !== expected) {
        throw new Error(`checkpoint holds ${data.length} values, the model has ${expected}`);
      }
      let offset = 0;
      for (const { variable } of variables) {
        tf.tidy(() => variable.assign(tf.tensor(data.subarray(offset, offset + variable.size), variable.shape)));
        offset += variable.size;
      }
    },
    dispose: () => all().forEach(({ variable }) => variable.dispose()),
  };
}
