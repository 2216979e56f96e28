// `netspace sweep work`: one task of a submission trains its share of the frozen runs into its own shard.
//
// The same process serves a Slurm array task and one GPU of `sweep run --gpus`. It trains with the local sweep's
// pool, trainer, seeds and checkpoints (the request per run is the one train/sweep.ts sends), and writes through the
// RunSink seam that the SQLite store also fills, so a run trained here is the same run, epoch for epoch.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist } from '../data/index.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { ResumePoint } from '../store/store.ts';
import type { BackendName, EpochRecord } from '../store/types.ts';
import { PoolClosedError, TrainPool, WorkerStartupError, type TrainPoolOptions } from '../train/pool.ts';
import { createProgressReporter, type ProgressReporter } from '../train/progress.ts';
import { TENSORFLOW_MAX_WORKERS, usesTensorflow } from '../train/sweep-spec.ts';
import type { TrainRequest, TrainResult } from '../train/types.ts';
import { manifestFolder, readManifest, taskShare } from './manifest.ts';
import { ShardWriter } from './shard.ts';
import type { ManifestRun, SweepManifest, TaskIdentity } from './types.ts';

/**
 * The writes a training loop makes for each run. `Store` (store/store.ts) has exactly these methods, so a local
 * sweep and a task can share one loop: the store commits to SQLite, ShardSink appends to the task's shard.
 */
export interface RunSink {
  /** Where the run continues, or null to start afresh. */
  takeResumePoint(runId: number): ResumePoint | null;
  markRunning(runId: number, backend: BackendName | null): void;
  /** One finished epoch and the checkpoint after it; false when the run no longer takes epochs. */
  recordEpoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array | null): boolean;
  finishRun(runId: number, result: TrainResult): void;
  /** The run was cut short (pool closed): it stays to be trained, keeping its epochs. */
  releaseRun(runId: number): void;
}

/** A run as the loop trains it. */
export interface QueuedRun {
  id: number;
  configKey: string;
  label: string;
  request: Omit<TrainRequest, 'resume' | 'backend'>;
}

