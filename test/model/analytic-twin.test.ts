import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.ts';
import { buildAnyNet } from '../../src/model/anynet.ts';
import { builtinSpaces } from '../../src/space/builtins.ts';
import { complexity } from '../../src/space/complexity.ts';
import { REGNET32 } from '../../src/space/presets.ts';
import { sampleConfigs } from '../../src/space/sampler.ts';

describe('model/anynet against space/complexity (the analytic twin)', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('agrees on RegNet32: 179,290 params both ways', () => {
    const model = buildAnyNet(REGNET32);
    assert.equal(complexity(REGNET32, 96).params, model.paramCount());
    model.dispose();
  });

  for (const [name, space] of Object.entries(builtinSpaces)) {
    it(`agrees on the params of 200 configs sampled from ${name}`, () => {
      const samples = sampleConfigs(space, { n: 200, seed: 2026 });
      assert.equal(samples.length, 200);
      for (const sample of samples) {
        const model = buildAnyNet(sample.config);
        assert.equal(model.paramCount(), sample.params, `${sample.key}`);
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, 0);
    });
  }
});
