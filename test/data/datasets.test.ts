import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DATASETS,
  DATASET_NAMES,
  DEFAULT_DATASET,
  dataFiles,
  dataSources,
  datasetSpec,
  type CifarBinaryFormat,
  type IdxFormat,
} from '../../src/data/index.ts';
import { exactNetspaceError } from './fixtures.ts';

describe('data/datasets', () => {
  it('describes fashion-mnist (the default), mnist, kmnist and cifar10 under their own names', () => {
    assert.deepEqual([...DATASET_NAMES], ['fashion-mnist', 'mnist', 'kmnist', 'cifar10']);
    assert.equal(DEFAULT_DATASET, 'fashion-mnist');
    for (const name of DATASET_NAMES) assert.equal(DATASETS[name].name, name);
    const shape = (name: (typeof DATASET_NAMES)[number]): number[] => {
      const d = DATASETS[name];
      return [d.channels, d.height, d.width, d.classNames.length, d.trainCount, d.testCount];
    };
    assert.deepEqual(shape('fashion-mnist'), [1, 28, 28, 10, 60000, 10000]);
    assert.deepEqual(shape('mnist'), [1, 28, 28, 10, 60000, 10000]);
    assert.deepEqual(shape('kmnist'), [1, 28, 28, 10, 60000, 10000]);
    assert.deepEqual(shape('cifar10'), [3, 32, 32, 10, 50000, 10000]);
    assert.deepEqual(DATASETS.cifar10.classNames, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    assert.equal(DATASETS['fashion-mnist'].classNames[9], 'Ankle boot');
  });

  it('keeps Fashion-MNIST unnormalised (stored runs keep their meaning) and gives the others their published values', () => {
    assert.deepEqual(DATASETS['fashion-mnist'].normalization, { mean: [0], std: [1] });
    assert.deepEqual(DATASETS.mnist.normalization, { mean: [0.1307], std: [0.3081] });
    assert.deepEqual(DATASETS.kmnist.normalization, { mean: [0.1307], std: [0.3081] });
    // pycls/datasets/cifar10.py: _MEAN = [125.3, 123.0, 113.9], _SD = [63.0, 62.1, 66.7], on the 0..255 scale.
    const { mean, std } = DATASETS.cifar10.normalization;
    assert.deepEqual(mean.map((m) => Math.round(m * 255 * 10) / 10), [125.3, 123, 113.9]);
    assert.deepEqual(std.map((s) => Math.round(s * 255 * 10) / 10), [63, 62.1, 66.7]);
    for (const name of DATASET_NAMES) {
      const d = DATASETS[name];
      assert.equal(d.normalization.mean.length, d.channels, name);
      assert.equal(d.normalization.std.length, d.channels, name);
      assert.ok(d.normalization.std.every((s) => s > 0), name);
    }
  });

  it('says which datasets keep their class under a horizontal flip', () => {
    assert.deepEqual(
      DATASET_NAMES.map((name) => DATASETS[name].flipKeepsClass),
      [true, false, false, true],
    );
  });

  it('names the files, addresses and MD5s of each format', () => {
    for (const name of ['fashion-mnist', 'mnist', 'kmnist'] as const) {
      const format = DATASETS[name].format as IdxFormat;
      assert.equal(format.kind, 'idx');
      assert.deepEqual(
        format.files.map((f) => `${f.split} ${f.holds} ${f.name}`),
        ['train images train-images-idx3-ubyte', 'train labels train-labels-idx1-ubyte', 'test images t10k-images-idx3-ubyte', 'test labels t10k-labels-idx1-ubyte'],
      );
      assert.equal(new Set(format.files.map((f) => f.md5)).size, 4, `${name}: four distinct MD5s`);
    }
    assert.equal((DATASETS['fashion-mnist'].format as IdxFormat).files[0]!.md5, '8d4fb7e6c68d591d4c3dfef9ec88bf0d');
    assert.equal((DATASETS.mnist.format as IdxFormat).files[0]!.md5, 'f68b3c2dcbeaaa9fbdd348bbdeb94873');
    assert.equal((DATASETS.kmnist.format as IdxFormat).files[0]!.md5, 'bdb82020997e1d708af4cf47b453dcf7');
    const cifar = DATASETS.cifar10.format as CifarBinaryFormat;
    assert.deepEqual(cifar.archive, { name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' });
    assert.equal(cifar.recordsPerFile * cifar.train.length, DATASETS.cifar10.trainCount);
    assert.equal(cifar.recordsPerFile * cifar.test.length, DATASETS.cifar10.testCount);
    assert.equal(DATASETS.cifar10.baseUrl, 'https://www.cs.toronto.edu/~kriz/');
    for (const name of DATASET_NAMES) {
      assert.ok(DATASETS[name].baseUrl.endsWith('/'), name);
      const md5s = DATASETS[name].format.kind === 'idx' ? (DATASETS[name].format as IdxFormat).files.map((f) => f.md5) : [cifar.archive.md5];
      for (const md5 of md5s) assert.match(md5, /^[0-9a-f]{32}$/);
    }
  });

  it('gives each dataset its own variable and folder; only Fashion-MNIST has a system copy', () => {
    assert.deepEqual(
      DATASET_NAMES.map((name) => DATASETS[name].envVar),
      ['NETSPACE_DATA', 'NETSPACE_DATA_MNIST', 'NETSPACE_DATA_KMNIST', 'NETSPACE_DATA_CIFAR10'],
    );
    assert.deepEqual(DATASETS['fashion-mnist'].system, { package: 'dataset-fashion-mnist', dir: '/usr/share/datasets/fashion-mnist' });
    for (const name of ['mnist', 'kmnist', 'cifar10'] as const) assert.equal(DATASETS[name].system, null);
    assert.equal(dataSources(DATASETS.cifar10).localDir, 'data/cifar10');
    assert.equal(dataSources(DATASETS['fashion-mnist']).downloadCommand, 'netspace data download');
    assert.equal(dataSources(DATASETS.kmnist).downloadCommand, 'netspace data download --dataset kmnist');
  });

  it('lists the files a folder must hold and where in it each may be', () => {
    assert.deepEqual(dataFiles(DATASETS.mnist)[1], {
      name: 'train-labels-idx1-ubyte',
      holds: 'labels',
      split: 'train',
      paths: ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte'],
    });
    const cifar = dataFiles(DATASETS.cifar10);
    assert.deepEqual(cifar.map((f) => `${f.split} ${f.name}`), [
      'train data_batch_1.bin',
      'train data_batch_2.bin',
      'train data_batch_3.bin',
      'train data_batch_4.bin',
      'train data_batch_5.bin',
      'test test_batch.bin',
    ]);
    assert.deepEqual(cifar[5]!.paths, ['test_batch.bin', 'cifar-10-batches-bin/test_batch.bin']);
  });

  it('is plain frozen data: it survives structured clone (the way to worker threads) and cannot be changed', () => {
    assert.deepEqual(structuredClone(DATASETS), DATASETS);
    assert.ok(Object.isFrozen(DATASETS.cifar10.normalization.mean));
    assert.throws(() => {
      (DATASETS.mnist.classNames as string[])[0] = 'zero';
    }, TypeError);
  });

  it('looks names up, with a hint for a near miss, and passes a description through', () => {
    assert.equal(datasetSpec('kmnist'), DATASETS.kmnist);
    assert.equal(datasetSpec(DATASETS.cifar10), DATASETS.cifar10);
    assert.throws(
      () => datasetSpec('cifar'),
      exactNetspaceError('unknown dataset "cifar" (did you mean "cifar10"?); known datasets: fashion-mnist, mnist, kmnist, cifar10'),
    );
    assert.throws(() => datasetSpec('imagenet'), exactNetspaceError('unknown dataset "imagenet"; known datasets: fashion-mnist, mnist, kmnist, cifar10'));
  });
});
