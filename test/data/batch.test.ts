import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NetspaceError } from '../../src/errors.ts';
import { DATASETS, fillBatch, type Normalization, type Split } from '../../src/data/index.ts';

/** A one-channel split on a SharedArrayBuffer, as loadDataset makes Fashion-MNIST's (not normalised). */
function split(rows: number, cols: number, images: number[][], labels: number[]): Split {
  return colourSplit(rows, cols, 1, images, labels, DATASETS['fashion-mnist'].normalization);
}

/** A split of `channels`-channel images, each given HWC (channels interleaved), with `normalization`. */
function colourSplit(rows: number, cols: number, channels: number, images: number[][], labels: number[], normalization: Normalization): Split {
  const size = rows * cols * channels;
  const pixels = new Uint8Array(new SharedArrayBuffer(images.length * size));
  images.forEach((image, i) => pixels.set(image, i * size));
  return { images: pixels, labels: Uint8Array.from(labels), count: images.length, rows, cols, channels, normalization };
}

/** HWC bytes from one row-major plane per channel. */
const interleave = (planes: number[][]): number[] => planes[0]!.flatMap((_, p) => planes.map((plane) => plane[p]!));

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `value ${i}: ${actual[i]} where ${expected[i]} was expected`);
  }
}

const indices = (...values: number[]): Uint32Array => Uint32Array.from(values);

