// Training speed of a model on random data: the number behind `netspace bench` and bench/engine.ts.
import * as tf from '@tensorflow/tfjs-core';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { buildAnyNet } from '../model/anynet.ts';
import type { BackendName } from '../core/types.ts';
import { initBackend } from './backend.ts';
import { wasmHeapBytes } from './heap.ts';
import { SPEED_DEFAULTS, type SpeedOptions } from './options.ts';
import { sgd } from './sgd.ts';
import { trainStep } from './train-step.ts';

/** One measurement. */
export interface SpeedResult {
  backend: BackendName;
  resolution: number;
  batch: number;
  /** batch / mean wall time of a step. */
  imagesPerSecond: number;
  /** Mean wall time of a step, ms (as the PyTorch reference reports it). */
  msPerStep: number;
  /** Fastest step, wall ms. */
  minMsPerStep: number;
  /** Mean CPU time of the process per step, ms: steadier than wall time on a shared machine. */
  cpuMsPerStep: number;
  /** TF.js kernel calls in one step. */
  kernelCalls: number;
  /** The wasm heap's size after the run, bytes (it never shrinks, so this is the peak); null on other backends. */
  wasmHeapBytes: number | null;
}

function positiveInteger(option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new NetspaceError(messages.option.positiveInteger(option, value));
}

/** Deterministic inputs in [-1, 1) and labels, so that runs compare. */
function randomBatch(batch: number, resolution: number, channels: number, classes: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = new Float32Array(batch * resolution * resolution * channels);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    pixels[i] = s / 2 ** 31 - 1;
  }
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % classes);
  return { x: tf.tensor4d(pixels, [batch, resolution, resolution, channels]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes) as tf.Tensor2D };
}

/**
 * Trains `options.model` with plain SGD on one fixed random batch and times the steps. Validates the options first
 * (a NetspaceError names the option). Runs in the calling thread: start a fresh process per measurement for a clean
 * heap.
 */
export async function measureTrainingSpeed(input: Partial<SpeedOptions> = {}): Promise<SpeedResult> {
  const options = { ...SPEED_DEFAULTS, ...input };
  positiveInteger('--resolution', options.resolution);
  positiveInteger('--batch', options.batch);
  positiveInteger('--steps', options.steps);
  if (!Number.isInteger(options.warmup) || options.warmup < 0) throw new NetspaceError(messages.option.nonNegativeInteger('warmup', options.warmup));
  if (options.microBatch !== null) positiveInteger('--micro-batch', options.microBatch);
  const backend = await initBackend(options.backend);
  const model = buildAnyNet(options.model, { seed: 0 });
  const optimizer = sgd(0.05);
  const { x, y } = randomBatch(options.batch, options.resolution, options.model.inputChannels, options.model.numClasses);
  const step = () => trainStep(model, optimizer, x, y, { microBatch: options.microBatch });
  try {
    for (let i = 0; i < options.warmup; i++) step();
    const walls: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < options.steps; i++) {
      const start = performance.now();
      step();
      walls.push(performance.now() - start);
    }
    const used = process.cpuUsage(cpu);
    const profile = await tf.profile(() => {
      step();
    });
    const heap = backend === 'wasm' ? wasmHeapBytes() : null;
    const mean = walls.reduce((a, b) => a + b, 0) / walls.length;
    return {
      backend,
      resolution: options.resolution,
      batch: options.batch,
      imagesPerSecond: (options.batch * 1000) / mean,
      msPerStep: mean,
      minMsPerStep: Math.min(...walls),
      cpuMsPerStep: (used.user + used.system) / 1000 / options.steps,
      kernelCalls: profile.kernels.length,
      wasmHeapBytes: heap,
    };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
