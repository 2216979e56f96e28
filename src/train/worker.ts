// The pool's worker entry: loads the backend once, then trains one config per task and reports through a port.
import { threadId, workerData, type MessagePort } from 'node:worker_threads';
import type { Dataset } from '../data/index.ts';
import { initBackend } from '../engine/backend.ts';
import { messages } from '../messages.ts';
import type { BackendName, EpochRecord } from '../store/types.ts';
import { trainModel } from './trainer.ts';
import type { BatchProgress, TrainRequest, TrainResult } from './types.ts';

/** What the pool gives every worker at start (piscina's workerData): the dataset is shared memory, not a copy. */
export interface WorkerSetup {
  data: Dataset;
  backend: BackendName | 'auto';
}

/** One task: a run to train and the port its progress goes back through. */
export interface WorkerTask {
  runId: number;
  configKey: string;
  request: TrainRequest;
  port: MessagePort;
}

/** Messages on a task's port, in the order they are sent. */
export type WorkerMessage =
  | { type: 'start'; threadId: number; backend: BackendName }
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'epoch'; epoch: EpochRecord; checkpoint: Uint8Array }
  /** Last message of a task that returns: everything before it has been delivered when it arrives. */
  | { type: 'end' };

/**
 * A task's answer: the result, and whether this thread should be replaced (its backend may be unusable); or, when
 * the thread cannot train at all (its backend or its code does not load), `fatal` with the reason and no result,
 * so that a broken installation stops the sweep instead of failing every run.
 */
export type WorkerReply =
  | { result: TrainResult; threadId: number; recycle: boolean }
  | { fatal: string; threadId: number };

/**
 * Test hook, not a user setting: NETSPACE_FAULT="throw:<target>,exit:<target>,oom:<target>,delay:<target>" plants a
 * fault in the runs whose id equals <target> (digits), whose config key starts with it, or in every run for `*`.
 * `throw` throws from the task before training, `exit` ends the thread with process.exit(3) at the first batch,
 * `oom` allocates until the thread's heap limit ends it, `abort` throws the RuntimeError an aborted wasm heap
 * throws from inside training, `delay` sleeps 100 ms after every batch (so that tests can catch a sweep in the
 * middle without burning CPU on bigger models).
 */
export const FAULT_ENV = 'NETSPACE_FAULT';
const FAULT_KINDS = ['throw', 'exit', 'oom', 'abort', 'delay'] as const;
type FaultKind = (typeof FAULT_KINDS)[number];
const DELAY_MS = 100;
/** What an aborted Emscripten heap throws (tsconfig's lib declares no WebAssembly namespace). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError;

function plantedFault(runId: number, configKey: string): FaultKind | null {
  const spec = process.env[FAULT_ENV];
  if (!spec) return null;
  for (const item of spec.split(',')) {
    const colon = item.indexOf(':');
    const kind = item.slice(0, colon);
    const target = item.slice(colon + 1);
    if (colon < 0 || target === '' || !(FAULT_KINDS as readonly string[]).includes(kind)) continue;
    const hit = target === '*' || (/^\d+$/.test(target) ? Number(target) === runId : configKey.startsWith(target));
    if (hit) return kind as FaultKind;
  }
  return null;
}

const setup = workerData as WorkerSetup;
let backend: Promise<BackendName> | null = null;

export default async function trainTask(task: WorkerTask): Promise<WorkerReply> {
  const { port } = task;
  try {
    const fault = plantedFault(task.runId, task.configKey);
    if (fault === 'throw') throw new Error(`planted fault: ${FAULT_ENV} asked run ${task.runId} to throw`);
    backend ??= initBackend(setup.backend);
    let loaded: BackendName;
    try {
      loaded = await backend;
    } catch (error) {
      backend = null;
      return { fatal: messages.train.backendDoesNotLoad(setup.backend, error instanceof Error ? error.message : String(error)), threadId };
    }
    port.postMessage({ type: 'start', threadId, backend: loaded } satisfies WorkerMessage);
    const result = await trainModel({ ...task.request, backend: loaded }, setup.data, {
      onBatch: (progress) => {
        if (fault === 'exit') process.exit(3);
        if (fault === 'oom') exhaustHeap();
        if (fault === 'abort') throw new WasmRuntimeError('Aborted(planted fault)');
        if (fault === 'delay') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, DELAY_MS);
        port.postMessage({ type: 'batch', progress } satisfies WorkerMessage);
      },
      onEpoch: (epoch, checkpoint) => {
        // A copy that this thread gives away: the trainer's bytes may be a view of memory it keeps using.
        const copy = checkpoint.slice();
        port.postMessage({ type: 'epoch', epoch, checkpoint: copy } satisfies WorkerMessage, [copy.buffer]);
      },
    });
    // A failed run may leave the wasm heap aborted or TF.js tensors behind: the next run gets a fresh thread.
    return { result, threadId, recycle: result.status === 'failed' };
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const requested: BackendName = setup.backend === 'auto' ? 'wasm' : setup.backend;
    const loaded = backend === null ? requested : await backend.catch(() => requested);
    const result: TrainResult = { status: 'failed', epochs: [], finalError: null, errorText: `worker threw ${text}`, backend: loaded, seconds: 0 };
    return { result, threadId, recycle: true };
  } finally {
    port.postMessage({ type: 'end' } satisfies WorkerMessage);
    port.close();
  }
}

/** Grows the heap until V8 ends the thread with ERR_WORKER_OUT_OF_MEMORY (the pool sets the limit). */
function exhaustHeap(): never {
  const hoard: number[][] = [];
  for (;;) hoard.push(Array.from({ length: 1 << 16 }, (_, i) => i * 1.5));
}
