// Tests of src/engine/native-info.ts: the GPU's name as a run records it, and why the native package did not load.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gpuName, nativeLoadFailure, parseDriverGpu, pickGpu } from '../../src/engine/native-info.ts';

/** The NVIDIA driver's /proc/driver/nvidia/gpus/<bus id>/information, as it writes it (tab-separated). */
const information = (model: string, uuid: string, bus: string) =>
  `Model: \t\t ${model}\nIRQ:   \t\t 39\nGPU UUID: \t ${uuid}\nVideo BIOS: \t 90.04.38.00.03\nBus Type: \t PCIe\n` +
  `DMA Size: \t 47 bits\nBus Location: \t ${bus}\nDevice Minor: \t 0\nGPU Excluded:\t No\n`;

describe('engine/native-info', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'netspace-gpus-'));
    for (const [bus, model, uuid] of [
      ['0000:3b:00.0', 'NVIDIA A100-SXM4-40GB', 'GPU-aaaa1111-2222-3333-4444-555566667777'],
      ['0000:00:04.0', 'Tesla T4', 'GPU-bbbb1111-2222-3333-4444-555566667777'],
    ] as const) {
      mkdirSync(join(root, bus));
      writeFileSync(join(root, bus, 'information'), information(model, uuid, bus));
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads the model and UUID of a GPU from the driver\'s information file', () => {
    assert.deepEqual(parseDriverGpu('0000:00:04.0', information('Tesla T4', 'GPU-b', '0000:00:04.0')), { busId: '0000:00:04.0', model: 'Tesla T4', uuid: 'GPU-b' });
  });

  // tfjs-node's binding computes on the last GPU TF lists; one process per GPU makes it the only one.
  it('names the GPU a process computes on: the one CUDA_VISIBLE_DEVICES leaves (index in bus order or UUID), else the last', () => {
    assert.equal(gpuName(root, { CUDA_VISIBLE_DEVICES: '0' }), 'Tesla T4');
    assert.equal(gpuName(root, { CUDA_VISIBLE_DEVICES: '1' }), 'NVIDIA A100-SXM4-40GB');
    assert.equal(gpuName(root, { CUDA_VISIBLE_DEVICES: 'GPU-aaaa1111' }), 'NVIDIA A100-SXM4-40GB');
    assert.equal(gpuName(root, { CUDA_VISIBLE_DEVICES: '1,0' }), 'Tesla T4');
    assert.equal(gpuName(root, {}), 'NVIDIA A100-SXM4-40GB');
  });

  it('says GPU when the driver lists none that matches', () => {
    assert.equal(gpuName(join(root, 'missing'), {}), 'GPU');
    assert.equal(pickGpu([], '0'), 'GPU');
    assert.equal(gpuName(root, { CUDA_VISIBLE_DEVICES: '7' }), 'GPU');
  });

  it('tells a missing package from a missing addon and from a library that does not load', () => {
    const notFound = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node-gpu' imported from /x.ts"), { code: 'ERR_MODULE_NOT_FOUND' });
    assert.equal(nativeLoadFailure(notFound), '@tensorflow/tfjs-node-gpu is not installed (netspace backend install builds it)');
    const noAddon = new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /p/lib/napi-v8/tfjs_binding.node.\nPlease run ...');
    assert.equal(nativeLoadFailure(noAddon), '@tensorflow/tfjs-node-gpu is installed without its native addon (netspace backend install builds it)');
    assert.equal(nativeLoadFailure(new Error('libtensorflow_cc.so.2: cannot open shared object file\nmore')), '@tensorflow/tfjs-node-gpu does not load: libtensorflow_cc.so.2: cannot open shared object file');
  });
});
