import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.ts';
import { buildAnyNet, buildBlock } from '../../src/model/anynet.ts';
import { REGNET32 } from '../../src/space/presets.ts';
import type { AnyNetConfig } from '../../src/space/config.ts';

describe('model/anynet', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('keeps (4, 32, 96, 96) through block(32, 32, group width 16, multiplier 1), as the chapter shows', () => {
    const block = buildBlock({ inputChannels: 32, channels: 32, groupWidth: 16, bottleneckMultiplier: 1, projection: false, stride: 1 });
    const shape = tf.tidy(() => block.forward(tf.randomNormal([4, 96, 96, 32]), true).shape);
    block.dispose();
    assert.deepEqual(shape, [4, 96, 96, 32]); // NHWC of the chapter's (4, 32, 96, 96)
  });

  it('halves the resolution with projection and stride 2: (4, 32, 48, 48)', () => {
    const block = buildBlock({ inputChannels: 32, channels: 32, groupWidth: 16, bottleneckMultiplier: 1, projection: true, stride: 2 });
    const shape = tf.tidy(() => block.forward(tf.randomNormal([4, 96, 96, 32]), true).shape);
    block.dispose();
    assert.deepEqual(shape, [4, 48, 48, 32]);
  });

  it('gives RegNet32 exactly the PyTorch model parameter count, 179,290', () => {
    const model = buildAnyNet(REGNET32);
    assert.equal(model.paramCount(), 179_290);
    model.dispose();
  });

  it('counts 2 * width scalars of running statistics per batch norm, outside the parameters', () => {
    const model = buildAnyNet(REGNET32);
    const bnParams = model.trainable.filter((v) => /\.bn\d?\.weight$/.test(v.name)).reduce((n, v) => n + v.variable.size, 0);
    const stateSize = model.state.reduce((n, v) => n + v.variable.size, 0);
    assert.equal(stateSize, 2 * bnParams);
    assert.ok(model.state.every((v) => !v.variable.trainable));
    model.dispose();
  });

  it('builds the same weights from the same seed and different ones from another', () => {
    const a = buildAnyNet(REGNET32, { seed: 7 });
    const b = buildAnyNet(REGNET32, { seed: 7 });
    const c = buildAnyNet(REGNET32, { seed: 8 });
    assert.deepEqual(a.saveWeights(), b.saveWeights());
    assert.notDeepEqual(a.saveWeights(), c.saveWeights());
    [a, b, c].forEach((m) => m.dispose());
  });

  it('initialises conv weights Xavier-uniform within sqrt(6 / (fan_in + fan_out))', () => {
    const model = buildAnyNet(REGNET32, { seed: 3 });
    const conv2 = model.trainable.find((v) => v.name === 'stage2.block1.conv2.weight')!;
    // [3, 3, 16, 80]: fan_in = 16 * 9, fan_out = 80 * 9 (PyTorch counts all output channels).
    const bound = Math.sqrt(6 / (16 * 9 + 80 * 9));
    const values = conv2.variable.dataSync();
    assert.ok(values.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...values.map(Math.abs)) > 0.9 * bound);
    model.dispose();
  });

  it('restores weights and running statistics from a checkpoint', () => {
    const a = buildAnyNet(REGNET32, { seed: 1 });
    tf.tidy(() => a.forward(tf.randomNormal([2, 28, 28, 1]), true));
    const saved = a.saveWeights();
    const b = buildAnyNet(REGNET32, { seed: 2 });
    b.loadWeights(saved);
    assert.deepEqual(b.saveWeights(), saved);
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    assert.deepEqual(tf.tidy(() => a.forward(x, false).arraySync()), tf.tidy(() => b.forward(x, false).arraySync()));
    assert.throws(() => b.loadWeights(saved.subarray(1)), /checkpoint holds/);
    x.dispose();
    a.dispose();
    b.dispose();
  });

  describe('rejects an impossible config before building any tensor', () => {
    const base = (): AnyNetConfig => structuredClone(REGNET32) as AnyNetConfig;
    const cases: [string, (c: AnyNetConfig) => unknown, RegExp][] = [
      ['group width not dividing the bottleneck width', (c) => { c.stages[1]!.groupWidth = 12; return c; }, /stages\[1\]\.groupWidth is 12, which does not divide the bottleneck width 80/],
      ['zero depth', (c) => { c.stages[0]!.depth = 0; return c; }, /stages\[0\]\.depth must be a whole number from 1 to 2\^53 - 1, got 0/],
      ['negative width', (c) => { c.stages[0]!.width = -32; return c; }, /stages\[0\]\.width must be a whole number from 1 to 2\^53 - 1, got -32/],
      ['unknown key', (c) => ({ ...c, stemWidht: 32 }), /stemWidht is not a known key \(did you mean "stemWidth"\?\); expected one of: inputChannels, stemWidth/],
      ['unknown stage key', (c) => { (c.stages[0] as unknown as Record<string, number>).widht = 3; return c; }, /stages\[0\]\.widht is not a known key/],
      ['no stages', (c) => ({ ...c, stages: [] }), /stages must be a non-empty list/],
      ['fractional stem', (c) => ({ ...c, stemWidth: 2.5 }), /stemWidth must be a whole number from 1 to 2\^53 - 1, got 2.5/],
    ];
    for (const [name, mutate, message] of cases) {
      it(name, () => {
        const before = tf.memory().numTensors;
        assert.throws(() => buildAnyNet(mutate(base()) as AnyNetConfig), (error: Error) => {
          assert.equal(error.name, 'NetspaceError');
          assert.match(error.message, message);
          return true;
        });
        assert.equal(tf.memory().numTensors, before);
      });
    }
  });
});
