// Training-image augmentation (random crop with padding, horizontal flip, random resized crop), drawn per image from
// a stream that depends only on (run seed, epoch), like the shuffle: a resumed run sees the same pixels.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { AugmentationRecipe, RandomResizedCropRecipe } from '../core/recipe.ts';
import { purposeRng, type RandomGenerator } from '../core/random.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { fillBatch, resizeBoxInto, type Batch, type Box } from './batch.ts';
import type { DatasetSpec } from './datasets.ts';
import type { Split } from './decode.ts';

/** Whether `augmentation` changes any pixel (else training batches are fillBatch's). */
export function augments(augmentation: AugmentationRecipe): boolean {
  return augmentation.randomCrop !== null || augmentation.horizontalFlip || augmentation.randomResizedCrop !== null;
}

/**
 * Throws a NetspaceError when `augmentation` would change the class of `dataset`'s images: a flip on a dataset whose
 * mirror images are other classes or none (digits: a mirrored 3 is no 3; DatasetSpec.flipKeepsClass).
 */
export function checkAugmentation(augmentation: AugmentationRecipe, dataset: Pick<DatasetSpec, 'title' | 'flipKeepsClass'>): void {
  if (augmentation.horizontalFlip && !dataset.flipKeepsClass) throw new NetspaceError(messages.recipe.flipChangesClass(dataset.title));
}

/**
 * The augmentation stream of epoch `epoch` of the run seeded `seed` (core/random.ts purposeRng): it depends on
 * nothing else, so epoch k draws the same transforms whether or not the run stopped before it.
 */
export function augmentationRng(seed: number, epoch: number): RandomGenerator {
  return purposeRng(seed, `augmentation/epoch-${epoch}`);
}

/**
 * torchvision's RandomResizedCrop.get_params on a rows x cols image: up to 10 draws of an area share in `scale` and a
 * log-uniform aspect ratio in `ratio` (w = round(sqrt(area * ratio)), h = round(sqrt(area / ratio))) until the box
 * fits, at a uniform position; else the centred box of the largest area whose ratio is clamped into `ratio`.
 */
export function resizedCropBox(rng: RandomGenerator, rows: number, cols: number, crop: RandomResizedCropRecipe): Box {
  const area = rows * cols;
  const [logLow, logHigh] = [Math.log(crop.ratio[0]), Math.log(crop.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (crop.scale[0] + (crop.scale[1] - crop.scale[0]) * uniformFloat64(rng));
    const aspect = Math.exp(logLow + (logHigh - logLow) * uniformFloat64(rng));
    const width = Math.round(Math.sqrt(target * aspect));
    const height = Math.round(Math.sqrt(target / aspect));
    if (width > 0 && width <= cols && height > 0 && height <= rows) {
      const top = uniformInt(rng, 0, rows - height);
      return { top, left: uniformInt(rng, 0, cols - width), height, width };
    }
  }
  const ratio = cols / rows;
  const width = ratio < crop.ratio[0] ? cols : ratio > crop.ratio[1] ? Math.round(rows * crop.ratio[1]) : cols;
  const height = ratio < crop.ratio[0] ? Math.round(cols / crop.ratio[0]) : rows;
  return { top: Math.floor((rows - height) / 2), left: Math.floor((cols - width) / 2), height, width };
}

/**
 * RandomCrop(R, padding=p) on one R x R x C image (HWC) at x[dst]: the image shifted by (i - p, j - p) for i, j
 * uniform in [0, 2p] (rows first, as torchvision draws them), zeros where it moved in from outside. The zeros are
 * network inputs, after normalisation, as pycls pads (pycls/datasets/cifar10.py: color_norm, then random_crop with
 * zero padding); on Fashion-MNIST, which is not normalised, they are black pixels as torchvision's pad gives them.
 */
function randomCrop(x: Float32Array, dst: number, r: number, c: number, padding: number, rng: RandomGenerator, scratch: Float32Array): void {
  const dy = uniformInt(rng, 0, 2 * padding) - padding;
  const dx = uniformInt(rng, 0, 2 * padding) - padding;
  if (dy === 0 && dx === 0) return;
  const line = r * c;
  scratch.set(x.subarray(dst, dst + r * line));
  const from = Math.max(0, -dx) * c;
  const to = Math.min(r, r - dx) * c;
  for (let row = 0; row < r; row++) {
    const start = dst + row * line;
    const source = row + dy;
    if (source < 0 || source >= r || from >= to) {
      x.fill(0, start, start + line);
      continue;
    }
    x.fill(0, start, start + from);
    x.set(scratch.subarray(source * line + from + dx * c, source * line + to + dx * c), start + from);
    x.fill(0, start + to, start + line);
  }
}

/** Mirrors one R x R x C image (HWC) at x[dst] left to right, pixels keeping their channel order. */
function flip(x: Float32Array, dst: number, r: number, c: number): void {
  if (c === 1) {
    for (let row = 0; row < r; row++) x.subarray(dst + row * r, dst + (row + 1) * r).reverse();
    return;
  }
  for (let row = 0; row < r; row++) {
    const start = dst + row * r * c;
    for (let left = 0, right = r - 1; left < right; left++, right--) {
      for (let ch = 0; ch < c; ch++) {
        const a = start + left * c + ch;
        const b = start + right * c + ch;
        const t = x[a]!;
        x[a] = x[b]!;
        x[b] = t;
      }
    }
  }
}

/**
 * A training batch as fillBatch makes it, then augmented image by image in batch order with draws from `rng`
 * (augmentationRng of the run and epoch): the random resized crop (replacing the resized image) or the random crop,
 * then the flip with probability 1/2. Values stay within the batch's range and 0; labels are unchanged.
 */
export function fillAugmentedBatch(
  split: Split,
  indices: Uint32Array,
  resolution: number,
  augmentation: AugmentationRecipe,
  rng: RandomGenerator,
  out?: { x: Float32Array; y: Int32Array },
): Batch {
  const batch = fillBatch(split, indices, resolution, out);
  const channels = split.channels;
  const area = resolution * resolution * channels;
  const scratch = new Float32Array(area);
  const { randomCrop: crop, randomResizedCrop: resized, horizontalFlip } = augmentation;
  for (let b = 0; b < batch.size; b++) {
    const dst = b * area;
    if (resized !== null) resizeBoxInto(split, indices[b]!, resizedCropBox(rng, split.rows, split.cols, resized), resolution, batch.x, dst);
    else if (crop !== null && crop.padding > 0) randomCrop(batch.x, dst, resolution, channels, crop.padding, rng, scratch);
    if (horizontalFlip && uniformInt(rng, 0, 1) === 1) flip(batch.x, dst, resolution, channels);
  }
  return batch;
}
