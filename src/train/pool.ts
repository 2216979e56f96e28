// A fixed pool of training threads (piscina): one config per thread at a time, crashes turned into failed results.
import { once } from 'node:events';
import { MessageChannel, type ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Dataset } from '../data/index.ts';
import type { BackendName, EpochDecision, EpochRecord, FailureKind, TrainResult } from '../core/types.ts';
import type { BatchProgress, TrainRequest } from './types.ts';
import type { DecisionMessage, WorkerMessage, WorkerReply, WorkerSetup, WorkerTask } from './worker.ts';

/** The worker file piscina loads: a .mjs shim that loads the task module (registering tsx when it is TypeScript). */
const WORKER_FILE = new URL('./worker-shim.mjs', import.meta.url).href;

export interface TrainPoolOptions {
  /** Threads, each training one config at a time. */
  workers: number;
  /** Shared with every thread through SharedArrayBuffers, never copied. */
  data: Dataset;
  backend: BackendName | 'auto';
  /** V8 heap limits per thread; a thread past them is ended and its run fails with the reason. */
  resourceLimits?: ResourceLimits;
  /** Environment of the threads (default: this process's). */
  env?: Record<string, string | undefined>;
  /**
   * URL of a module whose default export handles the tasks in place of the training worker (a .ts module is loaded
   * through tsx). Tests pass a worker that wraps it with planted faults (test/fixtures/fault-worker.ts).
   */
  worker?: string;
}

/** What the pool reports about one task while it runs (on the main thread, in order per task). */
export interface TaskCallbacks {
  onStart?: (backend: BackendName) => void;
  onBatch?: (progress: BatchProgress) => void;
  /** The answer goes back to the worker, which waits for it before training on (none: go on). */
  onEpoch?: (epoch: EpochRecord, checkpoint: Uint8Array) => EpochDecision | void;
}

/** Raised by `run` for tasks cut short by `destroy` (Ctrl-C): their runs are not failed, they go back to pending. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

/** Raised by `run` when a thread cannot train at all (backend or code does not load): the run is not to blame. */
export class WorkerStartupError extends Error {
  override readonly name = 'WorkerStartupError';
}

/** Thread ends that piscina reports as errors, in words a user can act on. */
function crashOf(error: unknown): { text: string; kind: FailureKind } {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') return { text: `worker thread ran out of memory (${e.message})`, kind: 'out-of-memory' };
  const exited = /worker exited with code: (-?\d+)/.exec(e?.message ?? '');
  if (exited) return { text: `worker thread exited with code ${exited[1]} during training`, kind: 'worker-crash' };
  return { text: `worker thread crashed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(error)}`, kind: 'worker-crash' };
}

export class TrainPool {
  readonly size: number;
  readonly #piscina: Piscina<WorkerTask, WorkerReply>;
  readonly #requested: BackendName | 'auto';
  #closed = false;
  #destroyed: Promise<void> | null = null;
  /** Tasks given to piscina now; never more than `size`, so piscina never queues one (see #replace). */
  #busy = 0;
  readonly #waiting: (() => void)[] = [];
  /** Threads being ended by #replace; no task is handed to piscina until they are gone. */
  readonly #replacing = new Set<Promise<void>>();