/** Reads a checkpoint file; null when it is missing or not whole float32s (the run then resumes from elsewhere). */
function readCheckpoint(path: string): Uint8Array | null {
  try {
    const bytes = readFileSync(path);
    return bytes.length > 0 && bytes.length % 4 === 0 ? new Uint8Array(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * A task's RunSink over its shard. A run resumes from the shard's own last epoch (an earlier attempt of this task was
 * killed or requeued), else from the checkpoint the manifest carried in, else afresh.
 */
export class ShardSink implements RunSink {
  readonly #writer: ShardWriter;
  readonly #runs: Map<number, ManifestRun>;
  readonly #resumes = new Map<number, { epochs: EpochRecord[]; checkpoint: string } | null>();

  constructor(writer: ShardWriter, runs: readonly ManifestRun[]) {
    this.#writer = writer;
    this.#runs = new Map(runs.map((r) => [r.runId, r]));
  }

  takeResumePoint(runId: number): ResumePoint | null {
    const own = this.#writer.state.runs.get(runId);
    const candidates = [
      own !== undefined && own.checkpoint !== null ? { epochs: own.epochs, checkpoint: own.checkpoint } : null,
      this.#runs.get(runId)?.resume ?? null,
    ];
    for (const candidate of candidates) {
      if (candidate === null || candidate.epochs.length === 0) continue;
      const bytes = readCheckpoint(join(this.#writer.submissionDir, candidate.checkpoint));
      if (bytes === null) continue;
      this.#resumes.set(runId, candidate);
      return { epochs: candidate.epochs.map((e) => ({ ...e })), checkpoint: bytes };
    }
    this.#resumes.set(runId, null);
    return null;
  }

  markRunning(runId: number): void {
    const resume = this.#resumes.get(runId) ?? null;
    this.#writer.runStart(runId, resume?.epochs ?? [], resume?.checkpoint ?? null);
  }

  recordEpoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array | null): boolean {
    if (checkpoint === null) return false;
    this.#writer.epoch(runId, epoch, checkpoint);
    return true;
  }

  finishRun(runId: number, result: TrainResult): void {
    this.#writer.runEnd(runId, result);
  }

  releaseRun(): void {
    // The run-start line without its run-end is what tells the next attempt to resume it.
  }
}

export interface TrainQueueOptions {
  pool: TrainPool;
  sink: RunSink;
  progress: ProgressReporter;
  signal: AbortSignal;
  backend: TrainRequest['backend'];
  /** Called once, when the first thread has loaded its backend (start-up measurements). */
  onFirstStart?: () => void;
}

/** How a queue ended. */
export interface QueueOutcome {
  trained: number;
  released: number;
  /** Why no thread can train here, when that is so (the queue stops; nothing is marked failed). */
  fatal: string | null;
}

/**
 * Trains `queue` on `pool.size` slots, each taking the next run when its last one ends, and writes every step through
 * `sink`: resume point, start, each epoch with its checkpoint, the result. The loop of train/sweep.ts trainPending,
 * over a RunSink instead of the store itself.
 */
export async function trainQueue(queue: QueuedRun[], options: TrainQueueOptions): Promise<QueueOutcome> {
  const { pool, sink, progress, signal, backend } = options;
  const outcome: QueueOutcome = { trained: 0, released: 0, fatal: null };
  const concrete: BackendName | null = backend === 'auto' ? null : backend;
  let firstStart = options.onFirstStart;
  const trainOne = async (slot: number, run: QueuedRun): Promise<void> => {
    const resume = sink.takeResumePoint(run.id);
    sink.markRunning(run.id, concrete);
    const epochs = run.request.settings.epochs;
    progress.emit({ type: 'run-start', worker: slot, runId: run.id, label: run.label, epochs, resumedAt: resume?.epochs.length ?? 0 });
    try {
      const result = await pool.run(
        run.id,
        run.configKey,
        { ...run.request, backend, ...(resume ? { resume } : {}) },
        {
          onStart: () => {
            firstStart?.();
            firstStart = undefined;
          },
          onBatch: (p) => progress.emit({ type: 'batch', worker: slot, runId: run.id, epochs, ...p }),
          onEpoch: (record, checkpoint) => {
            if (sink.recordEpoch(run.id, record, checkpoint)) progress.emit({ type: 'epoch', worker: slot, runId: run.id, epochs, record });
          },
        },
      );
      sink.finishRun(run.id, result);
      outcome.trained += 1;
      progress.emit({
        type: 'run-end',
        worker: slot,
        runId: run.id,
        label: run.label,
        status: result.status,
        finalError: result.finalError,
        errorText: result.errorText,
        seconds: result.seconds,
      });
    } catch (error) {
      if (error instanceof WorkerStartupError) outcome.fatal ??= error.message;
      else if (!(error instanceof PoolClosedError)) throw error;
      sink.releaseRun(run.id);
      outcome.released += 1;
    }
  };
  const slot = async (n: number): Promise<void> => {
    for (let run = queue.shift(); run !== undefined && !signal.aborted && outcome.fatal === null; run = queue.shift()) {
      await trainOne(n, run);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: pool.size }, (_, i) => slot(i + 1)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return outcome;
}

export interface WorkOptions {
  /** The submission's manifest.json. */
  manifest: string;
  /** Task number, 0-based; default SLURM_ARRAY_TASK_ID. */
  task?: number;
  /** Training threads, overriding the manifest's workersPerTask. */
  workers?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers (the CLI does): scancel, requeue and Ctrl-C stop the task cleanly. */
  handleSignals?: boolean;
  /** Thread settings passed to the pool (tests: planted faults, heap limits). */
  pool?: Pick<TrainPoolOptions, 'resourceLimits' | 'env'>;
  /** Environment to read SLURM_* and CUDA_VISIBLE_DEVICES from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** How a task ended. */
export interface WorkSummary {
  sweep: string;
  submission: number;
  task: number;
  tasks: number;
  /** Runs in this task's share, those an earlier attempt had already finished, and those finished now. */
  share: number;
  alreadyDone: number;
  trained: number;
  workers: number;
  /** Stopped by a signal; `released` runs stay to be resumed by the next attempt. */
  interrupted: boolean;
  released: number;
  /** From the process's start to the first thread ready to train, seconds; null when nothing was trained. */
  startupSeconds: number | null;
  /** From the process's start to the end, seconds, and runs finished per hour over it. */
  seconds: number;
  modelsPerHour: number;
}

/** The task number from the option, else from SLURM_ARRAY_TASK_ID; a NetspaceError when neither gives one. */
export function resolveTask(task: number | undefined, env: NodeJS.ProcessEnv): number {
  const raw = task ?? (env.SLURM_ARRAY_TASK_ID || undefined);
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (value === undefined) throw new NetspaceError(messages.cluster.noTask());
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new NetspaceError(messages.cluster.badTask(raw));
  return value;
}

/** Who this attempt is, from the environment Slurm (or `sweep run --gpus`) gives the task. */
export function taskIdentity(task: number, tasks: number, env: NodeJS.ProcessEnv): TaskIdentity {
  const restart = env.SLURM_RESTART_COUNT;
  return {
    task,
    tasks,
    host: hostname(),
    pid: process.pid,
    jobId: env.SLURM_JOB_ID ?? null,
    arrayJobId: env.SLURM_ARRAY_JOB_ID ?? null,
    restart: restart !== undefined && /^\d+$/.test(restart) ? Number(restart) : null,
    cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES ?? null,
  };
}

function queuedRun(run: ManifestRun): QueuedRun {
  return {
    id: run.runId,
    configKey: run.configKey,
    label: `${run.space} #${run.runId}`,
    request: { config: run.config, settings: run.settings, seed: run.seed },
  };
}

/** An AbortSignal fired by SIGTERM (scancel, requeue) or SIGINT; returns the remover of the handlers. */
function abortOnSignals(controller: AbortController): () => void {
  const stop = (): void => controller.abort(new Error('signal'));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

function workersFor(manifest: SweepManifest, queued: number, asked: number | undefined): number {
  const wanted = asked ?? manifest.workersPerTask;
  const cap = usesTensorflow(manifest.backend) ? TENSORFLOW_MAX_WORKERS : wanted;
  return Math.max(1, Math.min(wanted, cap, queued));
}

/**
 * Trains the share of task `options.task` of the manifest into its shard, skipping runs an earlier attempt finished
 * and resuming the one it was cut off in. Writes nothing but the shard; never opens the database.
 */
export async function workShare(options: WorkOptions): Promise<WorkSummary> {
  const env = options.env ?? process.env;
  const task = resolveTask(options.task, env);
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new NetspaceError(messages.option.wholeNumber('--workers', 1, options.workers));
  }
  const manifest = readManifest(options.manifest);
  const share = task < manifest.tasks ? taskShare(manifest, task) : [];
  const submissionDir = manifestFolder(options.manifest);
  const summary: WorkSummary = {
    sweep: manifest.sweep,
    submission: manifest.submission,
    task,
    tasks: manifest.tasks,
    share: share.length,
    alreadyDone: 0,
    trained: 0,
    workers: 0,
    interrupted: false,
    released: 0,
    startupSeconds: null,
    seconds: 0,
    modelsPerHour: 0,
  };
  if (share.length === 0) return summary;

  const writer = ShardWriter.open(submissionDir, task);
  const queue = share.filter((r) => writer.state.runs.get(r.runId)?.result == null).map(queuedRun);
  summary.alreadyDone = share.length - queue.length;
  writer.taskStart(taskIdentity(task, manifest.tasks, env));
  if (queue.length === 0) {
    writer.taskEnd('done', null, 0);
    return finish(summary);
  }

  const controller = new AbortController();
  const forward = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  if (options.signal?.aborted) forward();
  const removeSignals = options.handleSignals ? abortOnSignals(controller) : () => {};
  const progress = options.progress ?? createProgressReporter({ mode: 'plain' });
  const workers = workersFor(manifest, queue.length, options.workers);
  summary.workers = workers;
  let pool: TrainPool | null = null;
  let outcome: QueueOutcome = { trained: 0, released: 0, fatal: null };
  try {
    const data = await loadFashionMnist({ dataDir: manifest.dataDir, download: false });
    if (!controller.signal.aborted) {
      pool = new TrainPool({ workers, data, backend: manifest.backend, ...options.pool });
      const activePool = pool;
      controller.signal.addEventListener('abort', () => void activePool.destroy(), { once: true });
      const before = share.length - queue.length;
      progress.emit({
        type: 'sweep-start',
        sweep: `${manifest.sweep} task ${task}/${manifest.tasks}`,
        total: share.length,
        done: before,
        failed: 0,
        diverged: 0,
        workers,
        backend: manifest.backend,
      });
      outcome = await trainQueue(queue, {
        pool,
        sink: new ShardSink(writer, share),
        progress,
        signal: controller.signal,
        backend: manifest.backend,
        onFirstStart: () => (summary.startupSeconds = performance.now() / 1000),
      });
      progress.emit({ type: 'sweep-end', sweep: manifest.sweep, interrupted: controller.signal.aborted, released: outcome.released });
    }
  } finally {
    options.signal?.removeEventListener('abort', forward);
    removeSignals();
    await pool?.destroy();
    if (!options.progress) progress.close();
  }
  summary.trained = outcome.trained;
  summary.released = outcome.released;
  summary.interrupted = controller.signal.aborted && outcome.fatal === null;
  if (outcome.fatal !== null) {
    writer.taskEnd('fatal', outcome.fatal, outcome.trained, summary.startupSeconds);
    throw new NetspaceError(messages.train.cannotTrain(`${manifest.sweep} (task ${task})`, outcome.fatal));
  }
  writer.taskEnd(summary.interrupted ? 'stopped' : 'done', null, outcome.trained, summary.startupSeconds);
  return finish(summary);
}

/** performance.now() counts from the start of the process, so it includes Node's and the modules' start-up. */
function finish(summary: WorkSummary): WorkSummary {
  summary.seconds = performance.now() / 1000;
  summary.modelsPerHour = summary.seconds > 0 ? (summary.trained / summary.seconds) * 3600 : 0;
  return summary;
}
