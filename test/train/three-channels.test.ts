// A 3-channel model (CIFAR-10 shaped input) trained end to end on generated CIFAR-10 binary files, on wasm and cpu,
// through the sweep runner and the pool as a user's sweep with `dataset: cifar10` would be; its analytic complexity
// equals the built model's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../../src/data/index.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { buildAnyNet } from '../../src/model/anynet.ts';
import { complexity } from '../../src/space/complexity.ts';
import { openStore } from '../../src/store/store.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import { trainModel } from '../../src/train/trainer.ts';
import { cifarSpec, writeCifar } from '../data/fixtures.ts';

/** 100 images per batch file: 500 training and 100 test images of 32x32x3. */
const RECORDS = 100;

describe('training on 3-channel data (generated CIFAR-10 files)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-cifar-'));
    writeCifar(dir, RECORDS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains a CIFAR-10 shaped model on wasm and cpu, and its analytic complexity is the built model\'s', async () => {
    const data = await loadDataset(cifarSpec(RECORDS), { dataDir: dir, download: false });
    assert.equal(data.train.channels, 3);
    const config = { inputChannels: 3, stemWidth: 8, numClasses: 10, convBias: true, stages: [{ depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 1 }] };
    const settings = { epochs: 2, resolution: 32, batchSize: 50, lr: 0.1, trainSize: null, valSize: null, dataset: 'cifar10' };
    for (const backend of ['wasm', 'cpu'] as const) {
      const result = await trainModel({ config, settings, seed: 4, backend }, data);
      assert.equal(result.status, 'done', `${backend}: ${result.errorText ?? ''}`);
      assert.equal(result.backend, backend);
      assert.deepEqual(result.epochs.map((e) => e.epoch), [1, 2]);
      assert.ok(result.epochs.every((e) => Number.isFinite(e.trainLoss) && e.valAccuracy >= 0 && e.valAccuracy <= 1));
      await initBackend(backend);
      const model = buildAnyNet(config, { seed: 4 });
      try {
        assert.equal(model.paramCount(), complexity(config, 32).params);
        const logits = tf.tidy(() => model.forward(tf.zeros([2, 32, 32, 3]), false).shape);
        assert.deepEqual(logits, [2, 10]);
      } finally {
        model.dispose();
      }
    }
  });

  it('refuses a config whose channels do not fit the data, as a user setting, not a crash', async () => {
    const data = await loadDataset(cifarSpec(RECORDS), { dataDir: dir, download: false });
    const config = { inputChannels: 1, stemWidth: 8, numClasses: 10, convBias: true, stages: [{ depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 1 }] };
    const result = await trainModel({ config, settings: { epochs: 1, resolution: 32, batchSize: 50, lr: 0.1, trainSize: null, valSize: null }, seed: 1, backend: 'wasm' }, data);
    assert.deepEqual([result.status, result.failureKind], ['failed', 'user-setting']);
    assert.match(result.errorText ?? '', /takes 1 input channel\(s\) and 10 classes, but CIFAR-10 has 3 channel\(s\) and 10 classes/);
  });

  it('gives a sweep spec\'s spaces and presets the dataset\'s channels, and refuses an inline config that does not fit', () => {
    const spec = parseSweepSpec(
      { name: 'c', dataset: 'cifar10', spaces: [{ space: 'RegNetX', n: 1 }, { model: 'regnet32', n: 1 }], train: { epochs: 1 } },
      'c.yaml',
    );
    assert.equal(spec.train.dataset, 'cifar10');
    assert.deepEqual(spec.spaces.map((e) => (e.kind === 'space' ? e.space.inputChannels : e.config.inputChannels)), [3, 3]);
    const fm = parseSweepSpec({ name: 'f', spaces: [{ model: 'regnet32', n: 1 }] }, 'f.yaml');
    assert.equal(fm.train.dataset, undefined, 'the default dataset is not stored, so older specs keep their identity');
    assert.throws(
      () => parseSweepSpec({ name: 'x', dataset: 'cifar10', spaces: [{ model: { stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8 }] }, n: 1 }] }, 'x.yaml'),
      /^NetspaceError: x\.yaml: spaces\[0\]\.model: the config takes 1 input channel\(s\) and 10 classes, but cifar10 has 3 channel\(s\)/,
    );
    assert.throws(() => parseSweepSpec({ name: 'x', dataset: 'cifar', spaces: [{ space: 'RegNetX', n: 1 }] }, 'x.yaml'), /^NetspaceError: x\.yaml: dataset must be one of fashion-mnist, mnist, kmnist, cifar10, got "cifar" \(did you mean "cifar10"\?\)$/);
  });

  it('runs a sweep with dataset cifar10 through the pool into the store', async () => {
    // The sweep reads files of the published size (10,000 records per batch file) from --data-dir.
    const full = join(dir, 'full');
    writeCifar(full, 10_000);
    const spec = parseSweepSpec(
      { name: 'cifar', seed: 2, dataset: 'cifar10', spaces: [{ model: { inputChannels: 3, stemWidth: 8, stages: [{ depth: 1, width: 8, groupWidth: 8 }] }, n: 2 }], train: { epochs: 1, resolution: 32, batchSize: 50, trainSize: 200, valSize: 50, backend: 'wasm' }, workers: 2 },
      'cifar.yaml',
    );
    const db = join(dir, 'cifar.db');
    const summary = await runSweep(spec, { db, dataDir: full, download: false });
    assert.equal(summary.counts.done, 2);
    const store = openStore(db, { readonly: true });
    try {
      const runs = store.readSweep('cifar').runs;
      assert.deepEqual(runs.map((r) => [r.settings.dataset, r.config.inputChannels, r.epochs.length]), [['cifar10', 3, 1], ['cifar10', 3, 1]]);
    } finally {
      store.close();
    }
  });
});