  constructor(options: TrainPoolOptions) {
    this.size = options.workers;
    this.#requested = options.backend;
    const workerData: WorkerSetup = { data: options.data, backend: options.backend, ...(options.worker === undefined ? {} : { entry: options.worker }) };
    this.#piscina = new Piscina<WorkerTask, WorkerReply>({
      filename: WORKER_FILE,
      minThreads: options.workers,
      maxThreads: options.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Tasks take seconds to hours; Atomics.wait between them buys nothing and would block the thread's loop.
      atomics: 'disabled',
      workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      env: (options.env ?? process.env) as Record<string, string>,
    });
    // A thread that dies between tasks has no task to reject; piscina replaces it and reports the error here.
    this.#piscina.on('error', () => {});
  }

  /**
   * Trains one run on a free thread. Resolves with its result; a thread that throws, exits or runs out of memory
   * gives a `failed` result with the reason, and the thread is replaced. Rejects only with PoolClosedError (the
   * pool was destroyed) and WorkerStartupError (no thread can train here).
   */
  async run(runId: number, configKey: string, request: TrainRequest, callbacks: TaskCallbacks = {}): Promise<TrainResult> {
    if (this.#closed) throw new PoolClosedError('the training pool is closed');
    await this.#acquire();
    // A thread being ended is idle in piscina's eyes, and would get this task if it were sent now.
    while (this.#replacing.size > 0) await Promise.all(this.#replacing);
    if (this.#closed) {
      this.#release();
      throw new PoolClosedError(`run ${runId} was not started: the training pool closed`);
    }
    const { port1, port2 } = new MessageChannel();
    let backend: BackendName = this.#requested === 'auto' ? 'wasm' : this.#requested;
    // The reply comes through piscina's own port and may overtake this port's last messages: wait for 'end'.
    let drained!: () => void;
    const ended = new Promise<void>((resolve) => (drained = resolve));
    port1.once('close', () => drained());
    port1.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'end':
          drained();
          break;
        case 'start':
          backend = message.backend;
          callbacks.onStart?.(message.backend);
          break;
        case 'batch':
          callbacks.onBatch?.(message.progress);
          break;
        case 'epoch': {
          const decision = callbacks.onEpoch?.(message.epoch, message.checkpoint) ?? 'continue';
          port1.postMessage({ type: 'decision', decision } satisfies DecisionMessage);
          break;
        }
      }
    });
    try {
      const reply = await this.#piscina.run({ runId, configKey, request, port: port2 }, { transferList: [port2] });
      // Started before anything else can run: from here on no other task is sent until the thread is gone.
      const replaced = 'fatal' in reply || !reply.recycle ? null : this.#replace(reply.threadId);
      await ended;
      if ('fatal' in reply) throw new WorkerStartupError(reply.fatal);
      await replaced;
      return reply.result;
    } catch (error) {
      if (error instanceof WorkerStartupError) throw error;
      if (this.#closed) throw new PoolClosedError(`run ${runId} was cut short: the training pool closed`);
      const crash = crashOf(error);
      return { status: 'failed', epochs: [], finalError: null, errorText: crash.text, failureKind: crash.kind, backend, seconds: 0 };
    } finally {
      port1.close();
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#busy < this.size) {
      this.#busy += 1;
      return;
    }
    // The slot is handed over by #release without lowering #busy.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy -= 1;
  }

  /**
   * Ends the thread `threadId`; piscina starts a fresh one in its place. Until it is gone, `run` sends no task:
   * piscina sees the thread idle and would hand it the next task, which the end would then kill (exit code 1). The
   * promise is in #replacing from the moment of the call.
   */
  #replace(threadId: number): Promise<void> {
    const thread = this.#piscina.threads.find((t) => t.threadId === threadId);
    if (thread === undefined) return Promise.resolve();
    const gone = once(thread, 'exit').then(() => undefined);
    // An end that fails leaves piscina to replace the thread when it does die; the finished run stands.
    const ending = Promise.all([thread.terminate(), gone]).then(
      () => undefined,
      () => undefined,
    );
    this.#replacing.add(ending);
    return ending.finally(() => this.#replacing.delete(ending));
  }

  /** Threads now alive (for tests of replacement). */
  get threadIds(): number[] {
    return this.#piscina.threads.map((t) => t.threadId);
  }

  /** Ends every thread at once; tasks in flight reject with PoolClosedError. */
  destroy(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#waiting.splice(0)) wake();
    this.#destroyed ??= this.#piscina.destroy();
    return this.#destroyed;
  }
}
