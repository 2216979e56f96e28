// Builds ./simd-kernels.as with AssemblyScript on first use (cached on disk by source hash) and instantiates it.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The exports of simd-kernels.as. Addresses are byte offsets into the memory the instance imports; `gm` points at
 * the 16 i32 of a convolution's geometry (see CONV_GEOMETRY in kernels.ts).
 */
export interface SimdExports {
  gemm(a: number, asi: number, asp: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, acc: number): void;
  /** Scratch bytes of a conv pass: 0 forward, 1 filter gradient, 2 input gradient. */
  convScratchBytes(gm: number, pass: 0 | 1 | 2): number;
  convForward(x: number, w: number, y: number, scratch: number, gm: number): void;
  convBackpropFilter(x: number, dy: number, dw: number, scratch: number, gm: number): void;
  convBackpropInput(dy: number, w: number, dx: number, scratch: number, gm: number): void;
  bnForward(x: number, gamma: number, beta: number, y: number, mean: number, variance: number, rows: number, c: number, eps: number, scratch: number): void;
  bnBackward(
    dy: number, x: number, gamma: number, mean: number, variance: number, dx: number, dgamma: number, dbeta: number,
    rows: number, c: number, eps: number, scratch: number,
  ): void;
  columnSums(x: number, rows: number, c: number, out: number, scratch: number): void;
  reluGrad(dy: number, x: number, dx: number, n: number): void;
  sgdUpdate(v: number, g: number, out: number, n: number, lr: number): void;
  sgdStep(v: number, g: number, b: number, out: number, outB: number, n: number, lr: number, wd: number, mu: number, hasBuffer: number, nesterov: number): void;
  adamStep(
    v: number, g: number, m: number, s: number, out: number, outM: number, outS: number, n: number,
    stepSize: number, bc2Sqrt: number, eps: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, l2: number, keep: number,
  ): void;
}

/** The parts of the WebAssembly JS API used here (tsconfig's lib, ES2022 without DOM, declares none of it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** A compiled module (opaque). */
export type WasmModule = { readonly __wasmModule: unique symbol };
interface WebAssemblyApi {
  compile(binary: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const SOURCE = fileURLToPath(new URL('./simd-kernels.as', import.meta.url));
/** asc options: no runtime and no assertions, so the module has no data segments and imports only the memory. */
const OPTIONS = { optimizeLevel: 3, shrinkLevel: 0, runtime: 'stub', noAssert: true, enable: ['simd'], importMemory: true } as const;

let compiled: Promise<WasmModule> | null = null;

function cacheDirs(): string[] {
  return [fileURLToPath(new URL('../../node_modules/.cache/netspace/', import.meta.url)), join(tmpdir(), 'netspace-cache')];
}

async function build(source: string): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  const result = await asc.compileString({ 'simd-kernels.ts': source }, { ...OPTIONS, enable: [...OPTIONS.enable] });
  if (result.error !== null || result.binary === null) {
    throw new Error(`compiling src/engine/simd-kernels.as failed: ${result.error?.message ?? ''}\n${result.stderr.toString()}`);
  }
  return result.binary;
}

/**
 * The compiled module, built once per source version: the first process compiles (a few seconds) and writes
 * <cache>/simd-kernels-<hash>.wasm through a rename, so concurrent workers never read a half-written file.
 */
async function loadBinary(): Promise<Uint8Array> {
  const source = readFileSync(SOURCE, 'utf8');
  const ascVersion = (JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('assemblyscript/package.json')), 'utf8')) as { version: string }).version;
  const hash = createHash('sha256').update(source).update(ascVersion).update(JSON.stringify(OPTIONS)).digest('hex').slice(0, 16);
  const name = `simd-kernels-${hash}.wasm`;
  for (const dir of cacheDirs()) {
    try {
      return readFileSync(join(dir, name));
    } catch {
      // not built yet in this cache
    }
  }
  const binary = await build(source);
  for (const dir of cacheDirs()) {
    try {
      mkdirSync(dir, { recursive: true });
      const temp = join(dir, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
      writeFileSync(temp, binary);
      renameSync(temp, join(dir, name));
      // Builds of older sources are never read again.
      for (const old of readdirSync(dir)) {
        if (/^simd-kernels-[0-9a-f]{16}\.wasm$/.test(old) && old !== name) rmSync(join(dir, old), { force: true });
      }
      break;
    } catch {
      // read-only location: try the next, or keep the build in memory only
    }
  }
  return binary;
}

/** Compiles (or reads from the cache) the SIMD kernel module once per thread. */
export function simdModule(): Promise<WasmModule> {
  compiled ??= loadBinary().then((binary) => webAssembly.compile(binary));
  return compiled;
}

/** An instance of the kernels working on `memory`. */
export function instantiateSimd(module: WasmModule, memory: WasmMemory): SimdExports {
  const instance = new webAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as SimdExports;
}
