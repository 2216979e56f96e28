import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FASHION_MNIST_FILES, SYSTEM_DATA_DIR, locateFashionMnist } from '../../src/data/index.ts';
import { makeTempDir, removeDir, writeDataset } from './fixtures.ts';

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
  it('takes --data-dir, then $NETSPACE_DATA, then ./data/fashion-mnist', () => {
    const { cwd, local, option, env } = layout('order');
    const withBoth = locateFashionMnist({ dataDir: option, env: { NETSPACE_DATA: env }, cwd });
    assert.equal(withBoth.dir, option);
    assert.deepEqual(withBoth.candidates.map((c) => [c.source, c.dir]), [
      ['option', option],
      ['env', env],
      ['cwd', local],
      ['system', SYSTEM_DATA_DIR],
    ]);
    assert.equal(locateFashionMnist({ env: { NETSPACE_DATA: env }, cwd }).dir, env);
    assert.equal(locateFashionMnist({ env: {}, cwd }).dir, local);
    assert.equal(locateFashionMnist({ env: { NETSPACE_DATA: '' }, cwd }).dir, local, 'an empty variable counts as unset');
  });

  it('falls through to Debian’s folder when ./data/fashion-mnist is missing or incomplete', () => {
    const cwd = join(root, 'fresh');
    mkdirSync(join(cwd, 'data', 'fashion-mnist'), { recursive: true });
    writeFileSync(join(cwd, 'data', 'fashion-mnist', 'train-images-idx3-ubyte.gz'), '');
    const location = locateFashionMnist({ env: {}, cwd });
    const system = location.candidates.find((c) => c.source === 'system')!;
    assert.equal(location.dir, system.complete ? SYSTEM_DATA_DIR : null);
    assert.equal(location.downloadDir, join(cwd, 'data', 'fashion-mnist'));
    const local = location.candidates[0]!;
    assert.equal(local.complete, false);
    assert.equal(local.files.trainImages, join(cwd, 'data', 'fashion-mnist', 'train-images-idx3-ubyte.gz'));
    assert.equal(local.files.testLabels, null);
  });

  it('holds to a folder the user named even when it lacks files, and downloads there', () => {
    const { cwd, local, env } = layout('binding');
    const empty = join(root, 'binding-empty');
    const byOption = locateFashionMnist({ dataDir: empty, env: { NETSPACE_DATA: env }, cwd });
    assert.equal(byOption.dir, null);
    assert.equal(byOption.downloadDir, empty);
    const byEnv = locateFashionMnist({ env: { NETSPACE_DATA: empty }, cwd });
    assert.equal(byEnv.dir, null);
    assert.equal(byEnv.downloadDir, empty);
    assert.equal(byEnv.candidates.find((c) => c.source === 'cwd')!.dir, local, 'the other places are still reported');
  });

  it('resolves a relative --data-dir against the working directory and lists a folder named twice once', () => {
    const { cwd, local } = layout('relative');
    const location = locateFashionMnist({ dataDir: 'data/fashion-mnist', env: {}, cwd });
    assert.equal(location.dir, local);
    assert.deepEqual(location.candidates.map((c) => c.source), ['option', 'system']);
  });

  it('accepts raw files and prefers NAME.gz when both are there', () => {
    const dir = join(root, 'raw');
    writeDataset(dir, false);
    const raw = locateFashionMnist({ dataDir: dir, env: {}, cwd: root });
    assert.equal(raw.dir, dir);
    assert.equal(raw.candidates[0]!.files.trainLabels, join(dir, FASHION_MNIST_FILES.trainLabels.name));
    writeDataset(dir, true);
    const both = locateFashionMnist({ dataDir: dir, env: {}, cwd: root });
    assert.equal(both.candidates[0]!.files.trainLabels, join(dir, `${FASHION_MNIST_FILES.trainLabels.name}.gz`));
  });

  it('does not take a folder named like a file for the file', () => {
    const dir = join(root, 'folders');
    writeDataset(dir);
    removeDir(join(dir, 't10k-labels-idx1-ubyte.gz'));
    mkdirSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const location = locateFashionMnist({ dataDir: dir, env: {}, cwd: root });
    assert.equal(location.candidates[0]!.files.testLabels, null);
    assert.equal(location.dir, null);
  });
});
