// What the tensorflow backend does in this process: loads as a training worker loads it, and trains one grouped conv.
import * as tf from '@tensorflow/tfjs-core';
import { addonHasAttrLock, installedAddon } from './binding-lock.ts';
import { backendInfo, initBackend } from './backend.ts';
import type { NativeProbe } from './native-install.ts';
import { GROUPED_CONV } from './kernels.ts';

/**
 * Loads the tensorflow backend with netspace's environment and kernels, runs a grouped convolution forward and
 * backward (the kernels the first training step needs), and reports libtensorflow's version, the device, and whether
 * the addon has netspace's lock on its attribute table (binding-lock.ts).
 */
export async function probeHere(): Promise<NativeProbe> {
  try {
    await initBackend('tensorflow');
    tf.tidy(() => {
      const x = tf.ones([2, 6, 6, 4]);
      const w = tf.ones([3, 3, 2, 4]);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.engine().runKernel(GROUPED_CONV, { x: a, filter: b }, { strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]], groups: 2 }) as tf.Tensor);
      tf.grads(f)([x, w]).forEach((g) => g.dataSync());
    });
    const { tfVersion, device } = backendInfo();
    const addon = installedAddon();
    return { ok: true, tfVersion, device, error: null, addon, attrLock: addon === null ? null : addonHasAttrLock(addon) };
  } catch (error) {
    return { ok: false, tfVersion: null, device: null, error: error instanceof Error ? error.message : String(error), addon: null, attrLock: null };
  }
}
