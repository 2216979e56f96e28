import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DATASETS, type IdxFormat } from '../../../src/data/index.ts';
import { IDX_NAMES, cifarArchive, datasetBytes, idxLabels, makeTempDir, removeDir, writeCifar, writeDataset, writeIdx } from '../../data/fixtures.ts';
import { serve } from '../../data/http-server.ts';

const bin = fileURLToPath(new URL('../../../bin/netspace.js', import.meta.url));
const root = makeTempDir('netspace-cli-data-');
after(() => removeDir(root));

/** Runs the real CLI in `root` (so ./data/fashion-mnist is an empty place) and collects its output. */
function netspace(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NETSPACE_DATA')));
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...inherited, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const noStack = (stderr: string): void => assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace was printed:\n${stderr}`);

describe('cli/commands/data', { concurrency: true }, () => {
  it('check names the folder in use and each file found in it', async () => {
    const good = join(root, 'good');
    writeDataset(good);
    const run = await netspace(['data', 'check'], { NETSPACE_DATA: good });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`Fashion-MNIST is read from ${good}\n`), run.stdout);
    assert.ok(run.stdout.includes(`${good}  [$NETSPACE_DATA]  usable`), run.stdout);
    assert.match(run.stdout, /valid {3}train-images-idx3-ubyte\.gz {2}50 images of 28x28\n/);
    assert.match(run.stdout, /valid {3}t10k-labels-idx1-ubyte\.gz {3}20 labels, 2 per class\n/);
    assert.ok(run.stdout.includes(`${join(root, 'data', 'fashion-mnist')}  [./data/fashion-mnist]  no files`), run.stdout);
  });

  it('check --json reports an invalid file and exits non-zero with a one-line message', async () => {
    const bad = join(root, 'bad');
    writeDataset(bad);
    writeIdx(bad, 't10k-labels-idx1-ubyte', idxLabels([3, 10]), true);
    const run = await netspace(['data', 'check', '--json', '--data-dir', bad]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.usable, false);
    assert.deepEqual(report.folders[0].files.map((f: { status: string }) => f.status), ['valid', 'valid', 'valid', 'invalid']);
    assert.equal(report.folders[0].files[3].detail, 'label 10 at index 1 is out of range 0..9');
    assert.equal(run.stderr, `netspace: ${bad} holds Fashion-MNIST files that are not valid (see above); replace them, e.g. with \`netspace data download --data-dir ${bad}\`\n`);
  });

  it('check without any data says how to get it', async () => {
    const empty = join(root, 'empty');
    const run = await netspace(['data', 'check', '--data-dir', empty]);
    assert.equal(run.code, 1);
    assert.ok(run.stdout.includes('Fashion-MNIST: no folder qualifies'), run.stdout);
    assert.ok(run.stderr.startsWith('netspace: no folder holds all four Fashion-MNIST files; run `netspace data download`'), run.stderr);
    noStack(run.stderr);
  });

  it('download refuses files whose MD5 is not the canonical one and leaves the folder without them', async () => {
    const bytes = datasetBytes();
    const server = await serve(Object.fromEntries(IDX_NAMES.map((name) => [`/${name}.gz`, { body: gzipSync(bytes[name]) }])));
    try {
      const target = join(root, 'download');
      const run = await netspace(['data', 'download', '--data-dir', target, '--base-url', server.url]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`netspace: ${server.url}train-images-idx3-ubyte\\.gz: MD5 [0-9a-f]{32} does not match the expected ${(DATASETS['fashion-mnist'].format as IdxFormat).files[0]!.md5}; the file was not kept\\n$`));
      assert.ok(run.stderr.startsWith(`train-images-idx3-ubyte.gz: downloading ${server.url}train-images-idx3-ubyte.gz\n`), run.stderr);
      noStack(run.stderr);
      assert.deepEqual(existsSync(target) ? readdirSync(target) : [], []);
    } finally {
      await server.close();
    }
  });

  it('check --dataset mnist reads $NETSPACE_DATA_MNIST, not $NETSPACE_DATA', async () => {
    const mnist = join(root, 'mnist');
    writeDataset(mnist);
    const run = await netspace(['data', 'check', '--dataset', 'mnist'], { NETSPACE_DATA_MNIST: mnist, NETSPACE_DATA: join(root, 'empty') });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`MNIST is read from ${mnist}\n`), run.stdout);
    assert.ok(run.stdout.includes(`${mnist}  [$NETSPACE_DATA_MNIST]  usable`), run.stdout);
    assert.ok(run.stdout.includes(`${join(root, 'data', 'mnist')}  [./data/mnist]  no files`), run.stdout);
  });

  it('check --dataset cifar10 says which batch files are not CIFAR-10 batches, and how to replace them', async () => {
    const small = join(root, 'cifar-small');
    writeCifar(small, 5);
    const run = await netspace(['data', 'check', '--dataset', 'cifar10', '--data-dir', small]);
    assert.equal(run.code, 1);
    assert.ok(run.stdout.startsWith(`CIFAR-10 is read from ${small} (but its files are not all valid)\n`), run.stdout);
    assert.match(run.stdout, /invalid data_batch_1\.bin {12}holds 5 records of 3,073 bytes, expected 10,000\n/);
    assert.equal(
      run.stderr,
      `netspace: ${small} holds CIFAR-10 files that are not valid (see above); replace them, e.g. with \`netspace data download --dataset cifar10 --data-dir ${small}\`\n`,
    );
  });

  it('download --dataset cifar10 refuses an archive whose MD5 is not the canonical one, unpacking nothing', async () => {
    const server = await serve({ '/cifar-10-binary.tar.gz': { body: cifarArchive(2) } });
    try {
      const target = join(root, 'cifar-download');
      const run = await netspace(['data', 'download', '--dataset', 'cifar10', '--data-dir', target, '--base-url', server.url]);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        new RegExp(`netspace: ${server.url}cifar-10-binary\\.tar\\.gz: MD5 [0-9a-f]{32} does not match the expected c32a1d4ab5d03f1284b67883e8d87530; the file was not kept\\n$`),
      );
      noStack(run.stderr);
      assert.deepEqual(existsSync(target) ? readdirSync(target) : [], []);
    } finally {
      await server.close();
    }
  });

  it('an unknown --dataset is a one-line error with a hint', async () => {
    for (const command of ['check', 'download']) {
      const run = await netspace(['data', command, '--dataset', 'cifar']);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, 'netspace: unknown dataset "cifar" (did you mean "cifar10"?); known datasets: fashion-mnist, mnist, kmnist, cifar10\n');
    }
  });

  it('data alone asks for a subcommand', async () => {
    const run = await netspace(['data']);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.startsWith('netspace: Name a data command: download or check.'), run.stderr);
  });
});
