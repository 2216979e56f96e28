// What can be told about a sweep's runs before any is marked: settings that exceed the data, passes in which batch
// norm would see one value per channel, steps too large for the wasm heap. Each is a user mistake, not a failed run.
import type { AnyNetConfig, TrainSettings } from '../core/types.ts';
import { WASM_HEAP_LIMIT_BYTES } from '../engine/heap.ts';
import { messages } from '../messages.ts';
import { complexity } from '../space/complexity.ts';
import { checkSettingsForData, settingError, type DataLimits, type SettingsOrigin } from '../train/settings.ts';

/**
 * Wasm heap bytes a training pass takes per activation (space/complexity.ts acts) and image: the outputs of every
 * convolution, batch norm and ReLU kept for the backward pass, their gradients and the kernels' padded copies.
 * Measured: RegNet32 at 96x96 with batch 128 (622,090 acts per image) peaks at 2.35 GiB, 31.7 bytes per act and image.
 */
const HEAP_BYTES_PER_ACT = 32;
/** A plan is refused only when its estimate passes the heap by this much: near the limit the run itself tells. */
const HEAP_MARGIN = 1.2;

/** One run of the plan, as far as the checks need it. */
export interface PlannedRun {
  space: string;
  config: AnyNetConfig;
  settings: TrainSettings;
}

/** Image counts of the passes an epoch makes: whole batches, the last batch, and their micro-batches. */
export function passSizes(trainImages: number, settings: TrainSettings): number[] {
  const batches = [Math.min(settings.batchSize, trainImages), trainImages % settings.batchSize].filter((b) => b > 0);
  const micro = settings.microBatch ?? null;
  const sizes = batches.flatMap((b) => (micro === null || micro >= b ? [b] : [micro, b % micro].filter((m) => m > 0)));
  return [...new Set(sizes)];
}

/**
 * The first batch-norm layer of `config` that normalises a 1x1 feature map at `resolution` (a single value per
 * channel and image), with that side, or null. Sides follow the convolutions' (h - 1) // stride + 1.
 */
export function firstOneByOneNorm(config: AnyNetConfig, resolution: number): { layer: string; side: number } | null {
  const half = (side: number): number => Math.floor((side - 1) / 2) + 1;
  let side = half(resolution);
  if (side === 1) return { layer: 'stem.bn', side };
  // A side of 1 is reached at a stage's strided 3x3 conv, whose output bn2 normalises (bn1 sees the side before).
  for (let s = 0; s < config.stages.length; s++) {
    side = half(side);
    if (side === 1) return { layer: `stage${s + 1}.block0.bn2`, side };
  }
  return null;
}

/** Estimated peak wasm heap of one training pass of `images` images, bytes. */
export function heapEstimate(config: AnyNetConfig, resolution: number, images: number): number {
  const cx = complexity(config, resolution);
  // Weights, their gradients and the update's temporaries besides the activations.
  return cx.acts * images * HEAP_BYTES_PER_ACT + cx.params * 4 * 4;
}

/**
 * Refuses, with a NetspaceError naming the setting as `origin` spells it, a plan that cannot train: a subset larger
 * than its split, a pass in which some batch norm would see one value per channel (PyTorch refuses those), or, when
 * the runs go to the wasm backend (`wasmHeap`), a pass whose estimated heap is well above the 4 GB wasm heap.
 */
export function checkPlan(runs: readonly PlannedRun[], data: DataLimits, origin: SettingsOrigin, wasmHeap: boolean): void {
  const seen = new Set<string>();
  for (const run of runs) {
    const { settings } = run;
    checkSettingsForData(settings, data, origin);
    const key = `${JSON.stringify(run.config)}|${JSON.stringify(settings)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const trainImages = settings.trainSize ?? data.trainImages;
    const sizes = passSizes(trainImages, settings);
    const norm = firstOneByOneNorm(run.config, settings.resolution);
    const smallest = Math.min(...sizes);
    if (norm !== null && smallest === 1) {
      const setting = settings.microBatch != null && settings.microBatch < settings.batchSize ? 'microBatch' : 'trainSize';
      settingError(setting, origin, messages.train.lastBatchOfOne(`${run.space}'s ${norm.layer}`, norm.side, trainImages, settings.batchSize, 1));
    }
  }
  if (wasmHeap) checkHeap(runs, origin);
}

function checkHeap(runs: readonly PlannedRun[], origin: SettingsOrigin): void {
  const over = runs
    .map((run) => {
      const pass = Math.min(run.settings.microBatch ?? run.settings.batchSize, run.settings.batchSize);
      return { run, pass, bytes: heapEstimate(run.config, run.settings.resolution, pass) };
    })
    .filter((r) => r.bytes > HEAP_MARGIN * WASM_HEAP_LIMIT_BYTES)
    .sort((a, b) => b.bytes - a.bytes);
  const worst = over[0];
  if (worst === undefined) return;
  const perImage = heapEstimate(worst.run.config, worst.run.settings.resolution, 1);
  const fits = Math.max(1, Math.floor(WASM_HEAP_LIMIT_BYTES / perImage));
  const setting = worst.run.settings.microBatch != null ? 'microBatch' : 'batchSize';
  const label = `${worst.run.space} at ${worst.run.settings.resolution}x${worst.run.settings.resolution}, ${worst.pass} images per pass`;
  settingError(setting, origin, messages.train.heapTooSmall(over.length, label, worst.bytes / 2 ** 30, WASM_HEAP_LIMIT_BYTES / 2 ** 30, fits));
}
