import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { DATASETS, loadDataset, stratifiedSubset, type Dataset, type LoadOptions } from '../../src/data/index.ts';
import {
  IDX_NAMES,
  SMALL,
  cifarArchive,
  cifarBatch,
  cifarLabel,
  cifarSpec,
  cifarValue,
  datasetBytes,
  exactNetspaceError,
  idxImages,
  idxLabels,
  makeTempDir,
  md5,
  netspaceError,
  pixelValue,
  removeDir,
  writeCifar,
  writeDataset,
  writeIdx,
} from './fixtures.ts';
import { serve } from './http-server.ts';

const SYSTEM_DATA_DIR = DATASETS['fashion-mnist'].system!.dir;
const loadFashion = (options: LoadOptions = {}): Promise<Dataset> => loadDataset('fashion-mnist', options);

const root = makeTempDir();
after(() => removeDir(root));

/** Runs `body` (JS, with `data` bound to workerData) in a real worker thread and waits for it to finish. */
async function inWorker(data: Dataset, body: string): Promise<void> {
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
    const data = await loadFashion({ dataDir: dir, download: false });
    assert.equal(data.dir, dir);
    assert.deepEqual([data.train.count, data.train.rows, data.train.cols, data.train.channels], [SMALL.train, SMALL.rows, SMALL.cols, 1]);
    assert.equal(data.spec, DATASETS['fashion-mnist']);
    assert.equal(data.train.normalization, DATASETS['fashion-mnist'].normalization);
    assert.deepEqual([data.test.count, data.test.images.length], [SMALL.test, SMALL.test * SMALL.rows * SMALL.cols]);
    assert.equal(data.train.images[3 * SMALL.rows * SMALL.cols + 2 * SMALL.cols + 1], pixelValue(3, 2, 1));
    assert.deepEqual([...data.test.labels.subarray(0, 12)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    for (const array of [data.train.images, data.train.labels, data.test.images, data.test.labels]) {
      assert.ok(array.buffer instanceof SharedArrayBuffer);
    }
    assert.equal(await loadFashion({ dataDir: dir }), data);
    assert.equal(await loadFashion({ env: { NETSPACE_DATA: dir } }), data, 'the same folder named another way');
    const [a, b] = await Promise.all([loadFashion({ dataDir: join(root, 'small', '.') }), loadFashion({ dataDir: dir })]);
    assert.equal(a, data);
    assert.equal(b, data);
  });

  it('shares the pixels with a worker thread instead of copying them (workerData and postMessage)', async () => {
    const dir = join(root, 'shared');
    writeDataset(dir);
    const data = await loadFashion({ dataDir: dir });
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
    const labels = writeIdx(dir, 'train-labels-idx1-ubyte', idxLabels([1, 2, 3]), true);
    await assert.rejects(
      loadFashion({ dataDir: dir }),
      netspaceError(`${join(dir, 'train-images-idx3-ubyte.gz')} holds ${SMALL.train} images but ${labels} holds 3 labels`),
    );
  });

  it('refuses images of another size than the dataset\'s', async () => {
    const dir = join(root, 'shapes');
    writeDataset(dir);
    const small = writeIdx(dir, 't10k-images-idx3-ubyte', idxImages(SMALL.test, 4, 4), true);
    await assert.rejects(loadFashion({ dataDir: dir }), netspaceError(`${small}: holds images of 4x4 pixels, but Fashion-MNIST images are 28x28`));
  });

  it('passes on the error of a bad file found, and can load the folder once it is mended', async () => {
    const dir = join(root, 'mended');
    writeDataset(dir);
    const bad = writeIdx(dir, 't10k-labels-idx1-ubyte', idxLabels([0, 10]), true);
    await assert.rejects(loadFashion({ dataDir: dir }), netspaceError(`${bad}: label 10 at index 1 is out of range 0..9`));
    writeDataset(dir);
    assert.equal((await loadFashion({ dataDir: dir })).test.count, SMALL.test);
  });

  it('without data and with downloads off, says where it looked and how to get the data', async () => {
    const empty = join(root, 'nothing-here');
    await assert.rejects(
      loadFashion({ dataDir: empty, download: false }),
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
    const gz = Object.fromEntries(IDX_NAMES.map((name) => [`${name}.gz`, gzipSync(bytes[name])]));
    const server = await serve(Object.fromEntries(Object.entries(gz).map(([name, body]) => [`/${name}`, { body }])));
    try {
      const dir = join(root, 'fetched');
      const checksums = Object.fromEntries(Object.entries(gz).map(([name, body]) => [name, md5(body)]));
      const lines: string[] = [];
      const data = await loadFashion({ dataDir: dir, baseUrl: server.url, checksums, log: (line) => lines.push(line) });
      assert.equal(data.dir, dir);
      assert.equal(data.train.count, SMALL.train);
      assert.match(lines[0]!, new RegExp(`^Fashion-MNIST not found .*; downloading it to ${dir}$`));

      const failing = join(root, 'fetch-fails');
      await assert.rejects(
        loadFashion({ dataDir: failing, baseUrl: `${server.url}nowhere/` }),
        netspaceError('downloading it failed: ', `${server.url}nowhere/train-images-idx3-ubyte.gz: the server answered HTTP 404`, 'apt-get install dataset-fashion-mnist'),
      );
    } finally {
      await server.close();
    }
  });

  it('loads MNIST and KMNIST (same IDX format) as datasets of their own, from ./data/<name> or their variable', async () => {
    const cwd = join(root, 'idx-family');
    const shared = join(cwd, 'data', 'mnist');
    writeDataset(shared);
    const mnist = await loadDataset('mnist', { cwd, env: {} });
    const kmnist = await loadDataset('kmnist', { cwd, env: { NETSPACE_DATA_KMNIST: shared } });
    const fashion = await loadFashion({ dataDir: shared });
    assert.deepEqual([mnist.dir, kmnist.dir, fashion.dir], [shared, shared, shared]);
    assert.deepEqual([mnist.spec.name, kmnist.spec.name, fashion.spec.name], ['mnist', 'kmnist', 'fashion-mnist']);
    assert.notEqual(mnist, kmnist, 'one folder read as two datasets gives two values');
    assert.deepEqual(mnist.train.normalization, { mean: [0.1307], std: [0.3081] });
    assert.equal(kmnist.test.images[5 * 28 * 28 + 3 * 28 + 4], pixelValue(5, 3, 4));
    await assert.rejects(loadDataset('mnist', { cwd: root, env: { NETSPACE_DATA: shared }, download: false }), netspaceError('MNIST not found'));
  });

  it('loads CIFAR-10 from its batch files: training batches end to end, planar records as HWC, three channels', async () => {
    const dir = join(root, 'cifar');
    writeCifar(dir, 3);
    const spec = cifarSpec(3);
    const data = await loadDataset(spec, { dataDir: dir, download: false });
    assert.equal(data.spec, spec);
    assert.deepEqual([data.train.count, data.train.rows, data.train.cols, data.train.channels], [15, 32, 32, 3]);
    assert.deepEqual([data.test.count, data.test.images.length], [3, 3 * 32 * 32 * 3]);
    for (const array of [data.train.images, data.train.labels, data.test.images, data.test.labels]) assert.ok(array.buffer instanceof SharedArrayBuffer);
    assert.deepEqual([...data.train.labels], Array.from({ length: 15 }, (_, i) => cifarLabel(0, i)));
    assert.deepEqual([...data.test.labels], [0, 1, 2].map((r) => cifarLabel(15, r)));
    // Image 7 is record 1 of data_batch_3.bin; pixel (row 5, col 9) channel c sits at ((7 * 32 + 5) * 32 + 9) * 3 + c.
    for (const c of [0, 1, 2]) assert.equal(data.train.images[((7 * 32 + 5) * 32 + 9) * 3 + c], cifarValue(7, c, 5, 9));
    assert.equal(data.test.images[((2 * 32 + 31) * 32 + 0) * 3 + 2], cifarValue(17, 2, 31, 0));
    assert.deepEqual(data.train.normalization, DATASETS.cifar10.normalization);
    assert.equal(await loadDataset(spec, { dataDir: join(dir, '.') }), data);
  });

  it('reads CIFAR-10 batch files from the archive\'s cifar-10-batches-bin/ inside the folder', async () => {
    const dir = join(root, 'cifar-subfolder');
    writeCifar(dir, 2, true);
    const data = await loadDataset(cifarSpec(2), { env: { NETSPACE_DATA_CIFAR10: dir }, download: false });
    assert.equal(data.dir, dir);
    assert.equal(data.train.count, 10);
  });

  it('refuses a CIFAR-10 batch cut short, one with a label out of range, and one of the wrong record count, naming it', async () => {
    const spec = cifarSpec(3);
    const cases: Array<[string, Buffer, string]> = [
      ['cut', cifarBatch(3, 6).subarray(0, 3 * 3073 - 1), 'truncated: its 9,218 bytes end inside record 3 of 3'],
      ['label', Buffer.concat([cifarBatch(2, 6), Buffer.from([10]), cifarBatch(1, 8).subarray(1)]), 'label 10 at index 2 is out of range 0..9'],
      ['count', cifarBatch(4, 6), 'holds 4 records of 3,073 bytes, expected 3'],
    ];
    for (const [name, bytes, problem] of cases) {
      const dir = join(root, `cifar-bad-${name}`);
      writeCifar(dir, 3);
      const path = join(dir, 'data_batch_3.bin');
      writeFileSync(path, bytes);
      await assert.rejects(loadDataset(spec, { dataDir: dir, download: false }), netspaceError(`${path}: ${problem}`));
    }
  });

  it('without CIFAR-10 and with downloads off, says where it looked and how to get it (no Debian package)', async () => {
    const dir = join(root, 'cifar-partial');
    writeCifar(dir, 2);
    rmSync(join(dir, 'data_batch_2.bin'));
    await assert.rejects(
      loadDataset('cifar10', { dataDir: dir, cwd: root, env: {}, download: false }),
      exactNetspaceError(
        [
          `CIFAR-10 not found (looked in: ${dir} (--data-dir): lacks data_batch_2.bin (each in the folder or in its cifar-10-batches-bin/); ${join(root, 'data', 'cifar10')} (./data/cifar10): no files) and downloading is off (--no-download).`,
          'Get the data one of these ways:',
          '  - netspace data download --dataset cifar10 [--data-dir DIR]   (on a machine with internet; from https://www.cs.toronto.edu/~kriz/)',
          '  - copy data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin (from cifar-10-binary.tar.gz) into ./data/cifar10, or into a folder named by --data-dir or NETSPACE_DATA_CIFAR10',
        ].join('\n'),
      ),
    );
  });

  it('downloads CIFAR-10\'s archive from a server when no copy is found, unpacks and loads it', async () => {
    const archive = cifarArchive(2);
    const server = await serve({ '/cifar-10-binary.tar.gz': { body: archive } });
    try {
      const cwd = join(root, 'cifar-fetch');
      const lines: string[] = [];
      const data = await loadDataset(cifarSpec(2), { cwd, env: {}, baseUrl: server.url, checksums: { 'cifar-10-binary.tar.gz': md5(archive) }, log: (line) => lines.push(line) });
      assert.equal(data.dir, join(cwd, 'data', 'cifar10'));
      assert.deepEqual([data.train.count, data.test.count], [10, 2]);
      assert.equal(data.train.images[((9 * 32 + 1) * 32 + 2) * 3 + 1], cifarValue(9, 1, 1, 2));
      assert.match(lines[0]!, new RegExp(`^CIFAR-10 not found .*; downloading it to ${join(cwd, 'data', 'cifar10')}$`));
      await assert.rejects(
        loadDataset('cifar10', { cwd: join(root, 'cifar-fetch-canonical'), env: {}, baseUrl: server.url }),
        netspaceError('downloading it failed: ', 'does not match the expected c32a1d4ab5d03f1284b67883e8d87530', 'netspace data download --dataset cifar10'),
      );
    } finally {
      await server.close();
    }
  });

  it('reads the real files: 60,000 and 10,000 images of 28x28, 6,000 per class in training', async () => {
    const data = await loadFashion({ dataDir: SYSTEM_DATA_DIR, download: false });
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
