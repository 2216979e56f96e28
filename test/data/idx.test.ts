import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readIdxImages, readIdxLabels } from '../../src/data/index.ts';
import { exactNetspaceError, idxImages, idxLabels, makeTempDir, netspaceError, pixelValue, removeDir, writeIdx } from './fixtures.ts';

const dir = makeTempDir();
after(() => removeDir(dir));

const rejectsWith = (promise: Promise<unknown>, message: string): Promise<void> => assert.rejects(promise, exactNetspaceError(message));

describe('data/idx', () => {
  for (const gzip of [true, false]) {
    const how = gzip ? 'gzipped' : 'raw';

    it(`reads ${how} images byte for byte into shared memory`, async () => {
      const path = writeIdx(dir, `images-${how}`, idxImages(7, 4, 3), gzip);
      const images = await readIdxImages(path);
      assert.deepEqual([images.count, images.rows, images.cols], [7, 4, 3]);
      assert.ok(images.pixels.buffer instanceof SharedArrayBuffer);
      assert.equal(images.pixels.length, 7 * 4 * 3);
      for (let i = 0; i < 7; i++) {
        for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) assert.equal(images.pixels[i * 12 + r * 3 + c], pixelValue(i, r, c));
      }
    });

    it(`reads ${how} labels`, async () => {
      const path = writeIdx(dir, `labels-${how}`, idxLabels([3, 0, 9, 9, 1]), gzip);
      const labels = await readIdxLabels(path, 10);
      assert.equal(labels.count, 5);
      assert.ok(labels.labels.buffer instanceof SharedArrayBuffer);
      assert.deepEqual([...labels.labels], [3, 0, 9, 9, 1]);
    });

    it(`refuses a wrong magic number (${how})`, async () => {
      const labelsAsImages = writeIdx(dir, `magic-labels-${how}`, idxLabels([1, 2]), gzip);
      await rejectsWith(
        readIdxImages(labelsAsImages),
        `${labelsAsImages}: wrong magic number 0x00000801 (expected 0x00000803, IDX images of unsigned bytes)`,
      );
      const imagesAsLabels = writeIdx(dir, `magic-images-${how}`, idxImages(2, 2, 2), gzip);
      await rejectsWith(
        readIdxLabels(imagesAsLabels, 10),
        `${imagesAsLabels}: wrong magic number 0x00000803 (expected 0x00000801, IDX labels of unsigned bytes)`,
      );
    });

    it(`refuses truncated data (${how})`, async () => {
      const full = idxImages(3, 4, 4);
      const path = writeIdx(dir, `truncated-${how}`, full.subarray(0, full.length - 5), gzip);
      await rejectsWith(readIdxImages(path), `${path}: truncated: 43 data bytes after the header, but it announces 3 images of 4x4 (48 bytes)`);
      const labels = writeIdx(dir, `truncated-labels-${how}`, idxLabels([1, 2, 3]).subarray(0, 10), gzip);
      await rejectsWith(readIdxLabels(labels, 10), `${labels}: truncated: 2 data bytes after the header, but it announces 3 labels (3 bytes)`);
    });

    it(`refuses an extra byte (${how})`, async () => {
      const path = writeIdx(dir, `extra-${how}`, Buffer.concat([idxImages(3, 4, 4), Buffer.from([0])]), gzip);
      await rejectsWith(readIdxImages(path), `${path}: 1 extra byte after the 48 data bytes of 3 images of 4x4`);
    });

    it(`refuses label 10 (${how})`, async () => {
      const path = writeIdx(dir, `label10-${how}`, idxLabels([0, 9, 4, 10, 2]), gzip);
      await rejectsWith(readIdxLabels(path, 10), `${path}: label 10 at index 3 is out of range 0..9`);
      const five = writeIdx(dir, `label5-${how}`, idxLabels([0, 4, 5]), gzip);
      await rejectsWith(readIdxLabels(five, 5), `${five}: label 5 at index 2 is out of range 0..4`);
    });

    it(`refuses a header shorter than its fields (${how})`, async () => {
      const path = writeIdx(dir, `short-${how}`, idxImages(1, 1, 1).subarray(0, 10), gzip);
      await rejectsWith(readIdxImages(path), `${path}: holds 10 bytes, fewer than the 16-byte IDX header`);
    });

    it(`refuses a zero dimension (${how})`, async () => {
      const bytes = idxImages(2, 3, 3);
      bytes.writeUInt32BE(0, 8);
      const path = writeIdx(dir, `zero-rows-${how}`, bytes, gzip);
      await rejectsWith(readIdxImages(path), `${path}: header gives rows = 0, expected at least 1`);
    });
  }

  it('refuses a header announcing more data than it accepts, before allocating it', async () => {
    const bytes = idxImages(1, 1, 1);
    bytes.writeUInt32BE(100000, 4);
    bytes.writeUInt32BE(1000, 8);
    bytes.writeUInt32BE(1000, 12);
    const path = writeIdx(dir, 'huge', bytes, false);
    await rejectsWith(
      readIdxImages(path),
      `${path}: header announces 100000 images of 1000x1000 = 100000000000 data bytes, more than the 2147483647 this reader accepts`,
    );
  });

  it('refuses a missing file', async () => {
    const path = join(dir, 'no-such-file.gz');
    await rejectsWith(readIdxImages(path), `${path}: file not found`);
    await rejectsWith(readIdxLabels(path, 10), `${path}: file not found`);
  });

  it('refuses a folder given as a file', async () => {
    await assert.rejects(readIdxImages(dir), netspaceError(`${dir}: cannot be read (EISDIR`));
  });

  it('refuses a corrupt gzip stream', async () => {
    const gz = gzipSync(idxImages(20, 8, 8));
    for (let i = 20; i < 60; i++) gz[i] = 0xff;
    const path = join(dir, 'corrupt.gz');
    writeFileSync(path, gz);
    await assert.rejects(readIdxImages(path), netspaceError(`${path}: corrupt gzip stream (`));
  });

  it('refuses a gzip file cut short', async () => {
    const source = writeIdx(dir, 'gz-cut', idxImages(20, 8, 8), true);
    const gz = readFileSync(source);
    writeFileSync(source, gz.subarray(0, gz.length >> 1));
    await rejectsWith(readIdxImages(source), `${source}: the gzip stream ends early (the file is cut short)`);
  });

  it('refuses a .gz name on a file that is not gzipped', async () => {
    const path = join(dir, 'plain.gz');
    writeFileSync(path, idxImages(1, 2, 2));
    await rejectsWith(readIdxImages(path), `${path}: is named .gz but is not a gzip file (it starts with bytes 00 00, a gzip file with 1f 8b)`);
  });

  it('refuses an empty file as too short for a header', async () => {
    const path = join(dir, 'empty.gz');
    writeFileSync(path, '');
    await rejectsWith(readIdxLabels(path, 10), `${path}: holds 0 bytes, fewer than the 8-byte IDX header`);
  });

  it('reads gzip content under a raw name (told apart by content, not by name)', async () => {
    const path = join(dir, 'gzip-without-suffix');
    writeFileSync(path, gzipSync(idxLabels([5, 6])));
    assert.deepEqual([...(await readIdxLabels(path, 10)).labels], [5, 6]);
  });
});
