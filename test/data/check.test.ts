import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDataset, formatDataCheck } from '../../src/data/index.ts';
import { SMALL, cifarBatch, cifarSpec, exactNetspaceError, idxLabels, makeTempDir, removeDir, writeCifar, writeDataset, writeIdx } from './fixtures.ts';

const root = makeTempDir();
after(() => removeDir(root));

describe('data/check', () => {
  it('reports a valid CIFAR-10 folder file by file, with its class spread', async () => {
    const dir = join(root, 'cifar');
    writeCifar(dir, 10);
    const report = await checkDataset(cifarSpec(10), { dataDir: dir, env: {}, cwd: root });
    assert.equal(report.dataset, 'cifar10');
    assert.equal(report.dir, dir);
    assert.equal(report.usable, true);
    const folder = report.folders[0]!;
    assert.deepEqual([folder.source, folder.how, folder.usable], ['option', '--data-dir', true]);
    assert.deepEqual(folder.files.map((f) => [f.name, f.split, f.status]), [
      ['data_batch_1.bin', 'train', 'valid'],
      ['data_batch_2.bin', 'train', 'valid'],
      ['data_batch_3.bin', 'train', 'valid'],
      ['data_batch_4.bin', 'train', 'valid'],
      ['data_batch_5.bin', 'train', 'valid'],
      ['test_batch.bin', 'test', 'valid'],
    ]);
    assert.equal(folder.files[0]!.detail, '10 images of 32x32x3 with labels, 1 per class');
    assert.equal(report.folders[1]!.how, './data/cifar10');
  });

  it('says what is wrong with each bad batch file and which are missing, and never throws for them', async () => {
    const dir = join(root, 'cifar-bad');
    writeCifar(dir, 4);
    writeFileSync(join(dir, 'data_batch_2.bin'), cifarBatch(4).subarray(0, 5000));
    const labels = cifarBatch(4);
    labels[3073] = 12;
    writeFileSync(join(dir, 'data_batch_4.bin'), labels);
    rmSync(join(dir, 'test_batch.bin'));
    const report = await checkDataset(cifarSpec(4), { dataDir: dir, env: {}, cwd: root });
    assert.equal(report.dir, null, 'a folder lacking a file is not chosen');
    assert.equal(report.usable, false);
    const files = report.folders[0]!.files;
    assert.deepEqual(files.map((f) => f.status), ['valid', 'invalid', 'valid', 'invalid', 'valid', 'missing']);
    assert.equal(files[1]!.detail, 'truncated: its 5,000 bytes end inside record 2 of 4 (each 3,073 bytes: 1 label byte + 32x32x3 pixel bytes)');
    assert.equal(files[3]!.detail, 'label 12 at index 1 is out of range 0..9');
    assert.equal(files[5]!.detail, 'not in the folder (looked for test_batch.bin, cifar-10-batches-bin/test_batch.bin)');
    const text = formatDataCheck(report);
    assert.ok(text.startsWith('CIFAR-10: no folder qualifies\n'), text);
    assert.ok(text.includes(`${dir}  [--data-dir]  not usable`), text);
    assert.ok(text.includes('  missing test_batch.bin              not in the folder'), text);
  });

  it('reports an IDX image file and label file that disagree as a problem of the folder', async () => {
    const dir = join(root, 'idx-mismatch');
    writeDataset(dir);
    const labels = writeIdx(dir, 't10k-labels-idx1-ubyte', idxLabels([1, 2, 3]), true);
    const report = await checkDataset('mnist', { dataDir: dir, env: {}, cwd: root });
    const folder = report.folders[0]!;
    assert.deepEqual(folder.files.map((f) => f.status), ['valid', 'valid', 'valid', 'valid']);
    assert.equal(folder.files[0]!.detail, `${SMALL.train} images of 28x28`);
    assert.equal(folder.files[3]!.detail, '3 labels, 0 to 1 per class');
    assert.deepEqual(folder.problems, [`${join(dir, 't10k-images-idx3-ubyte.gz')} holds ${SMALL.test} images but ${labels} holds 3 labels`]);
    assert.equal(report.usable, false);
    assert.ok(formatDataCheck(report).includes(`  problem: ${folder.problems[0]}`));
  });

  it('refuses an unknown dataset', async () => {
    await assert.rejects(checkDataset('fashionmnist', {}), exactNetspaceError('unknown dataset "fashionmnist" (did you mean "fashion-mnist"?); known datasets: fashion-mnist, mnist, kmnist, cifar10'));
  });
});
