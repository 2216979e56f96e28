// Backend choice: tensorflow (tfjs-node-gpu, optional), wasm (the CPU default, with our training kernels), cpu.
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every op's gradient with tfjs-core (tfjs-core alone registers none); its other
// backends (webgl) never initialise in Node.
import '@tensorflow/tfjs';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { BackendName } from '../core/types.ts';
import { guardWasmAllocations } from './heap.ts';
import { registerEngineKernels } from './kernels.ts';
import { applyNativeEnvironment, freezeNativeEnvironment } from './native-env.ts';
import { gpuName, NATIVE_PACKAGE, nativeLoadFailure } from './native-info.ts';
import { BACKEND_REQUESTS, type BackendRequest } from './options.ts';
import { simdModule } from './simd.ts';
import { registerTensorflowKernels, type NodeBackend } from './tensorflow-kernels.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

/** Why the tensorflow backend did not load in this thread, for the error message; null until it was tried. */
let tensorflowFailure: string | null = null;

/**
 * Loads @tensorflow/tfjs-node-gpu, which registers the 'tensorflow' backend with tfjs-core, and registers netspace's
 * kernels for it. In the main thread the environment libtensorflow reads at load comes first (native-env.ts); a
 * pool sets it for its workers before they start. The package loads in several threads of one process: its
 * binding keeps its state per thread, but for one table of op attribute names, which `netspace backend install`
 * builds under a lock (binding-lock.ts).
 */
async function loadTensorflow(): Promise<boolean> {
  applyNativeEnvironment(1);
  try {
    const name = NATIVE_PACKAGE;
    await import(name);
  } catch (error) {
    tensorflowFailure = nativeLoadFailure(error);
    return false;
  }
  freezeNativeEnvironment();
  registerTensorflowKernels();
  return tf.findBackend('tensorflow') !== null || tf.engine().registryFactory.tensorflow !== undefined;
}

const loaders: Record<BackendName, () => Promise<boolean>> = {
  tensorflow: loadTensorflow,
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const module = await simdModule();
    registerWasmKernels(module);
    registerEngineKernels('wasm', module);
    return true;
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    registerEngineKernels('cpu', await simdModule());
    return true;
  },
};

/** Makes `requested` the active TF.js backend of this thread and returns the one that runs. */
export async function initBackend(requested: BackendRequest): Promise<BackendName> {
  if (!BACKEND_REQUESTS.includes(requested)) {
    throw new NetspaceError(messages.engine.unknownBackend(String(requested), BACKEND_REQUESTS));
  }
  const chosen: BackendName = requested === 'auto' ? ((await loaders.tensorflow()) ? 'tensorflow' : 'wasm') : requested;
  if (!(await loaders[chosen]())) {
    throw new NetspaceError(messages.engine.backendMissing(chosen, tensorflowFailure ?? 'it does not load'));
  }
  // PROD silences TF.js's advice to install tfjs-node (printed on every cpu-backend start) and skips debug checks.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(chosen))) {
    throw new NetspaceError(messages.engine.backendInit(chosen));
  }
  await tf.ready();
  if (chosen === 'wasm') guardWasmAllocations();
  return chosen;
}

/** What a run records about where it trained. */
export interface BackendInfo {
  backend: BackendName;
  /** libtensorflow's version (TF_Version) on tensorflow; null on wasm and cpu, which run TF.js's own kernels. */
  tfVersion: string | null;
  /** 'CPU', or the GPU's name (e.g. 'NVIDIA A100-SXM4-40GB'; 'GPU' when the driver does not say). */
  device: string;
}

/** The active backend of this thread, the TensorFlow version behind it and the device it computes on. */
export function backendInfo(): BackendInfo {
  const backend = tf.getBackend() as BackendName;
  if (backend !== 'tensorflow') return { backend, tfVersion: null, device: 'CPU' };
  const node = tf.backend() as unknown as NodeBackend & { binding: { TF_Version: string } };
  return { backend, tfVersion: node.binding.TF_Version, device: node.isUsingGpuDevice ? gpuName() : 'CPU' };
}

/**
 * What computes on `backend` in this thread, for the record of every run: the engine with its version and the device.
 * The CPU backends run TF.js's kernels (and netspace's) on the CPU; tensorflow runs libtensorflow's, on the CPU or a
 * GPU (backendInfo).
 */
export function describeRuntime(backend: BackendName): { engine: string; device: string } {
  if (backend !== 'tensorflow') return { engine: `TF.js ${tf.version_core} ${backend}`, device: 'CPU' };
  const { tfVersion, device } = backendInfo();
  return { engine: `TensorFlow ${tfVersion ?? 'unknown'}`, device };
}