describe('data/batch', () => {
  it('upsamples 2x2 to 4x4 as align_corners=False bilinear does (hand-computed)', () => {
    // Output pixel d samples source (d + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last pixel).
    const batch = fillBatch(split(2, 2, [[0, 255, 255, 0]], [7]), indices(0), 4);
    assertClose(batch.x, [
      [0, 0.25, 0.75, 1],
      [0.25, 0.375, 0.625, 0.75],
      [0.75, 0.625, 0.375, 0.25],
      [1, 0.75, 0.25, 0],
    ].flat());
    assert.deepEqual([...batch.y], [7]);
    assert.equal(batch.size, 1);
  });

  it('downsamples 3x3 to 2x2 without antialiasing (hand-computed)', () => {
    // Pixel value 30 * col + 90 * row; samples at (d + 0.5) * 1.5 - 0.5 = 0.25 and 1.75 reproduce the plane exactly.
    const image = [0, 30, 60, 90, 120, 150, 180, 210, 240];
    const batch = fillBatch(split(3, 3, [image], [0]), indices(0), 2);
    assertClose(batch.x, [30, 75, 165, 210].map((v) => v / 255));
  });

  it('clamps at both edges for a non-integer ratio (2 -> 3 columns, hand-computed)', () => {
    // Columns sample -1/6 (clamped to 0), 0.5 and 7/6 (the last pixel alone); rows likewise.
    const batch = fillBatch(split(2, 2, [[0, 255, 0, 255]], [1]), indices(0), 3);
    assertClose(batch.x, [0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1]);
  });

  it('leaves the native size unresized: exactly float32(v / 255), as torch gives X.float() / 255', () => {
    const image = Array.from({ length: 16 }, (_, i) => i * 17);
    const batch = fillBatch(split(4, 4, [image], [2]), indices(0), 4);
    assert.deepEqual([...batch.x], image.map((v) => Math.fround(v / 255)));
    assert.equal(batch.x[15], 1);
  });

  it('lays images out NHWC in the order of the indices, labels alongside', () => {
    const s = split(2, 2, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], [4, 5, 6]);
    const batch = fillBatch(s, indices(2, 0, 2), 2);
    assert.deepEqual([...batch.x], [9, 10, 11, 12, 1, 2, 3, 4, 9, 10, 11, 12].map((v) => Math.fround(v / 255)));
    assert.deepEqual([...batch.y], [6, 4, 6]);
    assert.equal(batch.size, 3);
  });

  it('fills the caller’s buffers and returns views of exactly the batch', () => {
    const s = split(2, 2, [[0, 255, 255, 0], [255, 255, 255, 255]], [3, 8]);
    const out = { x: new Float32Array(4 * 9), y: new Int32Array(4) };
    const full = fillBatch(s, indices(0, 1, 1, 0), 3, out);
    assert.equal(full.x, out.x);
    assert.equal(full.y, out.y);
    const last = fillBatch(s, indices(1), 3, out);
    assert.equal(last.x.buffer, out.x.buffer);
    assert.equal(last.x.length, 9);
    assert.equal(last.y.length, 1);
    assertClose(last.x, new Array(9).fill(1));
    assert.deepEqual([...last.y], [8]);
  });

  it('refuses a bad resolution, an index outside the split and buffers too small', () => {
    const s = split(2, 2, [[0, 0, 0, 0]], [0]);
    for (const resolution of [0, 2.5, 5000, Number.NaN]) {
      assert.throws(
        () => fillBatch(s, indices(0), resolution),
        (error: unknown) => error instanceof NetspaceError && error.message === `resolution must be an integer from 1 to 4096 (pixels), got ${resolution}`,
      );
    }
    assert.throws(() => fillBatch(s, indices(1), 2), /index 1 is outside the split's 1 images/);
    assert.throws(() => fillBatch(s, indices(0, 0), 2, { x: new Float32Array(4), y: new Int32Array(2) }), /out\.x holds 4 values, the batch needs 8/);
  });

  it('keeps Fashion-MNIST exactly float32(v / 255) at every byte value: its normalisation is none', () => {
    const all = Array.from({ length: 256 }, (_, v) => v);
    const batch = fillBatch(split(16, 16, [all], [0]), indices(0), 16);
    assert.deepEqual([...batch.x], all.map((v) => Math.fround(v / 255)));
  });

  it('normalises CIFAR-10 as pycls does on the 0..255 scale: (v - 125.3) / 63.0 for red (hand-computed)', () => {
    const batch = fillBatch(colourSplit(1, 1, 3, [[0, 128, 255], [255, 0, 51]], [3, 5], DATASETS.cifar10.normalization), indices(0, 1), 1);
    // pycls/datasets/cifar10.py: _MEAN = [125.3, 123.0, 113.9], _SD = [63.0, 62.1, 66.7].
    assertClose(batch.x, [-125.3 / 63.0, 5 / 62.1, 141.1 / 66.7, 129.7 / 63.0, -123.0 / 62.1, -62.9 / 66.7], 2e-6);
    assert.deepEqual([...batch.y], [3, 5]);
  });

  it('fills [size, R, R, 3] NHWC with each channel normalised at its native size', () => {
    const normalization = { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };
    const image = interleave([
      [0, 255, 51, 102],
      [255, 0, 204, 153],
      [10, 20, 30, 40],
    ]);
    const batch = fillBatch(colourSplit(2, 2, 3, [image, image.map((v) => 255 - v)], [4, 9], normalization), indices(1, 0), 2);
    const f = Math.fround;
    const expected = (v: number, c: number): number => f(f(f(v / 255) - f(normalization.mean[c]!)) / f(normalization.std[c]!));
    const second = image.map((v) => 255 - v);
    assert.deepEqual([...batch.x], [...second.map((v, i) => expected(v, i % 3)), ...image.map((v, i) => expected(v, i % 3))]);
    assert.deepEqual([...batch.y], [9, 4]);
    // Hand-computed spot values: red 0 -> (0 - 0.5) / 0.5 = -1; green 0 -> -1; blue 30 -> (30/255) / 2.
    assert.equal(batch.x[12], -1);
    assert.equal(batch.x[12 + 4], -1);
    assert.ok(Math.abs(batch.x[12 + 2 * 3 + 2]! - 30 / 255 / 2) < 1e-7);
  });

  it('resizes each of 3 channels on its own, then interleaves them (2x2 -> 4x4, hand-computed)', () => {
    // Red holds the pattern of the one-channel test above, green its mirror, blue a constant; mean 0 and std 1 for
    // red and green, blue normalised to (200/255 - 0.5) / 0.25 everywhere (a constant stays constant when resized).
    const normalization = { mean: [0, 0, 0.5], std: [1, 1, 0.25] };
    const image = interleave([
      [0, 255, 255, 0],
      [255, 0, 0, 255],
      [200, 200, 200, 200],
    ]);
    const batch = fillBatch(colourSplit(2, 2, 3, [image], [2], normalization), indices(0), 4);
    const red = [
      [0, 0.25, 0.75, 1],
      [0.25, 0.375, 0.625, 0.75],
      [0.75, 0.625, 0.375, 0.25],
      [1, 0.75, 0.25, 0],
    ].flat();
    const green = red.map((v) => 1 - v);
    const blue = Math.fround(Math.fround(Math.fround(200 / 255) - 0.5) / 0.25);
    assertClose(batch.x, red.flatMap((r, p) => [r, green[p]!, blue]));
    assert.equal(batch.x.length, 4 * 4 * 3);
  });

  it('downsamples a 3-channel image with normalisation (3x3 -> 2x2, hand-computed)', () => {
    // Each plane is linear in (row, col), so bilinear samples at 0.25 and 1.75 give the plane's values there.
    const plane = (a: number, b: number, c: number): number[] => [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => a + b * row + c * col));
    const normalization = { mean: [0.1, 0.2, 0.3], std: [0.5, 0.4, 0.2] };
    const planes = [plane(0, 90, 30), plane(240, -90, -30), plane(100, 10, 20)];
    const batch = fillBatch(colourSplit(3, 3, 3, [interleave(planes)], [0], normalization), indices(0), 2);
    const at = (a: number, b: number, c: number, row: number, col: number): number => a + b * row + c * col;
    const coefficients = [[0, 90, 30], [240, -90, -30], [100, 10, 20]] as const;
    const expected: number[] = [];
    for (const row of [0.25, 1.75]) {
      for (const col of [0.25, 1.75]) {
        coefficients.forEach(([a, b, c], ch) => expected.push((at(a, b, c, row, col) / 255 - normalization.mean[ch]!) / normalization.std[ch]!));
      }
    }
    assertClose(batch.x, expected, 1e-6);
  });

  it('refuses a split whose normalisation does not give one mean and std per channel', () => {
    const s = colourSplit(1, 1, 3, [[1, 2, 3]], [0], { mean: [0], std: [1] });
    assert.throws(() => fillBatch(s, indices(0), 1), /the split has 3 channel\(s\) but its normalisation gives 1 mean\(s\) and 1 std\(s\)/);
  });
});

