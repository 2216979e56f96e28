import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_FILES,
  FILE_ROLES,
  SYSTEM_DATA_DIR,
  loadFashionMnist,
  stratifiedSubset,
  type FashionMnist,
  type FileRole,
} from '../../src/data/index.ts';
import { SMALL, datasetBytes, idxImages, idxLabels, makeTempDir, md5, netspaceError, pixelValue, removeDir, writeDataset, writeIdx } from './fixtures.ts';
import { serve } from './http-server.ts';

const root = makeTempDir();
after(() => removeDir(root));

/** Runs `body` (JS, with `data` bound to workerData) in a real worker thread and waits for it to finish. */
async function inWorker(data: FashionMnist, body: string): Promise<void> {
  const worker = new Worker(`const { workerData: data, parentPort } = require('node:worker_threads'); ${body}; parentPort.postMessage('done');`, {
    eval: true,
    workerData: data,
  });
  const [message] = await once(worker, 'message');
  assert.equal(message, 'done');
  await worker.terminate();
}

describe('data/load', () => {
  it('decodes a folder into shared splits, and hands back the same object for the same folder', async () => {
    const dir = join(root, 'small');
    writeDataset(dir);
    const data = await loadFashionMnist({ dataDir: dir, download: false });
    assert.equal(data.dir, dir);
    assert.deepEqual([data.train.count, data.train.rows, data.train.cols], [SMALL.train, SMALL.rows, SMALL.cols]);
    assert.deepEqual([data.test.count, data.test.images.length], [SMALL.test, SMALL.test * SMALL.rows * SMALL.cols]);
    assert.equal(data.train.images[3 * SMALL.rows * SMALL.cols + 2 * SMALL.cols + 1], pixelValue(3, 2, 1));
    assert.deepEqual([...data.test.labels.subarray(0, 12)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    for (const array of [data.train.images, data.train.labels, data.test.images, data.test.labels]) {
      assert.ok(array.buffer instanceof SharedArrayBuffer);
    }
    assert.equal(await loadFashionMnist({ dataDir: dir }), data);
    assert.equal(await loadFashionMnist({ env: { NETSPACE_DATA: dir } }), data, 'the same folder named another way');
    const [a, b] = await Promise.all([loadFashionMnist({ dataDir: join(root, 'small', '.') }), loadFashionMnist({ dataDir: dir })]);
    assert.equal(a, data);
    assert.equal(b, data);
  });

  it('shares the pixels with a worker thread instead of copying them (workerData and postMessage)', async () => {
    const dir = join(root, 'shared');
    writeDataset(dir);
    const data = await loadFashionMnist({ dataDir: dir });
    await inWorker(data, 'data.train.images[0] = 201; data.test.labels[5] = 7');
    assert.equal(data.train.images[0], 201);
    assert.equal(data.test.labels[5], 7);

    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (data) => { data.train.images[1] = data.train.count; parentPort.postMessage('done'); });`,
      { eval: true },
    );
    worker.postMessage(data);
    assert.equal((await once(worker, 'message'))[0], 'done');
    await worker.terminate();
    assert.equal(data.train.images[1], SMALL.train);
  });

  it('refuses image and label files whose counts differ, naming both', async () => {
    const dir = join(root, 'mismatch');
    writeDataset(dir);
    const labels = writeIdx(dir, FASHION_MNIST_FILES.trainLabels.name, idxLabels([1, 2, 3]), true);
    await assert.rejects(
      loadFashionMnist({ dataDir: dir }),
      netspaceError(`${join(dir, 'train-images-idx3-ubyte.gz')} holds ${SMALL.train} images but ${labels} holds 3 labels`),
    );
  });

  it('refuses training and test images of different sizes', async () => {
    const dir = join(root, 'shapes');
    writeDataset(dir);
    writeIdx(dir, FASHION_MNIST_FILES.testImages.name, idxImages(SMALL.test, 4, 4), true);
    await assert.rejects(loadFashionMnist({ dataDir: dir }), netspaceError(`holds ${SMALL.rows}x${SMALL.cols} images but`, 'holds 4x4 images'));
  });

  it('passes on the error of a bad file found, and can load the folder once it is mended', async () => {
    const dir = join(root, 'mended');
    writeDataset(dir);
    const bad = writeIdx(dir, FASHION_MNIST_FILES.testLabels.name, idxLabels([0, 10]), true);
    await assert.rejects(loadFashionMnist({ dataDir: dir }), netspaceError(`${bad}: label 10 at index 1 is out of range 0..9`));
    writeDataset(dir);
    assert.equal((await loadFashionMnist({ dataDir: dir })).test.count, SMALL.test);
  });

  it('without data and with downloads off, says where it looked and how to get the data', async () => {
    const empty = join(root, 'nothing-here');
    await assert.rejects(
      loadFashionMnist({ dataDir: empty, download: false }),
      netspaceError(
        `Fashion-MNIST not found (looked in: ${empty} (--data-dir): no files`,
        'downloading is off (--no-download)',
        'netspace data download',
        'apt-get install dataset-fashion-mnist',
        'NETSPACE_DATA',
      ),
    );
  });

  it('downloads into the named folder when it is empty, then loads it', async () => {
    const bytes = datasetBytes();
    const gz = Object.fromEntries(FILE_ROLES.map((role) => [role, gzipSync(bytes[role])])) as Record<FileRole, Buffer>;
    const server = await serve(Object.fromEntries(FILE_ROLES.map((role) => [`/${FASHION_MNIST_FILES[role].name}.gz`, { body: gz[role] }])));
    try {
      const dir = join(root, 'fetched');
      const checksums = Object.fromEntries(FILE_ROLES.map((role) => [role, md5(gz[role])]));
      const lines: string[] = [];
      const data = await loadFashionMnist({ dataDir: dir, baseUrl: server.url, checksums, log: (line) => lines.push(line) });
      assert.equal(data.dir, dir);
      assert.equal(data.train.count, SMALL.train);
      assert.match(lines[0]!, new RegExp(`^Fashion-MNIST not found .*; downloading it to ${dir}$`));

      const failing = join(root, 'fetch-fails');
      await assert.rejects(
        loadFashionMnist({ dataDir: failing, baseUrl: `${server.url}nowhere/` }),
        netspaceError('downloading it failed: ', `${server.url}nowhere/train-images-idx3-ubyte.gz: the server answered HTTP 404`, 'apt-get install dataset-fashion-mnist'),
      );
    } finally {
      await server.close();
    }
  });

  it('reads the real files: 60,000 and 10,000 images of 28x28, 6,000 per class in training', async () => {
    const data = await loadFashionMnist({ dataDir: SYSTEM_DATA_DIR, download: false });
    assert.deepEqual([data.train.count, data.train.rows, data.train.cols, data.test.count], [60000, 28, 28, 10000]);
    const perClass = (labels: Uint8Array): number[] => {
      const counts = new Array<number>(10).fill(0);
      for (const label of labels) counts[label]!++;
      return counts;
    };
    assert.deepEqual(perClass(data.train.labels), new Array(10).fill(6000));
    assert.deepEqual(perClass(data.test.labels), new Array(10).fill(1000));
    const subset = stratifiedSubset(data.train.labels, 6000, 0);
    assert.deepEqual(perClass(Uint8Array.from(subset, (i) => data.train.labels[i]!)), new Array(10).fill(600));
  });
});
