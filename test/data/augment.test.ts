// Tests of src/data/augment.ts on the real Fashion-MNIST images: determinism by seed and epoch, shapes and ranges,
// crops that are shifts, flips that mirror, resized crops that follow torchvision's box rules.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_RECIPE, type AugmentationRecipe } from '../../src/core/recipe.ts';
import {
  augmentationRng,
  augments,
  checkAugmentation,
  DATASETS,
  fillAugmentedBatch,
  fillBatch,
  loadDataset,
  resizedCropBox,
  type Dataset,
} from '../../src/data/index.ts';
import { NetspaceError } from '../../src/errors.ts';

const NONE = DEFAULT_RECIPE.augmentation;
const CROP: AugmentationRecipe = { ...NONE, randomCrop: { padding: 4 } };
const FLIP: AugmentationRecipe = { ...NONE, horizontalFlip: true };
const RESIZED: AugmentationRecipe = { ...NONE, randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] } };
const ALL: readonly AugmentationRecipe[] = [CROP, FLIP, RESIZED, { ...CROP, horizontalFlip: true }, { ...RESIZED, horizontalFlip: true }];

const INDICES = Uint32Array.from({ length: 128 }, (_, i) => i * 37);

/** Image b of a batch of R x R images as rows. */
function image(x: Float32Array, b: number, r: number): number[][] {
  return Array.from({ length: r }, (_, row) => Array.from(x.subarray(b * r * r + row * r, b * r * r + (row + 1) * r)));
}

/** Whether got[row][col] = source[row + dy][col + dx] everywhere, with zeros where that is outside the image. */
function isShift(source: number[][], got: number[][], dy: number, dx: number): boolean {
  return got.every((line, row) => line.every((v, col) => v === (source[row + dy]?.[col + dx] ?? 0)));
}

