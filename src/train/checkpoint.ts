// Checkpoint bytes: the model's weights and running statistics, then the optimizer's state when it has one.
import type { OptimizerState } from '../engine/optimizer.ts';

/** "NSOP" little-endian: marks the trailer of a checkpoint that carries optimizer state. */
const MAGIC = 0x504f534e;
const VERSION = 1;
/** magic, version, iterations, buffer values: four uint32. */
const TRAILER_BYTES = 16;

/**
 * The bytes stored after an epoch: `weights` (float32, AnyNetModel.saveWeights order), and when the optimizer keeps
 * buffers (momentum, Adam's moments) those buffers (float32) and a 16-byte trailer (magic "NSOP", format version,
 * iterations, number of buffer values; uint32 little-endian). Plain SGD keeps none, so the chapter's checkpoints are
 * the weights alone, as they were before recipes existed.
 */
export function encodeCheckpoint(weights: Float32Array, optimizer: OptimizerState | null): Uint8Array {
  const state = optimizer !== null && optimizer.buffers.length > 0 ? optimizer : null;
  const bytes = new Uint8Array(weights.byteLength + (state === null ? 0 : state.buffers.byteLength + TRAILER_BYTES));
  bytes.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
  if (state !== null) {
    bytes.set(new Uint8Array(state.buffers.buffer, state.buffers.byteOffset, state.buffers.byteLength), weights.byteLength);
    const trailer = new DataView(bytes.buffer, bytes.byteLength - TRAILER_BYTES, TRAILER_BYTES);
    [MAGIC, VERSION, state.iterations, state.buffers.length].forEach((word, i) => trailer.setUint32(4 * i, word, true));
  }
  return bytes;
}

/**
 * Splits checkpoint bytes of a model with `weightCount` values back into weights and optimizer state (null when the
 * bytes are the weights alone). Throws when the bytes fit neither form: a checkpoint of another model or recipe.
 */
export function decodeCheckpoint(bytes: Uint8Array, weightCount: number): { weights: Float32Array; optimizer: OptimizerState | null } {
  // A copy: stored bytes need not be 4-byte aligned, and the caller may keep the originals.
  const floats = (offset: number, count: number): Float32Array => new Float32Array(bytes.slice(offset, offset + 4 * count).buffer);
  const weightBytes = 4 * weightCount;
  if (bytes.byteLength === weightBytes) return { weights: floats(0, weightCount), optimizer: null };
  const fail = (why: string): never => {
    throw new Error(`checkpoint of ${bytes.byteLength} bytes does not fit a model of ${weightCount} values: ${why}`);
  };
  if (bytes.byteLength < weightBytes + TRAILER_BYTES) fail('too short');
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.byteLength - TRAILER_BYTES, TRAILER_BYTES);
  const [magic, version, iterations, count] = [0, 1, 2, 3].map((i) => trailer.getUint32(4 * i, true)) as [number, number, number, number];
  if (magic !== MAGIC || version !== VERSION) fail('no optimizer state trailer');
  if (weightBytes + 4 * count + TRAILER_BYTES !== bytes.byteLength) fail(`its trailer announces ${count} optimizer values`);
  return { weights: floats(0, weightCount), optimizer: { iterations, buffers: floats(weightBytes, count) } };
}