/** Runs `script` with Debian's python3 (python3-torch) on `input` as JSON, or says why it cannot. */
function torch(script: string[], input: unknown): { result: number[][] } | { missing: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { missing: `${python} missing` };
  const run = spawnSync(python, ['-c', script.join('\n')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) return { missing: run.stderr.trim().split('\n').pop() ?? `exit ${run.status}` };
  return { result: JSON.parse(run.stdout) as number[][] };
}

describe('data/batch against torch (needs python3-torch)', () => {
  it('matches torch F.interpolate(bilinear, align_corners=False) to one float32 step', (t) => {
    const image = Array.from({ length: 28 * 28 }, (_, i) => (i * 7919 + ((i * i) % 101)) % 256);
    const sizes = [96, 56, 40, 13, 28];
    const run = torch(
      [
        'import json, sys, torch',
        'from torch.nn import functional as F',
        'q = json.load(sys.stdin)',
        'x = torch.tensor(q["image"], dtype=torch.uint8).reshape(1, 1, 28, 28).float() / 255',
        'print(json.dumps([F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False).flatten().tolist() for s in q["sizes"]]))',
      ],
      { image, sizes },
    );
    if ('missing' in run) {
      t.skip(`torch is not available: ${run.missing}`);
      return;
    }
    const s = split(28, 28, [image], [0]);
    // Torch's weights are reproduced bit for bit; its float partial sums may round the result one float32 step away.
    sizes.forEach((size, k) => assertClose(fillBatch(s, indices(0), size).x, run.result[k]!, 2 ** -24));
  });

  it('matches Normalize then F.interpolate on a CIFAR-10-shaped image, NCHW permuted to NHWC; exactly at 32x32', (t) => {
    const image = Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7919 + ((i * i) % 101)) % 256);
    const sizes = [64, 48, 24, 13, 32];
    const { mean, std } = DATASETS.cifar10.normalization;
    const run = torch(
      [
        'import json, sys, torch',
        'from torch.nn import functional as F',
        'q = json.load(sys.stdin)',
        'x = torch.tensor(q["image"], dtype=torch.uint8).reshape(1, 32, 32, 3).permute(0, 3, 1, 2).float() / 255',
        // torchvision's F.normalize: tensor.sub_(mean).div_(std) with float32 mean and std of shape (C, 1, 1).
        'x = x.sub(torch.tensor(q["mean"]).view(1, 3, 1, 1)).div(torch.tensor(q["std"]).view(1, 3, 1, 1))',
        'out = lambda s: x if s == 32 else F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False)',
        'print(json.dumps([out(s).permute(0, 2, 3, 1).flatten().tolist() for s in q["sizes"]]))',
      ],
      { image, sizes, mean, std },
    );
    if ('missing' in run) {
      t.skip(`torch is not available: ${run.missing}`);
      return;
    }
    const s = colourSplit(32, 32, 3, [image], [0], DATASETS.cifar10.normalization);
    // Normalised values reach about 2.1 in magnitude, where one float32 step is 2^-22.
    sizes.forEach((size, k) => assertClose(fillBatch(s, indices(0), size).x, run.result[k]!, size === 32 ? 0 : 2 ** -22));
  });
});
