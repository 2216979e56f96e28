// Analytic flops, parameters and activations of an AnyNet config, counted as pycls counts them, without a model.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { bottleneckWidth, type AnyNetConfig } from './config.ts';

/** What a model costs, by pycls's conventions (`pycls/models/blocks.py`, the `*_cx` functions). */
export interface Complexity {
  /** Multiply-adds of one forward pass of one image (pycls calls them flops). */
  flops: number;
  /** Trainable parameters; batch norm counts gamma and beta, not its running statistics. */
  params: number;
  /** Activations: the output elements of every convolution and of the final linear layer, for one image. */
  acts: number;
}

/**
 * Running totals through the network; h and w are the current spatial size in pixels. Mutated in place because
 * the sampler calls this for every candidate and allocation would dominate.
 */
interface Tally extends Complexity {
  h: number;
  w: number;
}

/**
 * A k x k convolution with padding (k - 1) / 2: the output side is (h - 1) // stride + 1. Flops are
 * k*k*in*out*h_out*w_out/groups, plus one addition per output element for the bias (pycls adds only `out` for it;
 * the two agree when convBias is false, as in every pycls model).
 */
function conv(t: Tally, wIn: number, wOut: number, k: number, stride: number, groups: number, bias: boolean): void {
  t.h = Math.floor((t.h - 1) / stride) + 1;
  t.w = Math.floor((t.w - 1) / stride) + 1;
  const outputs = wOut * t.h * t.w;
  t.flops += (k * k * wIn * outputs) / groups + (bias ? outputs : 0);
  t.params += (k * k * wIn * wOut) / groups + (bias ? wOut : 0);
  t.acts += outputs;
}

/** Batch norm: gamma and beta per channel; its flops fold into the convolution before it. */
function norm(t: Tally, channels: number): void {
  t.params += 2 * channels;
}

/**
 * Flops, params and acts of the model built from `config` for `resolution` x `resolution` inputs: the d2l chapter's
 * AnyNet, which is pycls's AnyNet with the simple stem and residual bottleneck blocks:
 *   stem: 3x3 conv stride 2, BN;
 *   each stage: `depth` blocks; the first has stride 2 and a 1x1 stride-2 projection + BN on the shortcut;
 *   block: 1x1 conv, BN, 3x3 conv (stride s, groups = bottleneck width / group width), BN, 1x1 conv, BN;
 *   head: global average pool, linear with bias.
 * Equals pycls's `complexity()` exactly for convBias false; its params equal the TF.js model's parameter count.
 */
export function complexity(config: AnyNetConfig, resolution: number): Complexity {
  const t: Tally = { h: resolution, w: resolution, flops: 0, params: 0, acts: 0 };
  const bias = config.convBias;
  conv(t, config.inputChannels, config.stemWidth, 3, 2, 1, bias);
  norm(t, config.stemWidth);
  let wIn = config.stemWidth;
  for (const stage of config.stages) {
    const wOut = stage.width;
    const wB = bottleneckWidth(stage);
    const groups = wB / stage.groupWidth;
    for (let i = 0; i < stage.depth; i++) {
      const stride = i === 0 ? 2 : 1;
      if (i === 0) {
        // The projection reads the block input; its output has the same size as the main path's, which
        // then starts again from the input size (pycls ResBottleneckBlock.complexity saves and restores h, w).
        const { h, w } = t;
        conv(t, wIn, wOut, 1, stride, 1, bias);
        norm(t, wOut);
        t.h = h;
        t.w = w;
      }
      conv(t, wIn, wB, 1, 1, 1, bias);
      norm(t, wB);
      conv(t, wB, wB, 3, stride, groups, bias);
      norm(t, wB);
      conv(t, wB, wOut, 1, 1, 1, bias);
      norm(t, wOut);
      wIn = wOut;
    }
  }
  // Global average pooling costs nothing by pycls's count; the linear layer always has a bias.
  const classes = config.numClasses;
  t.flops += wIn * classes + classes;
  t.params += wIn * classes + classes;
  t.acts += classes;
  // Every term is a product of whole numbers no larger than the total, so a total below 2^53 was counted exactly.
  for (const field of ['flops', 'params', 'acts'] as const) {
    if (!(t[field] <= Number.MAX_SAFE_INTEGER)) throw new NetspaceError(messages.space.tooLarge(field, t[field]));
  }
  return { flops: t.flops, params: t.params, acts: t.acts };
}