describe('data/augment', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('fashion-mnist', { download: false });
  });

  it('draws the same pixels for the same seed and epoch, other pixels for another epoch or seed', () => {
    for (const augmentation of ALL) {
      const fill = (seed: number, epoch: number) => Array.from(fillAugmentedBatch(data.train, INDICES, 28, augmentation, augmentationRng(seed, epoch)).x);
      const a = fill(7, 3);
      assert.deepEqual(fill(7, 3), a, 'same seed and epoch');
      assert.notDeepEqual(fill(7, 4), a, 'next epoch');
      assert.notDeepEqual(fill(8, 3), a, 'another seed');
    }
    // Epoch 3's stream does not depend on epochs 1 and 2 having been drawn: a resumed run sees the same pixels.
    const rng = augmentationRng(7, 1);
    fillAugmentedBatch(data.train, INDICES, 28, CROP, rng);
    const afterEpochOne = fillAugmentedBatch(data.train, INDICES, 28, CROP, augmentationRng(7, 3)).x.slice();
    assert.deepEqual(afterEpochOne, fillAugmentedBatch(data.train, INDICES, 28, CROP, augmentationRng(7, 3)).x);
  });

  it('keeps shapes, labels and the [0, 1] range at 28 and at a resized 40 px, writing into reused buffers', () => {
    for (const r of [28, 40]) {
      const plain = fillBatch(data.train, INDICES, r);
      const out = { x: new Float32Array(200 * r * r), y: new Int32Array(200) };
      for (const augmentation of ALL) {
        const batch = fillAugmentedBatch(data.train, INDICES, r, augmentation, augmentationRng(1, 1), out);
        assert.equal(batch.size, INDICES.length);
        assert.equal(batch.x.length, INDICES.length * r * r);
        assert.deepEqual(batch.y, plain.y);
        assert.ok(batch.x.every((v) => v >= 0 && v <= 1), 'pixels in [0, 1]');
        assert.notDeepEqual(batch.x, plain.x, 'something changed');
      }
    }
    assert.deepEqual(fillAugmentedBatch(data.train, INDICES, 28, NONE, augmentationRng(1, 1)).x, fillBatch(data.train, INDICES, 28).x);
    assert.equal(augments(NONE), false);
    assert.ok(ALL.every(augments));
  });

  it('crops as a shift by up to the padding with zeros moved in, in many different shifts', () => {
    const plain = fillBatch(data.train, INDICES, 28).x;
    const cropped = fillAugmentedBatch(data.train, INDICES, 28, CROP, augmentationRng(2, 1)).x;
    const seen = new Set<string>();
    for (let b = 0; b < INDICES.length; b++) {
      const want = image(cropped, b, 28);
      const source = image(plain, b, 28);
      const shifts = [];
      for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) if (isShift(source, want, dy, dx)) shifts.push(`${dy},${dx}`);
      assert.ok(shifts.length > 0, `image ${b} is no shift of its source by at most 4 pixels`);
      seen.add(shifts[0]!);
    }
    assert.ok(seen.size > 30, `only ${seen.size} of the 81 shifts in 128 images`);
  });

  it('flips by mirroring left to right, about half of the images', () => {
    const plain = fillBatch(data.train, INDICES, 28).x;
    const flipped = fillAugmentedBatch(data.train, INDICES, 28, FLIP, augmentationRng(3, 1)).x;
    let mirrored = 0;
    for (let b = 0; b < INDICES.length; b++) {
      const got = image(flipped, b, 28);
      const source = image(plain, b, 28);
      const mirror = source.map((row) => [...row].reverse());
      assert.notDeepEqual(mirror, source, `image ${b} is symmetric: the test needs asymmetric images`);
      if (JSON.stringify(got) === JSON.stringify(mirror)) mirrored++;
      else assert.deepEqual(got, source, `image ${b} is neither itself nor its mirror`);
      for (let row = 0; row < 28; row++) for (let col = 0; col < 28; col++) {
        if (got[row]![col] !== source[row]![col]) assert.equal(got[row]![col], source[row]![27 - col]);
      }
    }
    assert.ok(mirrored > 40 && mirrored < 88, `${mirrored} of 128 mirrored`);
  });

  it("resizes torchvision's random boxes: the whole image at scale 1 and ratio 1, boxes inside the image and the scale", () => {
    const whole: AugmentationRecipe = { ...NONE, randomResizedCrop: { scale: [1, 1], ratio: [1, 1] } };
    for (const r of [28, 40]) {
      assert.deepEqual(fillAugmentedBatch(data.train, INDICES, r, whole, augmentationRng(4, 1)).x, fillBatch(data.train, INDICES, r).x);
    }
    const rng = augmentationRng(5, 1);
    const crop = RESIZED.randomResizedCrop!;
    for (let i = 0; i < 2000; i++) {
      const box = resizedCropBox(rng, 28, 28, crop);
      assert.ok(box.top >= 0 && box.left >= 0 && box.top + box.height <= 28 && box.left + box.width <= 28, JSON.stringify(box));
      const share = (box.height * box.width) / 784;
      // rounding w and h to whole pixels moves the area by up to about one row and one column
      assert.ok(share >= 0.08 - 2 * 28.5 / 784 && share <= 1, `share ${share}`);
      const ratio = box.width / box.height;
      assert.ok(ratio >= 0.5 && ratio <= 2, `ratio ${ratio}`);
    }
    // An impossible ratio falls back to the centred box with the ratio clamped: 28 wide, round(28 / 2) = 14 high.
    assert.deepEqual(resizedCropBox(rng, 28, 28, { scale: [1, 1], ratio: [2, 3] }), { top: 7, left: 0, height: 14, width: 28 });
  });

  it('refuses a flip for the digit datasets, where a mirror image changes the class, and allows it for Fashion-MNIST and CIFAR-10', () => {
    checkAugmentation(FLIP, DATASETS['fashion-mnist']);
    checkAugmentation(FLIP, DATASETS.cifar10);
    for (const digits of [DATASETS.mnist, DATASETS.kmnist]) {
      assert.throws(() => checkAugmentation(FLIP, digits), (e: unknown) => {
        assert.ok(e instanceof NetspaceError);
        assert.match(e.message, new RegExp(`^horizontalFlip is refused for ${digits.title}: a mirror image there can change its class`));
        return true;
      });
      checkAugmentation(CROP, digits);
    }
  });

  it('crops and flips colour images pixel by pixel, each pixel keeping its three channels in order', () => {
    // 40 random 8 x 8 RGB images, HWC, normalised to (v / 255 - 0.5) / 0.25 so that zeros moved in are visible.
    const rows = 8;
    const count = 40;
    const images = Uint8Array.from({ length: count * rows * rows * 3 }, (_, i) => (i * 7919 + 13) % 251);
    const split = { images, labels: new Uint8Array(count), count, rows, cols: rows, channels: 3, normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };
    const indices = Uint32Array.from({ length: count }, (_, i) => i);
    const plain = fillBatch(split, indices, rows).x;
    const pixel = (x: Float32Array, b: number, row: number, col: number) => Array.from(x.subarray(((b * rows + row) * rows + col) * 3, ((b * rows + row) * rows + col + 1) * 3));
    const flipped = fillAugmentedBatch(split, indices, rows, FLIP, augmentationRng(6, 1)).x;
    const cropped = fillAugmentedBatch(split, indices, rows, CROP, augmentationRng(6, 1)).x;
    let mirrored = 0;
    for (let b = 0; b < count; b++) {
      const same = flipped.subarray(b * 192, (b + 1) * 192).every((v, i) => v === plain[b * 192 + i]);
      if (!same) {
        mirrored++;
        for (let row = 0; row < rows; row++) for (let col = 0; col < rows; col++) assert.deepEqual(pixel(flipped, b, row, col), pixel(plain, b, row, rows - 1 - col));
      }
      let shifts = 0;
      for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) {
        let fits = true;
        for (let row = 0; row < rows && fits; row++) for (let col = 0; col < rows && fits; col++) {
          const [r, c] = [row + dy, col + dx];
          const want = r >= 0 && r < rows && c >= 0 && c < rows ? pixel(plain, b, r, c) : [0, 0, 0];
          fits = JSON.stringify(pixel(cropped, b, row, col)) === JSON.stringify(want);
        }
        if (fits) shifts++;
      }
      assert.ok(shifts > 0, `colour image ${b} is no shift of its source`);
    }
    assert.ok(mirrored > 8 && mirrored < 32, `${mirrored} of 40 mirrored`);
  });
});
