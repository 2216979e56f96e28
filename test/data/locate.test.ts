import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DATASETS, locateDataset } from '../../src/data/index.ts';
import { exactNetspaceError, makeTempDir, removeDir, writeCifar, writeDataset } from './fixtures.ts';

const SYSTEM_DATA_DIR = DATASETS['fashion-mnist'].system!.dir;

const root = makeTempDir();
after(() => removeDir(root));

/** A working directory with ./data/fashion-mnist filled, plus folders for the option and the environment. */
function layout(name: string): { cwd: string; local: string; option: string; env: string } {
  const cwd = join(root, name);
  const dirs = { cwd, local: join(cwd, 'data', 'fashion-mnist'), option: join(root, `${name}-option`), env: join(root, `${name}-env`) };
  for (const dir of [dirs.local, dirs.option, dirs.env]) writeDataset(dir);
  return dirs;
}

describe('data/locate', () => {
  it('takes --data-dir, then $NETSPACE_DATA, then ./data/fashion-mnist, for Fashion-MNIST', () => {
    const { cwd, local, option, env } = layout('order');
    const withBoth = locateDataset('fashion-mnist', { dataDir: option, env: { NETSPACE_DATA: env }, cwd });
    assert.equal(withBoth.dir, option);
    assert.deepEqual(withBoth.candidates.map((c) => [c.source, c.dir]), [
      ['option', option],
      ['env', env],
      ['cwd', local],
      ['system', SYSTEM_DATA_DIR],
    ]);
    assert.equal(locateDataset('fashion-mnist', { env: { NETSPACE_DATA: env }, cwd }).dir, env);
    assert.equal(locateDataset('fashion-mnist', { env: {}, cwd }).dir, local);
    assert.equal(locateDataset('fashion-mnist', { env: { NETSPACE_DATA: '' }, cwd }).dir, local, 'an empty variable counts as unset');
  });

  it('falls through to Debian’s folder when ./data/fashion-mnist is missing or incomplete', () => {
    const cwd = join(root, 'fresh');
    mkdirSync(join(cwd, 'data', 'fashion-mnist'), { recursive: true });
    writeFileSync(join(cwd, 'data', 'fashion-mnist', 'train-images-idx3-ubyte.gz'), '');
    const location = locateDataset('fashion-mnist', { env: {}, cwd });
    const system = location.candidates.find((c) => c.source === 'system')!;
    assert.equal(location.dir, system.complete ? SYSTEM_DATA_DIR : null);
    assert.equal(location.downloadDir, join(cwd, 'data', 'fashion-mnist'));
    const local = location.candidates[0]!;
    assert.equal(local.complete, false);
    assert.equal(local.files['train-images-idx3-ubyte'], join(cwd, 'data', 'fashion-mnist', 'train-images-idx3-ubyte.gz'));
    assert.equal(local.files['t10k-labels-idx1-ubyte'], null);
  });

  it('holds to a folder the user named even when it lacks files, and downloads there', () => {
    const { cwd, local, env } = layout('binding');
    const empty = join(root, 'binding-empty');
    const byOption = locateDataset('fashion-mnist', { dataDir: empty, env: { NETSPACE_DATA: env }, cwd });
    assert.equal(byOption.dir, null);
    assert.equal(byOption.downloadDir, empty);
    const byEnv = locateDataset('fashion-mnist', { env: { NETSPACE_DATA: empty }, cwd });
    assert.equal(byEnv.dir, null);
    assert.equal(byEnv.downloadDir, empty);
    assert.equal(byEnv.candidates.find((c) => c.source === 'cwd')!.dir, local, 'the other places are still reported');
  });

  it('resolves a relative --data-dir against the working directory and lists a folder named twice once', () => {
    const { cwd, local } = layout('relative');
    const location = locateDataset('fashion-mnist', { dataDir: 'data/fashion-mnist', env: {}, cwd });
    assert.equal(location.dir, local);
    assert.deepEqual(location.candidates.map((c) => c.source), ['option', 'system']);
  });

  it('accepts raw files and prefers NAME.gz when both are there', () => {
    const dir = join(root, 'raw');
    writeDataset(dir, false);
    const raw = locateDataset('fashion-mnist', { dataDir: dir, env: {}, cwd: root });
    assert.equal(raw.dir, dir);
    assert.equal(raw.candidates[0]!.files['train-labels-idx1-ubyte'], join(dir, 'train-labels-idx1-ubyte'));
    writeDataset(dir, true);
    const both = locateDataset('fashion-mnist', { dataDir: dir, env: {}, cwd: root });
    assert.equal(both.candidates[0]!.files['train-labels-idx1-ubyte'], join(dir, 'train-labels-idx1-ubyte.gz'));
  });

  it('does not take a folder named like a file for the file', () => {
    const dir = join(root, 'folders');
    writeDataset(dir);
    removeDir(join(dir, 't10k-labels-idx1-ubyte.gz'));
    mkdirSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const location = locateDataset('fashion-mnist', { dataDir: dir, env: {}, cwd: root });
    assert.equal(location.candidates[0]!.files['t10k-labels-idx1-ubyte'], null);
    assert.equal(location.dir, null);
  });

  it('gives every other dataset its own variable and ./data/<name>, and no system folder', () => {
    const cwd = join(root, 'others');
    const mnist = join(cwd, 'data', 'mnist');
    writeDataset(mnist);
    const fashion = join(root, 'others-fashion');
    writeDataset(fashion);
    const kmnist = join(root, 'others-kmnist');
    writeDataset(kmnist);
    // $NETSPACE_DATA is Fashion-MNIST's folder: it does not bind MNIST to it.
    const env = { NETSPACE_DATA: fashion, NETSPACE_DATA_KMNIST: kmnist };
    const found = locateDataset('mnist', { env, cwd });
    assert.equal(found.dir, mnist);
    assert.deepEqual(found.candidates.map((c) => [c.source, c.dir]), [['cwd', mnist]]);
    assert.equal(locateDataset('kmnist', { env, cwd }).dir, kmnist);
    assert.equal(locateDataset('fashion-mnist', { env, cwd }).dir, fashion);
    const cifar = locateDataset('cifar10', { env, cwd });
    assert.equal(cifar.dir, null);
    assert.equal(cifar.downloadDir, join(cwd, 'data', 'cifar10'));
    assert.deepEqual(cifar.candidates.map((c) => c.source), ['cwd']);
  });

  it('names --data-dir the folder of whichever dataset is located', () => {
    const dir = join(root, 'named-cifar');
    writeCifar(dir, 2);
    const location = locateDataset('cifar10', { dataDir: dir, env: { NETSPACE_DATA_CIFAR10: join(root, 'elsewhere') }, cwd: root });
    assert.equal(location.dir, dir);
    assert.equal(location.candidates[0]!.files['data_batch_3.bin'], join(dir, 'data_batch_3.bin'));
    assert.equal(locateDataset('mnist', { dataDir: dir, env: {}, cwd: root }).dir, null, 'batch files are not MNIST files');
  });

  it('finds CIFAR batch files where the archive puts them, in cifar-10-batches-bin/ inside the folder', () => {
    const dir = join(root, 'cifar-as-unpacked');
    const inner = writeCifar(dir, 2, true);
    const location = locateDataset('cifar10', { dataDir: dir, env: {}, cwd: root });
    assert.equal(location.dir, dir);
    assert.equal(location.candidates[0]!.files['test_batch.bin'], join(inner, 'test_batch.bin'));
  });

  it('refuses an unknown dataset by name', () => {
    assert.throws(() => locateDataset('mnits', {}), exactNetspaceError('unknown dataset "mnits" (did you mean "mnist"?); known datasets: fashion-mnist, mnist, kmnist, cifar10'));
  });
});
