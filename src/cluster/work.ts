// `netspace sweep work`: one task of a submission trains its share of the frozen runs into its own shard.
//
// The same process serves a Slurm array task and one GPU of `sweep run --gpus`. It trains through the local sweep's
// own loop (sweep/train-runs.ts: pool, trainer, seeds, checkpoints), with its shard as the RunSink where a local
// sweep has the SQLite store, so a run trained here is the same run, epoch for epoch.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { EpochRecord, TrainResult } from '../core/types.ts';
import { loadDataset } from '../data/index.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { ResumePoint } from '../store/store.ts';
import { TrainPool, WorkerStartupError, type TrainPoolOptions } from '../train/pool.ts';
import { SILENT_PROGRESS, type ProgressReporter } from '../sweep/progress.ts';
import { queueScheduler } from '../sweep/schedule.ts';
import { trainRuns, type RunSink, type TrainableRun, type TrainRunsOutcome } from '../sweep/train-runs.ts';
import { manifestFolder, readManifest, taskShare } from './manifest.ts';
import { ShardWriter, readCheckpointFile } from './shard.ts';
import type { ManifestRun, SweepManifest, TaskIdentity } from './types.ts';

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
      const bytes = readCheckpointFile(join(this.#writer.submissionDir, candidate.checkpoint));
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
  pool?: Pick<TrainPoolOptions, 'resourceLimits' | 'env' | 'worker'>;
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

/** A frozen run as the training loop takes it. */
function trainable(run: ManifestRun): TrainableRun {
  const { runId, space, configKey, config, settings, seed, flops, params } = run;
  return { id: runId, space, configKey, config, settings, seed, flops, params };
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
  return Math.max(1, Math.min(wanted, queued));
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
  const queue = share.filter((r) => writer.state.runs.get(r.runId)?.result == null).map(trainable);
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
  const progress = options.progress ?? SILENT_PROGRESS;
  const workers = workersFor(manifest, queue.length, options.workers);
  summary.workers = workers;
  let pool: TrainPool | null = null;
  let outcome: TrainRunsOutcome = { trained: 0, released: 0, halt: null };
  try {
    const data = await loadDataset(manifest.dataset, { dataDir: manifest.dataDir, download: false });
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
      outcome = await trainRuns({
        sink: new ShardSink(writer, share),
        pool,
        scheduler: queueScheduler(queue),
        slots: workers,
        progress,
        backend: manifest.backend,
        controller,
        onFirstStart: () => (summary.startupSeconds = performance.now() / 1000),
      });
      progress.emit({ type: 'sweep-end', sweep: manifest.sweep, interrupted: controller.signal.aborted, released: outcome.released });
    }
  } finally {
    options.signal?.removeEventListener('abort', forward);
    removeSignals();
    await pool?.destroy();
  }
  summary.trained = outcome.trained;
  summary.released = outcome.released;
  summary.interrupted = controller.signal.aborted && outcome.halt === null;
  if (outcome.halt !== null) {
    const { error } = outcome.halt;
    const reason = error instanceof Error ? error.message : String(error);
    try {
      writer.taskEnd('fatal', reason, outcome.trained, summary.startupSeconds);
    } catch {
      // The shard cannot be written (that may be the error itself); the error below says why the task ended.
    }
    if (error instanceof WorkerStartupError) throw new NetspaceError(messages.train.cannotTrain(`${manifest.sweep} (task ${task})`, reason));
    throw error;
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
