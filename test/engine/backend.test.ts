// Tests of src/engine/backend.ts: what a run records about where it trained.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, describeRuntime, initBackend } from '../../src/engine/backend.ts';
import { tensorflowMissing } from './backends.ts';

const missing = await tensorflowMissing();

describe('engine/backend backendInfo and describeRuntime', () => {
  it('gives no TensorFlow version for TF.js\'s own backends, which compute on the CPU', async () => {
    await initBackend('wasm');
    assert.deepEqual(backendInfo(), { backend: 'wasm', tfVersion: null, device: 'CPU' });
    await initBackend('cpu');
    assert.deepEqual(backendInfo(), { backend: 'cpu', tfVersion: null, device: 'CPU' });
    assert.deepEqual(describeRuntime('cpu'), { engine: `TF.js ${tf.version_core} cpu`, device: 'CPU' });
  });

  it('gives libtensorflow\'s version and the device on tensorflow', { skip: missing ?? false }, async () => {
    await tf.setBackend('tensorflow');
    const info = backendInfo();
    assert.equal(info.backend, 'tensorflow');
    assert.match(info.tfVersion ?? '', /^2\.\d+\.\d+/);
    assert.equal(info.device, 'CPU');
    assert.deepEqual(describeRuntime('tensorflow'), { engine: `TensorFlow ${info.tfVersion}`, device: 'CPU' }, 'what a run records');
  });
});
