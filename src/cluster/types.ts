// What a sweep trained by separate processes (Slurm array tasks, one process per GPU) shares on disk: the frozen
// manifest of runs, the events each task appends to its own shard, and the record of a submission.
import type { BackendRequest } from '../engine/options.ts';
import type { AnyNetConfig, EpochRecord, TrainResult, TrainSettings } from '../core/types.ts';
import type { DatasetName } from '../data/index.ts';

/** Where a frozen run starts: the epochs already trained (by a local sweep or an earlier submission) and the
 *  checkpoint saved after the last of them. */
export interface ManifestResume {
  epochs: EpochRecord[];
  /** Checkpoint file, relative to the submission folder (the manifest's folder). */
  checkpoint: string;
}

/** One run as a task trains it: exactly what the local sweep sends the pool (see sweep/train-runs.ts), and its id. */
export interface ManifestRun {
  /** The run's id in the sweep's database; shards name runs by it. */
  runId: number;
  configKey: string;
  space: string;
  /** Analytic complexity, for progress labels. */
  flops: number;
  params: number;
  config: AnyNetConfig;
  settings: TrainSettings;
  seed: number;
  resume: ManifestResume | null;
}

/** How the tasks of a submission are started. */
export type SubmissionKind = 'slurm' | 'gpus';

/**
 * The runs of one submission, frozen when it is made (manifest.json in the submission folder). Task `i` of `tasks`
 * trains `runs[j]` for every j with j % tasks === i; no task ever opens the database.
 */
export interface SweepManifest {
  kind: 'sweep-manifest';
  version: 1;
  sweep: string;
  /** Absolute path of the database the runs came from (for messages; tasks never open it). */
  db: string;
  /** 1 for a sweep's first submission, then 2, 3, ... (the folder `submission-<n>`). */
  submission: number;
  submissionKind: SubmissionKind;
  /** ISO-8601 time of freezing. */
  createdAt: string;
  /** Number of shares (array tasks, or GPUs). */
  tasks: number;
  backend: BackendRequest;
  /** Training threads of each task. */
  workersPerTask: number;
  /** The dataset the runs train on (the spec's train.dataset), and the absolute folder of its files that every task
   *  reads (it must be visible from the compute nodes). */
  dataset: DatasetName;
  dataDir: string;
  runs: ManifestRun[];
}

/** Who wrote a shard's events: one attempt of one task. */
export interface TaskIdentity {
  task: number;
  tasks: number;
  host: string;
  pid: number;
  /** SLURM_JOB_ID (the task's own job id), SLURM_ARRAY_JOB_ID, SLURM_RESTART_COUNT; null outside Slurm. */
  jobId: string | null;
  arrayJobId: string | null;
  restart: number | null;
  /** CUDA_VISIBLE_DEVICES as the task saw it; null when unset. */
  cudaVisibleDevices: string | null;
}

/**
 * One line of a shard's event log (events.jsonl), appended by its task only, in this order per run: run-start, epoch
 * (one per finished epoch, its checkpoint already renamed into place), run-end. A task killed mid-run leaves a
 * run-start without run-end; the next attempt of the task starts the run again from its last epoch line.
 */
export type ShardEvent =
  | ({ type: 'task-start'; at: string } & TaskIdentity)
  | {
      type: 'run-start';
      at: string;
      runId: number;
      /** The epochs this attempt starts from (resumed), 1..k; empty for a fresh start. */
      resumed: EpochRecord[];
      /** The checkpoint after epoch k it loads, relative to the submission folder; null for a fresh start. */
      checkpoint: string | null;
    }
  | {
      type: 'epoch';
      at: string;
      runId: number;
      epoch: EpochRecord;
      /** Checkpoint after this epoch, relative to the submission folder. */
      checkpoint: string;
    }
  | { type: 'run-end'; at: string; runId: number; result: TrainResult }
  | {
      type: 'task-end';
      at: string;
      /** done: its share is finished; stopped: a signal (scancel, requeue, Ctrl-C); fatal: it cannot train here. */
      reason: 'done' | 'stopped' | 'fatal';
      message: string | null;
      /** Runs this attempt finished. */
      trained: number;
      /** From the process's start to its first training thread ready (Node, modules, data, threads, backend),
       *  seconds; null when it trained nothing. */
      startupSeconds: number | null;
    };

/** What `sweep submit` / `sweep run --gpus` records beside the manifest (submission.json). */
export interface SubmissionRecord {
  kind: SubmissionKind;
  submission: number;
  sweep: string;
  tasks: number;
  runs: number;
  submittedAt: string;
  host: string;
  /** Slurm: the array's job id and the follow-up collect job's; null for GPU processes or before sbatch answered. */
  jobId: string | null;
  collectJobId: string | null;
  /** GPU ids, one process each; empty for Slurm. */
  gpus: string[];
}
