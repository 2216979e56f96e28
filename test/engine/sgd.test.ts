import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.ts';
import { sgd } from '../../src/engine/sgd.ts';
import { trainingBackends } from './backends.ts';

const BACKENDS = (await trainingBackends(['wasm', 'cpu', 'tensorflow'] as const)).filter((b) => b.skip === false).map((b) => b.backend);

/** Two variables of odd sizes (one not a multiple of 4) and their gradients, updated by `optimizer`. */
function update(optimizer: tf.Optimizer, names: [string, string]): { values: number[][]; iterations: number; tensors: number } {
  const a = tf.variable(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), true, names[0]);
  const b = tf.variable(tf.tensor1d([0.5, -0.25, 8, 1, 2, 3, 4]), true, names[1]);
  const grads = { [names[0]]: tf.tensor2d([[0.1, -0.2, 0.3], [1, 0, -1]]), [names[1]]: tf.tensor1d([1, 1, 1, -1, 0.5, 0, 2]) };
  const tensors = tf.memory().numTensors;
  optimizer.applyGradients(grads);
  const after = tf.memory().numTensors;
  const values = [Array.from(a.dataSync()), Array.from(b.dataSync())];
  tf.dispose([a, b, ...Object.values(grads)]);
  return { values, iterations: optimizer.iterations, tensors: after - tensors };
}

describe('engine/sgd', () => {
  before(async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  });

  it(`updates every variable as tf.train.sgd on the plain cpu backend does, in one kernel call on ${BACKENDS.join(', ')}`, async () => {
    await tf.setBackend('cpu');
    const want = update(tf.train.sgd(0.5), ['ref-a', 'ref-b']);
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const optimizer = sgd(0.5);
      const { kernels } = await tf.profile(() => {
        const got = update(optimizer, [`${backend}-a`, `${backend}-b`]);
        got.values.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - want.values[i]![j]!) < 1e-6, `${backend}: ${x} vs ${want.values[i]![j]}`)));
        assert.equal(got.iterations, 1);
        assert.equal(got.tensors, 0, 'the update left tensors behind');
      });
      assert.deepEqual(kernels.map((k) => k.name), ['NetspaceSgdUpdate'], `${backend}: one kernel call for both variables`);
      optimizer.dispose();
    }
  });
});
