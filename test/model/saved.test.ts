// Tests of src/model/saved.ts and `netspace export-model`: a run's kept checkpoint out as model.json + weights.bin, and back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.ts';
import { buildAnyNet } from '../../src/model/anynet.ts';
import { loadSavedModel, type SavedModel } from '../../src/model/saved.ts';
import { openStore } from '../../src/store/store.ts';
import type { AnyNetConfig, TrainSettings } from '../../src/core/types.ts';

const netspace = (...args: string[]) => spawnSync(process.execPath, ['bin/netspace.js', ...args], { encoding: 'utf8' });
const config: AnyNetConfig = { inputChannels: 1, stemWidth: 8, numClasses: 10, convBias: true, stages: [{ depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 0.5 }, { depth: 2, width: 32, groupWidth: 8, bottleneckMultiplier: 1 }] };
const settings: TrainSettings = { epochs: 1, resolution: 16, batchSize: 8, lr: 0.1, trainSize: 64, valSize: 32 };

describe('model/saved and cli export-model', () => {
  let dir = '';
  let db = '';
  let images: tf.Tensor4D;
  let expected: Float32Array;
  const ids = { done: 0, pending: 0 };

  before(async () => {
    await initBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'netspace-saved-'));
    db = join(dir, 'runs.db');
    // A model whose batch-norm statistics moved (a forward pass in training mode), its checkpoint kept as a done run's.
    const model = buildAnyNet(config, { seed: 3 });
    images = tf.randomUniform([4, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    tf.tidy(() => model.forward(images, true));
    expected = tf.tidy(() => model.forward(images, false)).dataSync() as Float32Array;
    const checkpoint = model.saveWeights();
    model.dispose();
    const store = openStore(db);
    const { id } = store.openSweep('s', { v: 1 });
    const base = { space: 'A', config, sampled: {}, flops: 1, params: 1, acts: 1, seed: 1, settings };
    store.addRuns(id, [{ ...base, configKey: 'a' }, { ...base, configKey: 'b' }]);
    const [done, pending] = store.pendingRuns(id);
    ids.done = done!.id;
    ids.pending = pending!.id;
    const epoch = { epoch: 1, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, seconds: 1, imagesPerSecond: 1 };
    store.markRunning(ids.done, 'cpu');
    store.recordEpoch(ids.done, epoch, new Uint8Array(checkpoint.buffer));
    store.finishRun(ids.done, { status: 'done', epochs: [epoch], finalError: 0.5, errorText: null, failureKind: null, backend: 'cpu', seconds: 1 });
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the final checkpoint of a done run, which builds back into the same network', () => {
    const out = join(dir, 'model');
    const cli = netspace('export-model', String(ids.done), '--db', db, '--out', out);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`run ${ids.done} \\(A, 1 epochs, error 50\\.00%\\): wrote .*model\\.json and .*weights\\.bin`));
    const { model, saved } = loadSavedModel(out);
    try {
      assert.deepEqual(saved.config, config);
      assert.deepEqual(saved.input, { resolution: 16, channels: 1 });
      assert.equal(saved.source.runId, ids.done);
      const logits = tf.tidy(() => model.forward(images, false)).dataSync() as Float32Array;
      assert.deepEqual(Array.from(logits), Array.from(expected));
    } finally {
      model.dispose();
    }
  });

  it('is in the TF.js weights format: tf.io.decodeWeights names every tensor with its shape', () => {
    const out = join(dir, 'model');
    const saved = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as SavedModel;
    const bin = readFileSync(join(out, 'weights.bin'));
    const tensors = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), saved.weightsManifest[0].weights);
    const model = buildAnyNet(config);
    try {
      const variables = [...model.trainable, ...model.state];
      assert.deepEqual(Object.keys(tensors), variables.map((v) => v.name));
      for (const v of variables) assert.deepEqual(tensors[v.name]!.shape, v.variable.shape, v.name);
      assert.ok(variables.some((v) => /moving|running/i.test(v.name)), 'batch-norm statistics are saved');
    } finally {
      model.dispose();
      Object.values(tensors).forEach((t) => t.dispose());
    }
  });

  it('refuses a run without a kept checkpoint and an absent run, naming them', () => {
    const pending = netspace('export-model', String(ids.pending), '--db', db, '--out', join(dir, 'p'));
    assert.equal(pending.status, 1);
    assert.match(pending.stderr, new RegExp(`run ${ids.pending} \\(pending\\) has no kept checkpoint: only done and stopped runs keep their trained model; export it once it has finished`));
    const absent = netspace('export-model', '999', '--db', db);
    assert.equal(absent.status, 1);
    assert.match(absent.stderr, /no run with id 999/);
    assert.doesNotMatch(pending.stderr + absent.stderr, /\n\s+at /);
  });
});
