// The chapter's layer summary: each top-level part with its output shape (NCHW, as PyTorch prints it) and params.
import * as tf from '@tensorflow/tfjs-core';
import type { AnyNetModel } from './anynet.ts';

/** One row of a summary. */
export interface LayerSummary {
  name: string;
  /** Output shape in PyTorch's NCHW order (N, C, H, W), or (N, classes) for the head. */
  outputShape: number[];
  /** Trainable scalars in the part. */
  params: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  params: number;
}

/** NHWC (TF.js) to NCHW (PyTorch) for printing. */
function toNchw(shape: number[]): number[] {
  return shape.length === 4 ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape;
}

/** Runs a zero batch of `inputShape` = [N, C, H, W] through the model in inference mode, part by part. */
export function summarize(model: AnyNetModel, inputShape: [number, number, number, number]): ModelSummary {
  const [n, c, h, w] = inputShape;
  const layers = tf.tidy(() => {
    let x: tf.Tensor = tf.zeros([n, h, w, c]);
    return model.parts.map((part) => {
      x = part.apply(x, false);
      return { name: part.name, outputShape: toNchw(x.shape), params: part.params };
    });
  });
  return { layers, params: model.paramCount() };
}

/** The summary as an aligned text table. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [l.name, l.outputShape.join('x'), l.params.toLocaleString('en-US')]);
  const header = ['part', 'output shape', 'params'];
  const widths = header.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line), `total params: ${summary.params.toLocaleString('en-US')}`].join('\n');
}
