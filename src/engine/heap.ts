// The wasm backend's heap: its size, its limit, and a full heap turned into an error that ends the run with a way out.
import * as tf from '@tensorflow/tfjs-core';
import { messages } from '../messages.ts';

/** A wasm32 memory holds at most 4 GiB; the wasm backend grows its heap up to there and no further. */
export const WASM_HEAP_LIMIT_BYTES = 2 ** 32;

/** The heap is "nearly full" from this share of the limit: a failed allocation there is most likely the cause. */
const NEARLY_FULL = 0.9;

/** The heap has no room for an allocation: the run fails as out-of-memory, never goes on with a bad pointer. */
export class HeapFullError extends Error {
  override readonly name = 'HeapFullError';
}

/** Throws HeapFullError for an allocation of `bytes` that found no room. */
export function heapFull(bytes: number): never {
  throw new HeapFullError(messages.engine.heapFull(bytes, WASM_HEAP_LIMIT_BYTES));
}

interface WasmBackendModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
}

function activeWasmModule(): WasmBackendModule | null {
  if (tf.getBackend() !== 'wasm') return null;
  return (tf.backend() as unknown as { wasm: WasmBackendModule }).wasm;
}

/** Bytes the active wasm backend's heap holds now (it only grows); 0 when the active backend is not wasm. */
export function wasmHeapBytes(): number {
  return activeWasmModule()?.HEAPU8.buffer.byteLength ?? 0;
}

/** Whether the active wasm backend's heap has grown to within 10% of its limit. */
export function wasmHeapNearlyFull(): boolean {
  return wasmHeapBytes() >= NEARLY_FULL * WASM_HEAP_LIMIT_BYTES;
}

const guarded = new WeakSet<object>();

/**
 * Makes every allocation of the wasm backend's JS side (tensor outputs, uploads) throw HeapFullError when malloc
 * finds no room: TF.js would otherwise write the tensor at address 0, over its own data, and the run would go on
 * with corrupt memory. Idempotent.
 */
export function guardWasmAllocations(): void {
  const module = activeWasmModule();
  if (module === null || guarded.has(module)) return;
  guarded.add(module);
  const malloc = module._malloc.bind(module);
  module._malloc = (bytes: number): number => {
    const address = malloc(bytes);
    if (address === 0 && bytes > 0) heapFull(bytes);
    return address;
  };
}
