import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NetspaceError } from '../../src/errors.ts';
import { fillBatch, type Split } from '../../src/data/index.ts';

/** A split on a SharedArrayBuffer, as loadFashionMnist makes them. */
function split(rows: number, cols: number, images: number[][], labels: number[]): Split {
  const pixels = new Uint8Array(new SharedArrayBuffer(images.length * rows * cols));
  images.forEach((image, i) => pixels.set(image, i * rows * cols));
  return { images: pixels, labels: Uint8Array.from(labels), count: images.length, rows, cols };
}

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

  it('matches torch F.interpolate(bilinear, align_corners=False) to one float32 step (needs python3-torch)', (t) => {
    const python = '/usr/bin/python3';
    const image = Array.from({ length: 28 * 28 }, (_, i) => (i * 7919 + ((i * i) % 101)) % 256);
    const sizes = [96, 56, 40, 13, 28];
    const script = [
      'import json, sys, torch',
      'from torch.nn import functional as F',
      'q = json.load(sys.stdin)',
      'x = torch.tensor(q["image"], dtype=torch.uint8).reshape(1, 1, 28, 28).float() / 255',
      'print(json.dumps([F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False).flatten().tolist() for s in q["sizes"]]))',
    ].join('\n');
    const run = existsSync(python) ? spawnSync(python, ['-c', script], { input: JSON.stringify({ image, sizes }), encoding: 'utf8', maxBuffer: 1 << 26 }) : null;
    if (run === null || run.status !== 0) {
      t.skip(`torch is not available: ${run === null ? `${python} missing` : run.stderr.trim().split('\n').pop()}`);
      return;
    }
    const expected = JSON.parse(run.stdout) as number[][];
    const s = split(28, 28, [image], [0]);
    // Torch's weights are reproduced bit for bit; its float partial sums may round the result one float32 step away.
    sizes.forEach((size, k) => assertClose(fillBatch(s, indices(0), size).x, expected[k]!, 2 ** -24));
  });
});
