// Backend choice: tensorflow (tfjs-node-gpu, optional), wasm (the CPU default, with our training kernels), cpu.
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every op's gradient with tfjs-core (tfjs-core alone registers none); its other
// backends (webgl) never initialise in Node.
import '@tensorflow/tfjs';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { BackendName } from '../core/types.ts';
import { registerEngineKernels } from './kernels.ts';
import { guardWasmAllocations } from './heap.ts';
import { BACKEND_REQUESTS, type BackendRequest } from './options.ts';
import { simdModule } from './simd.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

/**
 * Loads @tensorflow/tfjs-node-gpu, which registers the 'tensorflow' backend with tfjs-core. Unverified here: the
 * package cannot install on machines without access to its libtensorflow download. TF_FORCE_GPU_ALLOW_GROWTH must be
 * set before libtensorflow starts, or it takes all GPU memory and any other process on that GPU fails. It loads in
 * one thread per process (see TENSORFLOW_MAX_WORKERS in sweep/spec.ts).
 */
async function loadTensorflow(): Promise<boolean> {
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  try {
    const name = '@tensorflow/tfjs-node-gpu';
    await import(name);
    return tf.findBackend('tensorflow') !== null || tf.engine().registryFactory.tensorflow !== undefined;
  } catch {
    return false;
  }
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
    throw new NetspaceError(messages.engine.backendMissing(chosen));
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

/**
 * What computes on `backend` in this thread, for the record of every run: the engine with its version and the device.
 * The CPU backends run TF.js's kernels (and netspace's) on the CPU.
 */
export function describeRuntime(backend: BackendName): { engine: string; device: string } {
  return { engine: `TF.js ${tf.version_core} ${backend}`, device: 'CPU' };
}
