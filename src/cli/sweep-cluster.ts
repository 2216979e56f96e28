// `netspace sweep submit|work|collect`, `sweep run --gpus` and the cluster lines of `sweep status`: parse, call
// src/cluster, print. (In cli/, not cli/commands/: main.ts loads every file there as a command of its own.)
import type { CommandModule } from 'yargs';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { BACKEND_REQUESTS, type BackendRequest } from '../engine/options.ts';
import { dataDirOption, dbOption, downloadOption, poolFromContext } from './options.ts';

interface SubmitArgs {
  spec: string;
  db: string;
  slurm: boolean;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  gpusPerTask?: number;
  mem?: string;
  tasks?: number;
  maxConcurrent?: number;
  sbatch?: string[];
  requeue: boolean;
  /** yargs fills the camel-case twins of kebab-case flags at run time; its types only know the kebab names. */
  collectJob?: boolean;
  jobName?: string;
  report?: string;
  dryRun?: boolean;
  force: boolean;
  backend?: BackendRequest;
  dataDir?: string;
  download: boolean;
  json: boolean;
}

interface WorkArgs {
  manifest: string;
  task?: number;
  workers?: number;
  json: boolean;
  /** From the CLI's context, not a flag (CliContext). */
  poolWorker?: string;
}

interface CollectArgs {
  name: string;
  db: string;
  json: boolean;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export const submitCommand: CommandModule<object, SubmitArgs> = {
  command: 'submit <spec>',
  describe: 'Plan the spec\'s runs into the database and train them as a Slurm job array (a follow-up job collects them)',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', demandOption: true, describe: 'sweep spec, e.g. experiments/quickstart.yaml' })
      .option('slurm', { type: 'boolean', default: false, describe: 'submit to Slurm with sbatch (the one scheduler netspace knows; required)' })
      .option('db', dbOption)
      .option('partition', { type: 'string', describe: 'sbatch --partition [default: the cluster\'s]' })
      .option('time', { type: 'string', describe: 'time limit per task, e.g. 90 or 1:30:00 or 2-00:00:00 [default: the partition\'s]' })
      .option('cpus-per-task', { type: 'number', describe: 'CPUs per task; on CPU backends each trains one model at a time [default: 1]' })
      .option('gpus-per-task', { type: 'number', describe: 'GPUs per task (Slurm sets CUDA_VISIBLE_DEVICES) [default: 0]' })
      .option('mem', { type: 'string', describe: 'memory per task, e.g. 8G [default: the cluster\'s]' })
      .option('tasks', { type: 'number', describe: 'array tasks; each trains every N-th run [default: one per run, at most 1000]' })
      .option('max-concurrent', { type: 'number', describe: 'at most this many tasks at once (--array=...%k)' })
      .option('sbatch', { type: 'string', array: true, describe: 'an extra #SBATCH line, e.g. --sbatch=--account=lab (repeatable)' })
      .option('requeue', { type: 'boolean', default: true, describe: 'let Slurm requeue preempted tasks (--no-requeue: not)' })
      .option('collect-job', { type: 'boolean', default: true, describe: 'submit the follow-up job that collects and writes the report (--no-collect-job: not)' })
      .option('job-name', { type: 'string', describe: 'job name [default: netspace-<sweep>]' })
      .option('report', { type: 'string', describe: 'report file the collect job writes [default: reports/<sweep>.html in this folder]' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'print the sbatch script(s); write and submit nothing' })
      .option('force', { type: 'boolean', default: false, describe: 'the spec changed: start a new sweep <name>-2 instead of refusing' })
      .option('backend', { choices: BACKEND_REQUESTS, describe: 'TF.js backend, overriding the spec\'s train.backend' })
      .option('data-dir', dataDirOption)
      .option('download', downloadOption)
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  handler: async (args) => {
    if (!args.slurm) throw new NetspaceError(messages.cluster.noScheduler());
    const { submitSweep } = await import('../cluster/submit.ts');
    const result = await submitSweep(args.spec, {
      db: args.db,
      force: args.force,
      download: args.download,
      dryRun: args.dryRun ?? false,
      slurm: defined({
        partition: args.partition,
        time: args.time,
        cpusPerTask: args.cpusPerTask,
        gpusPerTask: args.gpusPerTask,
        mem: args.mem,
        tasks: args.tasks,
        maxConcurrent: args.maxConcurrent,
        sbatch: args.sbatch,
        requeue: args.requeue,
        collectJob: args.collectJob ?? true,
        jobName: args.jobName,
      }),
      ...defined({ backend: args.backend, dataDir: args.dataDir, report: args.report }),
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    if (result.dryRun) {
      const collect = result.collectScriptText === null ? '' : `\n# ---- the follow-up job (collect.sbatch), submitted after the array ----\n${result.collectScriptText}`;
      process.stdout.write(`${result.scriptText}${collect}`);
      process.stderr.write(`dry run: ${result.runs} runs in ${result.tasks} tasks; nothing written or submitted\n`);
      return;
    }
    if (result.runs === 0) {
      process.stdout.write(`sweep ${result.sweep}: nothing to submit, every run is finished in ${result.db}\n`);
      return;
    }
    const lines = [
      `sweep ${result.sweep}: submission ${result.submission}, ${result.runs} runs in ${result.tasks} array tasks: ` +
        `array job ${result.jobId}${result.collectJobId === null ? '' : `, collect job ${result.collectJobId} (after the array)`}`,
      `  script: ${result.script}`,
      `  watch:  squeue -j ${result.jobId}    or    netspace sweep status ${result.sweep} --db ${result.db}`,
      `  merge results so far: netspace sweep collect ${result.sweep} --db ${result.db}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};

export const workCommand: CommandModule<object, WorkArgs> = {
  command: 'work <manifest>',
  describe: 'Train one task\'s share of a submitted sweep into its shard (what each Slurm array task or GPU process runs)',
  builder: (y) =>
    y
      .positional('manifest', { type: 'string', demandOption: true, describe: 'the submission\'s manifest.json' })
      .option('task', { type: 'number', describe: 'task number, 0-based [default: $SLURM_ARRAY_TASK_ID]' })
      .option('workers', { type: 'number', describe: 'training threads [default: the manifest\'s, from --cpus-per-task]' })
      .option('json', { type: 'boolean', default: false, describe: 'progress as JSON lines on stdout, then a summary line' }),
  handler: async (args) => {
    const [{ createProgressReporter }, { workShare }] = await Promise.all([import('./progress.ts'), import('../cluster/work.ts')]);
    const progress = createProgressReporter(args.json ? { mode: 'json', stream: process.stdout } : { mode: 'plain' });
    let summary;
    try {
      summary = await workShare({
        manifest: args.manifest,
        handleSignals: true,
        progress,
        ...poolFromContext(args),
        ...defined({ task: args.task, workers: args.workers }),
      });
    } finally {
      progress.close();
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
    else {
      process.stdout.write(
        `sweep ${summary.sweep} task ${summary.task}/${summary.tasks}: ${summary.trained} runs trained now, ${summary.alreadyDone} finished earlier, ` +
          `of ${summary.share}; start-up ${summary.startupSeconds?.toFixed(1) ?? '-'} s\n`,
      );
    }
    if (summary.interrupted) process.exitCode = 130;
  },
};

export const collectCommand: CommandModule<object, CollectArgs> = {
  command: 'collect <name>',
  describe: 'Merge the results of a submitted sweep\'s tasks into the database (safe while they run; run it as often as you like)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'sweep name' })
      .option('db', dbOption)
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  handler: async (args) => {
    const { collectSweep } = await import('../cluster/collect.ts');
    const s = collectSweep(args.db, args.name);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return;
    }
    const c = s.counts;
    process.stdout.write(
      `sweep ${s.sweep}: merged ${s.merged} runs (${s.alreadyCollected} were already in), ${s.inProgress} in progress in ${s.shards} shards; ` +
        `database: ${c.done} done, ${c.failed} failed, ${c.diverged} diverged, ${c.pending} pending of ${c.total}\n`,
    );
    if (s.duplicates > 0 || s.badLines > 0 || s.unknownRuns > 0) {
      process.stderr.write(`netspace: ignored ${s.duplicates} second results, ${s.badLines} unreadable lines, ${s.unknownRuns} results of runs not in ${s.db}\n`);
    }
  },
};

/** `sweep run --gpus`: the option, and the handler `sweep run` hands over to when it is given. */
export const gpusOption = {
  type: 'string',
  describe: 'one worker process per GPU, e.g. --gpus 0,1 (each sees only its GPU through CUDA_VISIBLE_DEVICES)',
} as const;

export interface GpuRunArgs {
  spec: string;
  db: string;
  gpus: string;
  force: boolean;
  json: boolean;
  backend?: BackendRequest;
  dataDir?: string;
  download: boolean;
}

export async function runOnGpusCommand(args: GpuRunArgs): Promise<void> {
  const { parseGpuList, runOnGpus } = await import('../cluster/gpus.ts');
  const gpus = parseGpuList(args.gpus);
  const s = await runOnGpus(args.spec, {
    db: args.db,
    gpus,
    force: args.force,
    download: args.download,
    handleSignals: true,
    ...defined({ backend: args.backend, dataDir: args.dataDir }),
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ type: 'summary', ...s })}\n`);
  } else if (s.submission === null) {
    process.stdout.write(`sweep ${s.sweep}: nothing to train, every run is finished in ${s.db}\n`);
  } else {
    const c = s.counts!;
    process.stdout.write(
      `sweep ${s.sweep}: ${c.done} done, ${c.failed} failed, ${c.diverged} diverged, ${c.pending} pending of ${c.total}; ` +
        `trained ${s.trained} here in ${s.workers.length} processes on GPUs ${s.workers.map((w) => w.gpu).join(',')} (${s.modelsPerHour.toFixed(1)} models/h); db ${s.db}\n`,
    );
  }
  if (s.interrupted) {
    process.stderr.write(`netspace: sweep ${s.sweep} interrupted; run the same command to resume.\n`);
    process.exitCode = 130;
  }
}

/**
 * `sweep run`'s check before it claims the sweep: refused while a Slurm array of the sweep is queued or running, since
 * both would train the same runs. Reads only the sweep's submission folder (and asks squeue when one is there).
 */
export async function refuseWhileArrayQueued(db: string): Promise<(sweep: string) => void> {
  const { assertNoArrayQueued } = await import('../cluster/submit.ts');
  return (sweep) => assertNoArrayQueued(db, sweep);
}

/** The cluster lines `sweep status <name>` appends (empty when the sweep was never submitted), and its JSON part. */
export async function clusterStatusPart(db: string, name: string): Promise<{ text: string; json: unknown }> {
  const { clusterStatus, formatClusterStatus } = await import('../cluster/status.ts');
  const status = clusterStatus(db, name);
  return { text: status === null ? '' : formatClusterStatus(status, db, name), json: status };
}
