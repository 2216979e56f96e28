// Where a kernel's SIMD code reads and writes: the wasm backend's own heap, or a memory of ours for the cpu backend.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapFull } from './heap.ts';
import { instantiateSimd, webAssembly, type SimdExports, type WasmMemory, type WasmModule } from './simd.ts';

/** A float32 tensor being written by a kernel, and the byte address of its data. */
export interface Output {
  info: tf.TensorInfo;
  address: number;
}

/**
 * One kernel call's view of memory. Inputs, outputs and scratch all live in the memory `simd` works on; `finish`
 * ends the call (frees scratch, and for a copying arena moves the outputs into the backend).
 */
export interface Arena {
  readonly simd: SimdExports;
  /** Starts a kernel call, dropping whatever a call that threw left behind. */
  begin(): void;
  /** Byte address of a float32 input's data. */
  input(t: tf.TensorInfo): number;
  output(shape: readonly number[]): Output;
  /** Uninitialised scratch of `bytes` bytes, 16-byte aligned, valid until finish(). */
  scratch(bytes: number): number;
  /** Scratch holding the given i32 values. */
  ints(values: readonly number[]): number;
  finish(outputs: readonly Output[]): tf.TensorInfo[];
}

function checkFloat(t: tf.TensorInfo): void {
  if (t.dtype !== 'float32') throw new Error(`netspace kernels take float32 tensors, got ${t.dtype} [${t.shape.join(', ')}]`);
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** What the wasm backend's Emscripten module offers (its bundled typings leave these out). */
interface EmscriptenModule {
  asm: { memory: WasmMemory };
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(address: number): void;
}

/**
 * The wasm backend's heap: tensors are used where they are, outputs are the backend's own allocations, scratch
 * comes from its malloc. Nothing is copied.
 */
class WasmArena implements Arena {
  readonly simd: SimdExports;
  private readonly pending: number[] = [];
  private readonly em: EmscriptenModule;

  constructor(private readonly backend: BackendWasm, module: WasmModule) {
    this.em = backend.wasm as unknown as EmscriptenModule;
    this.simd = instantiateSimd(module, this.em.asm.memory);
  }

  begin(): void {
    this.release();
  }

  private release(): void {
    for (const p of this.pending) this.em._free(p);
    this.pending.length = 0;
  }

  input(t: tf.TensorInfo): number {
    checkFloat(t);
    return this.backend.getMemoryOffset(t.dataId) >>> 0;
  }

  output(shape: readonly number[]): Output {
    const info = this.backend.makeOutput([...shape], 'float32');
    const address = this.backend.getMemoryOffset(info.dataId) >>> 0;
    if (address === 0 && size(shape) > 0) heapFull(size(shape) * 4);
    return { info, address };
  }

  scratch(bytes: number): number {
    // Over-allocate so the start can be rounded up to 16 bytes (malloc gives 8).
    const raw = this.em._malloc(Math.max(16, bytes + 16)) >>> 0;
    if (raw === 0) heapFull(bytes);
    this.pending.push(raw);
    return ((raw + 15) & ~15) >>> 0;
  }

  ints(values: readonly number[]): number {
    const address = this.scratch(values.length * 4);
    new Int32Array(this.em.asm.memory.buffer, address, values.length).set(values);
    return address;
  }

  finish(outputs: readonly Output[]): tf.TensorInfo[] {
    this.release();
    return outputs.map((o) => o.info);
  }
}

/** Our own memory for the cpu backend: inputs are copied in, outputs copied out. Grows as needed, never shrinks. */
class CopyArena implements Arena {
  readonly simd: SimdExports;
  private readonly memory = new webAssembly.Memory({ initial: 256, maximum: 65536 });
  private top = 0;

  constructor(private readonly backend: tf.KernelBackend, module: WasmModule) {
    this.simd = instantiateSimd(module, this.memory);
  }

  begin(): void {
    this.top = 0;
  }

  private reserve(bytes: number): number {
    const address = this.top;
    this.top = ((this.top + bytes + 15) & ~15) >>> 0;
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    return address;
  }

  input(t: tf.TensorInfo): number {
    checkFloat(t);
    const values = this.backend.readSync(t.dataId) as Float32Array;
    const address = this.reserve(values.length * 4);
    new Float32Array(this.memory.buffer, address, values.length).set(values);
    return address;
  }

  output(shape: readonly number[]): Output {
    const address = this.reserve(size(shape) * 4);
    // The info is made in finish(), once the values exist; until then only the address matters.
    return { info: { dataId: {}, shape: [...shape], dtype: 'float32' }, address };
  }

  scratch(bytes: number): number {
    return this.reserve(bytes);
  }

  ints(values: readonly number[]): number {
    const address = this.reserve(values.length * 4);
    new Int32Array(this.memory.buffer, address, values.length).set(values);
    return address;
  }

  finish(outputs: readonly Output[]): tf.TensorInfo[] {
    const infos = outputs.map((o) => {
      const values = new Float32Array(this.memory.buffer, o.address, size(o.info.shape)).slice();
      return (this.backend as unknown as { makeTensorInfo(s: number[], d: 'float32', v: Float32Array): tf.TensorInfo })
        .makeTensorInfo([...o.info.shape], 'float32', values);
    });
    this.top = 0;
    return infos;
  }
}

const arenas = new WeakMap<tf.KernelBackend, Arena>();

/** The arena of `backend` (one per backend instance; the wasm one shares the backend's heap). */
export function arenaFor(backend: tf.KernelBackend, backendName: 'wasm' | 'cpu', module: WasmModule): Arena {
  let arena = arenas.get(backend);
  if (arena === undefined) {
    arena = backendName === 'wasm' ? new WasmArena(backend as BackendWasm, module) : new CopyArena(backend, module);
    arenas.set(backend, arena);
  }
  return arena;
}
