// Facts about the native backend that need no TF.js: its package, why it did not load, the GPU's name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The npm package behind --backend tensorflow (its CPU twin @tensorflow/tfjs-node has the same code). */
export const NATIVE_PACKAGE = '@tensorflow/tfjs-node-gpu';
/** The version netspace's kernels are written against (tfjs-core's, which it must match). */
export const NATIVE_PACKAGE_VERSION = '4.22.0';

/** One-line reason for a failed import of the native package, with what to do about it. */
export function nativeLoadFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') {
    if (String(e.message).includes(NATIVE_PACKAGE)) return `${NATIVE_PACKAGE} is not installed (netspace backend install builds it)`;
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/tfjs_binding\.node/.test(text) && /can not be found|cannot find/i.test(text)) {
    return `${NATIVE_PACKAGE} is installed without its native addon (netspace backend install builds it)`;
  }
  return `${NATIVE_PACKAGE} does not load: ${text.split('\n')[0]}`;
}

/** A GPU as the NVIDIA driver lists it in /proc/driver/nvidia/gpus/<bus id>/information. */
export interface DriverGpu {
  /** PCI bus id, the folder's name (e.g. "0000:3b:00.0"). */
  busId: string;
  /** "Model:" line, e.g. "NVIDIA A100-SXM4-40GB". */
  model: string;
  /** "GPU UUID:" line, e.g. "GPU-5a3c...". */
  uuid: string;
}

/** Reads one driver information file's fields (lines "Key:   value"). */
export function parseDriverGpu(busId: string, text: string): DriverGpu {
  const field = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return { busId, model: field('Model'), uuid: field('GPU UUID') };
}

/**
 * The GPU TF computes on, by name. tfjs-node's binding places every op on the last GPU TensorFlow lists
 * (tfjs_backend.cc), so a process sees one GPU as intended when CUDA_VISIBLE_DEVICES names exactly one, by index
 * (in PCI bus order, as with CUDA_DEVICE_ORDER=PCI_BUS_ID; the same order as CUDA's default on identical GPUs) or
 * by UUID. Without it, the last GPU in bus order. 'GPU' when the driver lists none that matches.
 */
export function pickGpu(gpus: readonly DriverGpu[], visible: string | undefined): string {
  const sorted = [...gpus].sort((a, b) => a.busId.localeCompare(b.busId));
  const entries = visible === undefined || visible.trim() === '' ? null : visible.split(',').map((v) => v.trim());
  const chosen = entries === null
    ? sorted.at(-1)
    : (() => {
        const last = entries.at(-1)!;
        return /^\d+$/.test(last) ? sorted[Number(last)] : sorted.find((g) => g.uuid === last || g.uuid.startsWith(last));
      })();
  return chosen?.model || 'GPU';
}

/** The name of the GPU this process computes on (see pickGpu), from the NVIDIA driver's files. */
export function gpuName(root = '/proc/driver/nvidia/gpus', env: Record<string, string | undefined> = process.env): string {
  let gpus: DriverGpu[] = [];
  try {
    gpus = readdirSync(root).map((busId) => parseDriverGpu(busId, readFileSync(join(root, busId, 'information'), 'utf8')));
  } catch {
    gpus = [];
  }
  return pickGpu(gpus, env.CUDA_VISIBLE_DEVICES);
}
