// The pool's worker: loads the backend once, then trains one config per task and reports through the task's port.
import { once } from 'node:events';
import { threadId, workerData, type MessagePort } from 'node:worker_threads';
import type { Dataset } from '../data/index.ts';
import { initBackend } from '../engine/backend.ts';
import { messages } from '../messages.ts';
import type { BackendName, EpochDecision, EpochRecord, TrainResult } from '../core/types.ts';
import { trainModel } from './trainer.ts';
import type { BatchProgress, TrainRequest } from './types.ts';

/** What the pool gives every worker at start (piscina's workerData): the dataset is shared memory, not a copy. */
export interface WorkerSetup {
  data: Dataset;
  backend: BackendName | 'auto';
  /** URL of the module whose default export handles tasks, when not this one (TrainPoolOptions.worker). */
  entry?: string;
}

/** One task: a run to train and the port its progress goes back through. */
export interface WorkerTask {
  runId: number;
  configKey: string;
  request: TrainRequest;
  port: MessagePort;
}

/** Messages on a task's port from the worker, in the order they are sent. */
export type WorkerMessage =
  | { type: 'start'; threadId: number; backend: BackendName }
  | { type: 'batch'; progress: BatchProgress }
  /** The worker waits for a `decision` after each of these. */
  | { type: 'epoch'; epoch: EpochRecord; checkpoint: Uint8Array }
  /** Last message of a task that returns: everything before it has been delivered when it arrives. */
  | { type: 'end' };

/** The answer to an `epoch` message, from the main thread once the epoch is stored. */
export interface DecisionMessage {
  type: 'decision';
  decision: EpochDecision;
}

/**
 * A task's answer: the result, and whether this thread should be replaced (its backend may be unusable); or, when
 * the thread cannot train at all (its backend or its code does not load), `fatal` with the reason and no result,
 * so that a broken installation stops the sweep instead of failing every run.
 */
export type WorkerReply =
  | { result: TrainResult; threadId: number; recycle: boolean }
  | { fatal: string; threadId: number };

/**
 * Where a task may be watched or disturbed from inside its thread: the training worker does nothing with these; a
 * worker module of the tests' (test/fixtures/fault-worker.ts) plants faults through them. `start` runs before the
 * backend loads, `batch` after each training batch, on the training thread (so that a pause there slows training).
 */
export interface TaskInterceptor {
  start?(task: WorkerTask): void;
  batch?(task: WorkerTask, progress: BatchProgress): void;
}

/**
 * The task function of a worker thread set up with `setup` (piscina's workerData): loads the backend once, then
 * trains one config per task and reports through the task's port. Training problems come back as results; a backend
 * or code that does not load comes back as `fatal`.
 */
export function createTrainTask(setup: WorkerSetup, intercept: TaskInterceptor = {}): (task: WorkerTask) => Promise<WorkerReply> {
  let backend: Promise<BackendName> | null = null;
  return async (task) => {
    const { port } = task;
    try {
      intercept.start?.(task);
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
          intercept.batch?.(task, progress);
          port.postMessage({ type: 'batch', progress } satisfies WorkerMessage);
        },
        onEpoch: (epoch, checkpoint) => {
          const answer = once(port, 'message').then(([message]) => (message as DecisionMessage).decision);
          // A copy that this thread gives away: the trainer's bytes may be a view of memory it keeps using.
          const copy = checkpoint.slice();
          port.postMessage({ type: 'epoch', epoch, checkpoint: copy } satisfies WorkerMessage, [copy.buffer]);
          return answer;
        },
      });
      // A failed run may leave the wasm heap aborted or TF.js tensors behind: the next run gets a fresh thread.
      return { result, threadId, recycle: result.status === 'failed' };
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const requested: BackendName = setup.backend === 'auto' ? 'wasm' : setup.backend;
      const loaded = backend === null ? requested : await backend.catch(() => requested);
      const result: TrainResult = { status: 'failed', epochs: [], finalError: null, errorText: `worker threw ${text}`, failureKind: 'internal', backend: loaded, seconds: 0 };
      return { result, threadId, recycle: true };
    } finally {
      port.postMessage({ type: 'end' } satisfies WorkerMessage);
      port.close();
    }
  };
}

/** The pool's training worker. */
export default createTrainTask(workerData as WorkerSetup);
