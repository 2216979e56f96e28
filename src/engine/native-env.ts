// The process environment libtensorflow reads once, when it loads: oneDNN's ISA cap, thread pools, GPU memory, logs.
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * What netspace sets before libtensorflow loads, unless the user set it (then theirs stands). Each value is read by
 * TensorFlow or oneDNN through getenv() when the library starts, so it must be in the process environment by then:
 * a worker thread's `process.env` is a private copy that native code never sees, so only the main thread can set
 * these (see applyNativeEnvironment).
 */
export interface NativeEnvironment {
  /**
   * oneDNN's highest instruction set. TF 2.21's oneDNN computes wrong Conv2D gradients on AVX-512 CPUs (a 1x1
   * stride-2 filter gradient corrupts the heap, small input gradients come out wrong; TensorFlow's Python API on the
   * same wheel does the same), and capped at AVX2 it is right. Unset on an AVX2-only CPU, the cap changes nothing.
   */
  ONEDNN_MAX_CPU_ISA: string;
  /**
   * oneDNN's kernels on: TF's CPU Conv2D gradients of a grouped convolution exist only through them (the Eigen
   * kernels refuse them), and TF turns them on by default only on CPUs with AVX-512 VNNI/BF16 or AMX.
   */
  TF_ENABLE_ONEDNN_OPTS: string;
  /** Threads of TF's intra-op pool, which every TF context of the process shares (local_device.cc). */
  TF_NUM_INTRAOP_THREADS: string;
  /** Threads of each context's inter-op pool; netspace runs ops one at a time from each worker (eager, sync). */
  TF_NUM_INTEROP_THREADS: string;
  /** Without it TF takes all of a GPU's memory at start, and any other process on that GPU fails. */
  TF_FORCE_GPU_ALLOW_GROWTH: string;
  /** 1 hides TF's INFO lines (oneDNN notices, CPU feature advice) that would break into progress output. */
  TF_CPP_MIN_LOG_LEVEL: string;
}

/** oneDNN also reads its older DNNL_ name; a user who set either has chosen. */
const ALIASES: Partial<Record<keyof NativeEnvironment, readonly string[]>> = { ONEDNN_MAX_CPU_ISA: ['DNNL_MAX_CPU_ISA'] };

/**
 * The intra-op pool is one per process and shared by all workers, and each worker's own thread computes too while
 * it waits for the pool (Eigen's parallelFor and TF's oneDNN threadpool run one block on the caller): `workers`
 * callers plus `cores - workers + 1` pool threads keep about one runnable thread per core, and one worker gets TF's
 * own default of one pool thread per core.
 */
export function intraOpThreads(workers: number, cores: number): number {
  return Math.max(1, cores - Math.max(1, workers) + 1);
}

/** The values netspace wants for `workers` threads training on `cores` cores. */
export function nativeDefaults(workers: number, cores = availableParallelism()): NativeEnvironment {
  return {
    ONEDNN_MAX_CPU_ISA: 'AVX2',
    TF_ENABLE_ONEDNN_OPTS: '1',
    TF_NUM_INTRAOP_THREADS: String(intraOpThreads(workers, cores)),
    TF_NUM_INTEROP_THREADS: '1',
    TF_FORCE_GPU_ALLOW_GROWTH: 'true',
    TF_CPP_MIN_LOG_LEVEL: '1',
  };
}

/**
 * The variables to set in `env`: each default whose variable (or an alias) the user has not set. `ours` lists what
 * an earlier call set, which a later call may change (a pool of 2 after a single run) until libtensorflow loads.
 */
export function missingNativeVariables(env: Record<string, string | undefined>, defaults: NativeEnvironment, ours: ReadonlySet<string> = new Set()): Partial<NativeEnvironment> {
  const out: Partial<NativeEnvironment> = {};
  for (const [name, value] of Object.entries(defaults) as [keyof NativeEnvironment, string][]) {
    const names = [name, ...(ALIASES[name] ?? [])];
    const userSet = names.some((n) => env[n] !== undefined && env[n] !== '' && !ours.has(n));
    if (!userSet) out[name] = value;
  }
  return out;
}

const setByUs = new Set<string>();
let frozen = false;

/**
 * Puts netspace's defaults for `workers` training threads into the process environment, before libtensorflow loads
 * (in the main thread; a worker thread cannot, see NativeEnvironment). With `replaceOurs`, values an earlier call set
 * are updated (a pool of 2 after a single run); without, only missing ones are filled (the main thread loading the
 * library keeps what a pool prepared). Returns what it set. After `freeze` (the library has loaded and read them) it
 * changes nothing.
 */
export function applyNativeEnvironment(workers: number, { replaceOurs = false, cores = availableParallelism() } = {}): Partial<NativeEnvironment> {
  if (!isMainThread || frozen) return {};
  const missing = missingNativeVariables(process.env, nativeDefaults(workers, cores), replaceOurs ? setByUs : new Set<string>());
  for (const [name, value] of Object.entries(missing)) {
    process.env[name] = value;
    setByUs.add(name);
  }
  return missing;
}

/** Called once libtensorflow has loaded in this process: it has read the environment, later changes do nothing. */
export function freezeNativeEnvironment(): void {
  if (isMainThread) frozen = true;
}

/**
 * Before a pool of `workers` threads starts on `backend`: the environment for libtensorflow, in case the threads
 * load it (asked for, or `auto`). Nothing for wasm and cpu.
 */
export function prepareNativeWorkers(backend: string, workers: number): void {
  if (backend === 'tensorflow' || backend === 'auto') applyNativeEnvironment(workers, { replaceOurs: true });
}
