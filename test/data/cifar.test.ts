import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCifarBatch, type RecordLayout } from '../../src/data/index.ts';
import { cifarBatch, cifarLabel, cifarValue, exactNetspaceError, makeTempDir, removeDir } from './fixtures.ts';

const dir = makeTempDir();
after(() => removeDir(dir));

const layout = (records: number): RecordLayout => ({ channels: 3, height: 32, width: 32, classes: 10, records, title: 'CIFAR-10' });

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const rejectsWith = (promise: Promise<unknown>, message: string): Promise<void> => assert.rejects(promise, exactNetspaceError(message));

describe('data/cifar', () => {
  it('decodes labels and turns the red, green and blue planes into interleaved HWC pixels, in shared memory', async () => {
    const path = write('batch.bin', cifarBatch(7, 20));
    const batch = await readCifarBatch(path, layout(7));
    assert.equal(batch.count, 7);
    assert.ok(batch.pixels.buffer instanceof SharedArrayBuffer);
    assert.ok(batch.labels.buffer instanceof SharedArrayBuffer);
    assert.deepEqual([...batch.labels], [0, 1, 2, 3, 4, 5, 6].map((i) => cifarLabel(20, i)));
    assert.equal(batch.pixels.length, 7 * 32 * 32 * 3);
    for (let i = 0; i < 7; i++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          for (let c = 0; c < 3; c++) {
            const got = batch.pixels[((i * 32 + row) * 32 + col) * 3 + c];
            if (got !== cifarValue(20 + i, c, row, col)) assert.fail(`image ${i} (${row}, ${col}) channel ${c}: ${got}, expected ${cifarValue(20 + i, c, row, col)}`);
          }
        }
      }
    }
  });

  it('puts byte 1 + c * 1024 + row * 32 + col of a record at (row, col, c) (one record, hand-placed bytes)', async () => {
    const record = Buffer.alloc(3073);
    record[0] = 9;
    record[1 + 0 * 1024 + 0] = 11; // red (0, 0)
    record[1 + 1 * 1024 + 0] = 22; // green (0, 0)
    record[1 + 2 * 1024 + 0] = 33; // blue (0, 0)
    record[1 + 0 * 1024 + 1 * 32 + 2] = 44; // red (1, 2)
    record[1 + 2 * 1024 + 31 * 32 + 31] = 55; // blue (31, 31)
    const batch = await readCifarBatch(write('one.bin', record), layout(1));
    assert.deepEqual([...batch.labels], [9]);
    assert.deepEqual([...batch.pixels.subarray(0, 3)], [11, 22, 33]);
    assert.equal(batch.pixels[(1 * 32 + 2) * 3 + 0], 44);
    assert.equal(batch.pixels[(31 * 32 + 31) * 3 + 2], 55);
    assert.equal(batch.pixels.reduce((sum, v) => sum + v, 0), 11 + 22 + 33 + 44 + 55);
  });

  it('refuses a batch cut inside a record', async () => {
    const path = write('cut.bin', cifarBatch(5).subarray(0, 3 * 3073 + 100));
    await rejectsWith(
      readCifarBatch(path, layout(5)),
      `${path}: truncated: its 9,319 bytes end inside record 4 of 5 (each 3,073 bytes: 1 label byte + 32x32x3 pixel bytes)`,
    );
  });

  it('refuses a batch with whole records but too few or too many of them', async () => {
    const fewer = write('fewer.bin', cifarBatch(4));
    await rejectsWith(readCifarBatch(fewer, layout(5)), `${fewer}: holds 4 records of 3,073 bytes, expected 5`);
    const more = write('more.bin', cifarBatch(6));
    await rejectsWith(readCifarBatch(more, layout(5)), `${more}: holds 6 records of 3,073 bytes, expected 5`);
    const empty = write('empty.bin', Buffer.alloc(0));
    await rejectsWith(readCifarBatch(empty, layout(5)), `${empty}: holds 0 records of 3,073 bytes, expected 5`);
  });

  it('refuses records of another size (CIFAR-100 has two label bytes per record)', async () => {
    const path = write('cifar100.bin', cifarBatch(5, 0, 3074));
    await rejectsWith(
      readCifarBatch(path, layout(5)),
      `${path}: its 15,370 bytes are not a whole number of 3,073-byte records (1 label byte + 32x32x3 pixel bytes); it is not a CIFAR-10 binary batch`,
    );
  });

  it('refuses a label outside 0..classes-1, naming the record', async () => {
    const bytes = cifarBatch(5);
    bytes[3 * 3073] = 10;
    const path = write('label.bin', bytes);
    await rejectsWith(readCifarBatch(path, layout(5)), `${path}: label 10 at index 3 is out of range 0..9`);
    bytes[3 * 3073] = 255;
    write('label.bin', bytes);
    await rejectsWith(readCifarBatch(path, layout(5)), `${path}: label 255 at index 3 is out of range 0..9`);
  });

  it('refuses a missing file and a folder', async () => {
    const missing = join(dir, 'nowhere.bin');
    await rejectsWith(readCifarBatch(missing, layout(5)), `${missing}: file not found`);
    const folder = join(dir, 'folder.bin');
    mkdirSync(folder);
    await rejectsWith(readCifarBatch(folder, layout(5)), `${folder}: cannot be read (not a regular file)`);
  });
});
