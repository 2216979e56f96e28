// `netspace sweep run --gpus 0,1`: one worker process per GPU on this machine, each seeing only its GPU.
//
// TensorFlow picks its GPU and claims its memory per process (CUDA_VISIBLE_DEVICES is read once, at load), so several
// GPUs need several processes. They are the Slurm array tasks'
// program (`netspace sweep work`) with CUDA_VISIBLE_DEVICES set as Slurm's --gpus-per-task sets it, over the same
// manifest and shards; this process is the database's one writer and collects their shards as they finish runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { StatusCounts, Store } from '../store/store.ts';
import type { SweepSpec } from '../sweep/spec.ts';
import { mergeShardsInto } from './collect.ts';
import { netspaceCommand, prepareSubmission, writeSubmissionRecord, type SweepSource } from './submit.ts';
import type { SweepManifest } from './types.ts';

/** Parses `--gpus 0,1,3` into GPU ids (CUDA device numbers or GPU-<uuid>); a NetspaceError when malformed. */
export function parseGpuList(value: unknown): string[] {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new NetspaceError(messages.cluster.badGpus(value));
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^(\d+|GPU-[0-9A-Fa-f-]+|MIG-[0-9A-Fa-f-]+)$/.test(id)) || new Set(ids).size !== ids.length) {
    throw new NetspaceError(messages.cluster.badGpus(value));
  }
  return ids;
}

/** How one worker process is started. */
export interface WorkerLaunch {
  task: number;
  gpu: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The worker processes for `tasks` shares of a manifest on `gpus`: task i gets gpus[i] as its only visible device
 * (CUDA_VISIBLE_DEVICES, replacing any the parent had; CUDA_DEVICE_ORDER=PCI_BUS_ID so that the ids mean what
 * nvidia-smi shows). Slurm's SLURM_ARRAY_TASK_ID is removed so that a `sweep run --gpus` inside a Slurm job follows
 * --task, not the enclosing job.
 */
export function gpuWorkers(gpus: readonly string[], tasks: number, manifestPath: string, env: NodeJS.ProcessEnv, netspace = netspaceCommand()): WorkerLaunch[] {
  const [command, ...prefix] = netspace;
  const { SLURM_ARRAY_TASK_ID: _task, ...inherited } = env;
  return gpus.slice(0, tasks).map((gpu, task) => ({
    task,
    gpu,
    command: command!,
    args: [...prefix, 'sweep', 'work', manifestPath, '--task', String(task)],
    env: { ...inherited, CUDA_VISIBLE_DEVICES: gpu, CUDA_DEVICE_ORDER: 'PCI_BUS_ID' },
  }));
}

export interface GpuRunOptions extends SweepSource {
  gpus: string[];
  /** Where the workers' output lines go, each prefixed with its GPU (default: this process's stderr). */
  log?: (line: string) => void;
  /** Seconds between merges of the shards into the database while the workers train. */
  collectEvery?: number;
  /** Install SIGINT/SIGTERM handlers: the workers are told to stop, and the runs they had stay to be resumed. */
  handleSignals?: boolean;
  signal?: AbortSignal;
}

/** How a `sweep run --gpus` ended. */
export interface GpuRunSummary {
  sweep: string;
  db: string;
  created: boolean;
  added: number;
  submission: number | null;
  /** Runs frozen for the workers, and merged into the database by this run. */
  runs: number;
  trained: number;
  counts: StatusCounts | null;
  workers: { task: number; gpu: string; code: number | null; signal: string | null }[];
  interrupted: boolean;
  /** Wall time from the workers' start to the last merge, seconds, and runs merged per hour over it. */
  seconds: number;
  modelsPerHour: number;
}

const GPU_RUN_DEFAULTS = Object.freeze({ collectEvery: 30 });

function pipeLines(child: ChildProcess, prefix: string, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => log(`${prefix}${line}`));
  }
}

/**
 * Trains the pending runs of `spec` in one worker process per GPU and merges their shards into the database as they
 * go and at the end. The sweep is held (as `sweep run` holds it) until the workers are gone.
 */
export async function runOnGpus(spec: string | SweepSpec, options: GpuRunOptions): Promise<GpuRunSummary> {
  const gpus = parseGpuList(options.gpus.join(','));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const every = (options.collectEvery ?? GPU_RUN_DEFAULTS.collectEvery) * 1000;
  let summary: GpuRunSummary | null = null;
  const prepared = await prepareSubmission(spec, {
    ...options,
    kind: 'gpus',
    tasks: () => gpus.length,
    workersPerTask: 1,
    during: async (p, store) => {
      summary = await trainOnGpus(p.manifestPath!, p.submissionDir!, p.manifest!, store, { ...options, gpus, log, every });
      summary.created = p.created;
      summary.added = p.added;
    },
  });
  return (
    summary ?? {
      sweep: prepared.sweep,
      db: prepared.db,
      created: prepared.created,
      added: prepared.added,
      submission: null,
      runs: 0,
      trained: 0,
      counts: null,
      workers: [],
      interrupted: false,
      seconds: 0,
      modelsPerHour: 0,
    }
  );
}

async function trainOnGpus(
  manifestPath: string,
  submissionDir: string,
  manifest: SweepManifest,
  store: Store,
  options: GpuRunOptions & { log: (line: string) => void; every: number },
): Promise<GpuRunSummary> {
  const db = store.path;
  const { sweep, submission, tasks } = manifest;
  const launches = gpuWorkers(options.gpus, tasks, manifestPath, process.env);
  writeSubmissionRecord(submissionDir, {
    kind: 'gpus',
    submission,
    sweep,
    tasks,
    runs: manifest.runs.length,
    submittedAt: new Date().toISOString(),
    host: hostname(),
    jobId: null,
    collectJobId: null,
    gpus: launches.map((l) => l.gpu),
  });
  const started = performance.now();
  let trained = 0;
  const collect = (): void => {
    trained += mergeShardsInto(store, db, sweep).merged;
  };
  const children = launches.map((launch) => {
    const child = spawn(launch.command, launch.args, { env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeLines(child, `[gpu ${launch.gpu}] `, options.log);
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: error.message }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    return { launch, child, ended };
  });
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.handleSignals) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  const timer = setInterval(collect, options.every);
  let ends: { code: number | null; signal: string | null }[];
  try {
    ends = await Promise.all(children.map((c) => c.ended));
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener('abort', stop);
    if (options.handleSignals) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
  collect();
  const seconds = (performance.now() - started) / 1000;
  const workers = children.map(({ launch }, i) => ({ task: launch.task, gpu: launch.gpu, ...ends[i]! }));
  const failed = workers.find((w) => !interrupted && w.code !== 0);
  if (failed !== undefined) throw new NetspaceError(messages.cluster.workerFailed(failed.task, failed.gpu, failed.code, failed.signal));
  return {
    sweep,
    db,
    created: false,
    added: 0,
    submission,
    runs: manifest.runs.length,
    trained,
    counts: store.statusCounts(sweep),
    workers,
    interrupted,
    seconds,
    modelsPerHour: seconds > 0 ? (trained / seconds) * 3600 : 0,
  };
}
