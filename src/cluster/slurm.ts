// Slurm: the sbatch scripts of a submission (array and follow-up collect), sbatch itself, and squeue read back.
//
// Facts this relies on (Slurm docs for sbatch and squeue; checked on 22.05): `sbatch --parsable` prints
// `<jobid>[;<cluster>]`; each array task runs with SLURM_ARRAY_TASK_ID set, and with --gpus-per-task Slurm sets its
// CUDA_VISIBLE_DEVICES; `squeue -r` lists every array element on its own line (pending ones too), %K is the array
// task id, %T the state, %r the reason; elements that ended leave squeue, and the whole array leaves it after
// MinJobAge (then `squeue -j` fails with "Invalid job id specified").
import { spawnSync } from 'node:child_process';
import { quote } from 'shell-quote';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** What a user sets on every cluster, as `sweep submit` takes it. */
export interface SlurmOptions {
  /** --partition; null leaves the cluster's default. */
  partition: string | null;
  /** --time per task in Slurm's forms (minutes, M:S, H:M:S, D-H, D-H:M, D-H:M:S); null leaves the partition's. */
  time: string | null;
  /** --cpus-per-task; the task trains this many models at once on CPU backends. */
  cpusPerTask: number;
  /** --gpus-per-task; 0 asks for none. */
  gpusPerTask: number;
  /** --mem per task (each array task is one job of one task), e.g. "8G"; null leaves the default. */
  mem: string | null;
  /** Array tasks; null: one per run to train, at most MAX_ARRAY_TASKS. Never more than the runs. */
  tasks: number | null;
  /** At most this many tasks at once (--array=...%k); null: no limit. */
  maxConcurrent: number | null;
  /** Further #SBATCH lines as sbatch options, e.g. "--account=lab" or "--qos=short". */
  sbatch: string[];
  /** --requeue: a preempted or failed node's task is queued again and resumes from its shard. */
  requeue: boolean;
  /** Submit the follow-up job that collects the results and writes the report when the array ends. */
  collectJob: boolean;
  /** --job-name; null: netspace-<sweep>. */
  jobName: string | null;
}

export const SLURM_DEFAULTS: Readonly<SlurmOptions> = Object.freeze({
  partition: null,
  time: null,
  cpusPerTask: 1,
  gpusPerTask: 0,
  mem: null,
  tasks: null,
  maxConcurrent: null,
  sbatch: [],
  requeue: true,
  collectJob: true,
  jobName: null,
});

/** Slurm's default MaxArraySize is 1001 (task ids 0..1000). */
export const MAX_ARRAY_TASKS = 1000;

/** The command-line flag of each option, for messages. */
export const SLURM_FLAGS: Readonly<Record<keyof SlurmOptions, string>> = Object.freeze({
  partition: '--partition',
  time: '--time',
  cpusPerTask: '--cpus-per-task',
  gpusPerTask: '--gpus-per-task',
  mem: '--mem',
  tasks: '--tasks',
  maxConcurrent: '--max-concurrent',
  sbatch: '--sbatch',
  requeue: '--requeue',
  collectJob: '--collect-job',
  jobName: '--job-name',
});

const TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
const MEMORY = /^\d+[KMGT]?$/i;
const NAME = /^[A-Za-z0-9_.@-]+$/;
/** Options netspace writes itself: an extra line with one of them would contradict the script. */
const OWNED = ['--array', '-a', '--output', '-o', '--error', '-e', '--open-mode', '--ntasks', '-n', '--chdir', '-D', '--dependency', '-d'];

type Given = { [K in keyof SlurmOptions]?: unknown };

function wholeNumber(key: keyof SlurmOptions, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NetspaceError(messages.option.integerIn(SLURM_FLAGS[key], value, min, max));
  }
  return value;
}

function text(key: keyof SlurmOptions, value: unknown, pattern: RegExp, problem: (flag: string, value: unknown) => string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new NetspaceError(problem(SLURM_FLAGS[key], value));
  return value;
}

function extraLine(value: unknown): string {
  if (typeof value !== 'string' || !/^--?[A-Za-z]/.test(value) || /[\r\n]/.test(value)) {
    throw new NetspaceError(messages.cluster.badSbatchLine(value));
  }
  const flag = value.split(/[=\s]/, 1)[0]!;
  if (OWNED.includes(flag)) throw new NetspaceError(messages.cluster.ownedSbatchOption(value, flag));
  return value;
}

/**
 * Checks `given` (undefined entries take SLURM_DEFAULTS) and returns complete options; a bad value is a NetspaceError
 * naming the flag, the value and what it must be.
 */
export function parseSlurmOptions(given: Given = {}): SlurmOptions {
  const o = { ...SLURM_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as Record<keyof SlurmOptions, unknown>;
  const orNull = <T>(value: unknown, check: (v: unknown) => T): T | null => (value === null ? null : check(value));
  const extras = o.sbatch === undefined ? [] : Array.isArray(o.sbatch) ? o.sbatch : [o.sbatch];
  return {
    partition: orNull(o.partition, (v) => text('partition', v, NAME, messages.cluster.badName)),
    time: orNull(o.time, (v) => text('time', v, TIME, messages.cluster.badTime)),
    cpusPerTask: wholeNumber('cpusPerTask', o.cpusPerTask, 1, 1024),
    gpusPerTask: wholeNumber('gpusPerTask', o.gpusPerTask, 0, 64),
    mem: orNull(o.mem, (v) => text('mem', v, MEMORY, messages.cluster.badMemory)),
    tasks: orNull(o.tasks, (v) => wholeNumber('tasks', v, 1, MAX_ARRAY_TASKS)),
    maxConcurrent: orNull(o.maxConcurrent, (v) => wholeNumber('maxConcurrent', v, 1, MAX_ARRAY_TASKS)),
    sbatch: extras.map(extraLine),
    requeue: o.requeue === true,
    collectJob: o.collectJob === true,
    jobName: orNull(o.jobName, (v) => text('jobName', v, NAME, messages.cluster.badName)),
  };
}

/** The number of array tasks for `runs` runs to train. */
export function arrayTasks(options: Pick<SlurmOptions, 'tasks'>, runs: number): number {
  return Math.max(1, Math.min(options.tasks ?? MAX_ARRAY_TASKS, runs));
}

/** What the scripts of one submission say. */
export interface ScriptInput {
  sweep: string;
  submission: number;
  runs: number;
  tasks: number;
  /** Absolute paths: the database, the submission folder, its manifest, and the working folder of the jobs. */
  db: string;
  submissionDir: string;
  manifest: string;
  workDir: string;
  /** How to run netspace on a compute node: e.g. [process.execPath, <checkout>/bin/netspace.js]. */
  netspace: string[];
  options: SlurmOptions;
  /** ISO-8601 time the script was written. */
  createdAt: string;
}

function checkPath(path: string): string {
  if (/\s/.test(path)) throw new NetspaceError(messages.cluster.pathWithSpace(path));
  return path;
}

function resourceLines(o: SlurmOptions): string[] {
  return [
    ...(o.partition === null ? [] : [`--partition=${o.partition}`]),
    ...(o.time === null ? [] : [`--time=${o.time}`]),
    '--ntasks=1',
    `--cpus-per-task=${o.cpusPerTask}`,
    ...(o.gpusPerTask > 0 ? [`--gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.mem === null ? [] : [`--mem=${o.mem}`]),
  ];
}

const sbatchLines = (lines: readonly string[]): string => lines.map((l) => `#SBATCH ${l}`).join('\n');

/**
 * The array job's script: task i of N runs `netspace sweep work <manifest> --task i`, which trains its share of the
 * frozen runs into its own shard. Readable, and fit to edit and submit by hand.
 */
export function renderArrayScript(input: ScriptInput): string {
  const o = input.options;
  const logs = checkPath(`${input.submissionDir}/logs`);
  const throttle = o.maxConcurrent === null ? '' : `%${o.maxConcurrent}`;
  const lines = [
    `--job-name=${o.jobName ?? `netspace-${input.sweep}`}`,
    `--array=0-${input.tasks - 1}${throttle}`,
    ...resourceLines(o),
    ...(o.requeue ? ['--requeue'] : []),
    `--chdir=${checkPath(input.workDir)}`,
    // Append: a requeued task's output follows its earlier attempt's in the same file.
    '--open-mode=append',
    `--output=${logs}/task-%a.out`,
    ...o.sbatch,
  ];
  return `#!/bin/bash
# netspace sweep ${input.sweep}, submission ${input.submission}: ${input.runs} runs in ${input.tasks} array tasks.
# Written by \`netspace sweep submit\` at ${input.createdAt}; submit it again by hand with: sbatch ${checkPath(input.submissionDir)}/array.sbatch
#
# Task i trains the runs at positions i, i+N, i+2N, ... of manifest.json (N = ${input.tasks}) and writes only its own
# shard, shards/task-i/. A task that is killed, preempted or requeued starts again where its shard ends, losing at
# most the epoch in progress; runs it already finished are not trained again. Nothing here writes the database:
# \`netspace sweep collect ${input.sweep} --db ${input.db}\` merges the shards into it (the follow-up job does that
# when the array ends, if it was submitted).
${sbatchLines(lines)}

exec ${quote(input.netspace)} sweep work ${quote([checkPath(input.manifest)])} --task "$SLURM_ARRAY_TASK_ID"
`;
}

/**
 * The follow-up job's script: when every task of the array has ended (afterany: done, failed or cancelled), collect
 * the shards into the database and write the report. `arrayJobId` null writes a placeholder (dry run).
 */
export function renderCollectScript(input: ScriptInput, arrayJobId: string | null, reportPath: string | null): string {
  const o = input.options;
  const lines = [
    `--job-name=${o.jobName ?? `netspace-${input.sweep}`}-collect`,
    ...(o.partition === null ? [] : [`--partition=${o.partition}`]),
    '--ntasks=1',
    '--cpus-per-task=1',
    `--dependency=afterany:${arrayJobId ?? '<array job id>'}`,
    '--kill-on-invalid-dep=yes',
    `--chdir=${checkPath(input.workDir)}`,
    `--output=${checkPath(`${input.submissionDir}/logs`)}/collect-%j.out`,
    ...o.sbatch,
  ];
  const netspace = quote(input.netspace);
  return `#!/bin/bash
# netspace sweep ${input.sweep}, submission ${input.submission}: once the array job ${arrayJobId ?? '(its id)'} has ended (done, failed or
# cancelled), merge its shards into the database and write the report. While this job runs (seconds) it is the
# database's only writer: open ${input.db} from no other host meanwhile.
${sbatchLines(lines)}

set -e
${netspace} sweep collect ${quote([input.sweep])} --db ${quote([checkPath(input.db)])}
${netspace} report ${quote([input.sweep])} --db ${quote([input.db])}${reportPath === null ? '' : ` --out ${quote([reportPath])}`}
`;
}

/** Runs a Slurm command; a missing command is a NetspaceError saying Slurm is not here. */
function runSlurm(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  const run = spawnSync(command, args, { encoding: 'utf8', env: env ?? process.env });
  if (run.error) {
    if ((run.error as NodeJS.ErrnoException).code === 'ENOENT') throw new NetspaceError(messages.cluster.noSlurm(command));
    throw new NetspaceError(messages.cluster.slurmFailed(command, run.error.message));
  }
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** The job id in `sbatch --parsable`'s answer (`123` or `123;cluster`); null when it holds none. */
export function parseSbatchOutput(stdout: string): string | null {
  return /^(\d+)(?:;\S*)?\s*$/.exec(stdout.trim())?.[1] ?? null;
}

/** Submits a script with sbatch; returns its job id. Slurm's refusal is a NetspaceError with sbatch's words. */
export function sbatch(script: string, env?: NodeJS.ProcessEnv): string {
  const run = runSlurm('sbatch', ['--parsable', script], env);
  const jobId = run.status === 0 ? parseSbatchOutput(run.stdout) : null;
  if (jobId === null) throw new NetspaceError(messages.cluster.slurmFailed('sbatch', (run.stderr || run.stdout).trim()));
  return jobId;
}

/** An array job as squeue shows it. */
export type QueueState =
  /** Some tasks are still queued or running; `done` = tasks - pending - running (ended tasks leave squeue). */
  | { kind: 'queued'; pending: number; running: number; done: number; reasons: string[] }
  /** No task in the queue: all ended (squeue keeps no record of how; the shards tell). */
  | { kind: 'ended' }
  /** squeue could not say (not installed, no controller); `reason` in its words. */
  | { kind: 'unavailable'; reason: string };

/** squeue's job states counted as waiting, and as running (the rest of its states do not appear for live jobs). */
const WAITING = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SPECIAL_EXIT']);
const RUNNING = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);

/** The format `queueState` asks squeue for: array task id, state, reason. */
export const SQUEUE_FORMAT = '%K|%T|%r';

/** Parses `squeue -h -r -j <id> -o '%K|%T|%r'` output of an array of `tasks` tasks. */
export function parseSqueue(stdout: string, tasks: number): QueueState {
  let pending = 0;
  let running = 0;
  const reasons = new Set<string>();
  for (const line of stdout.split('\n')) {
    const [task, state, reason] = line.trim().split('|');
    if (task === undefined || task === '' || state === undefined) continue;
    if (WAITING.has(state)) {
      pending += 1;
      if (reason !== undefined && reason !== 'None') reasons.add(reason);
    } else if (RUNNING.has(state)) {
      running += 1;
    }
  }
  if (pending + running === 0) return { kind: 'ended' };
  return { kind: 'queued', pending, running, done: Math.max(0, tasks - pending - running), reasons: [...reasons].sort() };
}

/** Asks squeue about array job `jobId` of `tasks` tasks. Never throws: an unanswerable question says why. */
export function queueState(jobId: string, tasks: number, env?: NodeJS.ProcessEnv): QueueState {
  let run;
  try {
    run = runSlurm('squeue', ['-h', '-r', '-j', jobId, '-o', SQUEUE_FORMAT], env);
  } catch (error) {
    return { kind: 'unavailable', reason: (error as Error).message };
  }
  if (run.status !== 0) {
    if (/Invalid job id/i.test(run.stderr)) return { kind: 'ended' };
    return { kind: 'unavailable', reason: run.stderr.trim() || `squeue exited with ${run.status}` };
  }
  return parseSqueue(run.stdout, tasks);
}
