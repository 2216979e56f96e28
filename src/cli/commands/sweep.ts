// `netspace sweep run|status|export|submit|work|collect`: train a sweep spec into SQLite (here, or on Slurm through
// ../sweep-cluster.ts), see where it is, write its runs out.
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { FAILURE_KINDS, type FailureKind, type StatusCounts } from '../../core/types.ts';
import { NetspaceError } from '../../errors.ts';
import { messages, plural } from '../../messages.ts';
import { BACKEND_REQUESTS, type BackendRequest } from '../../engine/options.ts';
import type { ExportFormat } from '../../store/export.ts';
import { dataDirOption, dbOption, downloadOption, poolFromContext } from '../options.ts';
import { clusterStatusPart, collectCommand, gpusOption, refuseWhileArrayQueued, runOnGpusCommand, submitCommand, workCommand } from '../sweep-cluster.ts';

interface RunArgs {
  spec: string;
  db: string;
  workers?: string;
  backend?: BackendRequest;
  force: boolean;
  retry?: string;
  json: boolean;
  dataDir?: string;
  download: boolean;
  gpus?: string;
  /** From the CLI's context, not a flag (CliContext). */
  poolWorker?: string;
}

interface StatusArgs {
  name?: string;
  db: string;
  json: boolean;
  top: number;
}

interface ExportArgs {
  name: string;
  db: string;
  csv: boolean;
  json: boolean;
  out?: string;
}

/** `--retry` alone (or `--retry failed`) means every failed run; else a comma-separated list of FailureKinds. */
/** "3 stopped, 1 paused, " for a sweep under a fidelity schedule; nothing when it has none of either. */
function scheduled(c: StatusCounts): string {
  return `${c.stopped > 0 ? `${c.stopped} stopped, ` : ''}${c.paused > 0 ? `${c.paused} paused, ` : ''}`;
}

/** --workers: a whole number >= 1, or auto (one per core, as the spec's `workers: auto`); undefined when not given. */
function parseWorkers(text: string | undefined): number | 'auto' | undefined {
  if (text === undefined || text === 'auto') return text;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isInteger(n) || n < 1) throw new NetspaceError(messages.option.wholeNumberOrAuto('--workers', 1, Number.isNaN(n) ? text : n));
  return n;
}

function parseRetry(text: string): FailureKind[] | 'failed' {
  if (text === '' || text === 'failed') return 'failed';
  const kinds = text.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(FAILURE_KINDS as readonly string[]).includes(kind)) throw new NetspaceError(messages.option.failureKind(kind, FAILURE_KINDS));
  }
  return kinds as FailureKind[];
}

/** The verdict on the sweep as stored now, with its sentences: what `report` opens with, printed after a run. */
async function sweepVerdictOf(db: string, name: string): Promise<import('../../analysis/verdict.ts').Verdict & { sentences: string[] }> {
  const [{ loadSweep }, { sweepVerdict }, { verdictSentences }] = await Promise.all([
    import('../../report/load.ts'),
    import('../../analysis/verdict.ts'),
    import('../../report/verdict.ts'),
  ]);
  const verdict = sweepVerdict(loadSweep(db, name));
  return { ...verdict, sentences: verdictSentences(verdict) };
}

const run: CommandModule<object, RunArgs> = {
  command: 'run <spec>',
  describe: 'Sample the spec\'s configs and train them in a worker pool into the database; run again to resume',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', demandOption: true, describe: 'sweep spec, e.g. experiments/quickstart.yaml' })
      .option('db', dbOption)
      .option('workers', { type: 'string', describe: 'worker threads, or auto (one per core) [default: the spec\'s workers]' })
      .option('backend', { choices: BACKEND_REQUESTS, describe: 'TF.js backend, overriding the spec\'s train.backend' })
      .option('force', { type: 'boolean', default: false, describe: 'the spec changed: start a new sweep <name>-2 instead of refusing' })
      .option('retry', {
        type: 'string',
        describe: `put failed runs back to pending first: every failed run (--retry), or those of some kinds (--retry ${FAILURE_KINDS.slice(0, 2).join(',')}; kinds: ${FAILURE_KINDS.join(', ')})`,
      })
      .option('json', { type: 'boolean', default: false, describe: 'progress as JSON lines on stdout, then a summary line' })
      .option('data-dir', dataDirOption)
      .option('download', downloadOption)
      .option('gpus', gpusOption),
  handler: async (args) => {
    if (args.gpus !== undefined) return runOnGpusCommand({ ...args, gpus: args.gpus });
    const workers = parseWorkers(args.workers);
    const retry = args.retry === undefined ? undefined : parseRetry(args.retry);
    const [{ createProgressReporter }, { runSweep }] = await Promise.all([import('../progress.ts'), import('../../sweep/sweep.ts')]);
    const beforeClaim = await refuseWhileArrayQueued(args.db);
    const progress = createProgressReporter(args.json ? { mode: 'json', stream: process.stdout } : {});
    let summary;
    try {
      summary = await runSweep(args.spec, {
        db: args.db,
        beforeClaim,
        force: args.force,
        download: args.download,
        handleSignals: true,
        progress,
        ...poolFromContext(args),
        ...(retry === undefined ? {} : { retry }),
        ...(workers !== undefined ? { workers } : {}),
        ...(args.backend !== undefined ? { backend: args.backend } : {}),
        ...(args.dataDir !== undefined ? { dataDir: args.dataDir } : {}),
      });
    } finally {
      progress.close();
    }
    const c = summary.counts;
    const verdict = await sweepVerdictOf(summary.db, summary.sweep);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary, verdict })}\n`);
    } else if (summary.trained === 0 && !summary.interrupted && c.pending === 0) {
      const again = c.failed > 0 ? '; --retry trains the failed ones again' : '';
      process.stdout.write(`sweep ${summary.sweep}: nothing to train, all ${c.total} runs finished (${c.done} done, ${c.failed} failed, ${c.diverged} diverged) in ${summary.db}${again}\n`);
    } else {
      process.stdout.write(
        `sweep ${summary.sweep}: ${c.done} done, ${c.failed} failed, ${c.diverged} diverged, ${scheduled(c)}${c.pending} pending of ${c.total}; ` +
          `trained ${summary.trained} here with ${plural(summary.workers, 'worker')} (${summary.modelsPerHour.toFixed(1)} models/h); db ${summary.db}\n`,
      );
    }
    if (!args.json) process.stdout.write(`${verdict.sentences.join('\n')}\n`);
    if (summary.interrupted) {
      process.stderr.write(`netspace: sweep ${summary.sweep} interrupted; ${summary.released} runs back to pending. Run the same command to resume.\n`);
      process.exitCode = 130;
    }
  },
};

const status: CommandModule<object, StatusArgs> = {
  command: 'status [name]',
  describe: 'Counts by status, the best runs so far and the latest failures (safe while the sweep runs)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'sweep name (default: list the sweeps in the database)' })
      .option('db', dbOption)
      .option('json', { type: 'boolean', default: false, describe: 'print {"total","pending","running","done","failed","diverged",...}' })
      .option('top', { type: 'number', default: 5, describe: 'how many best runs and failures to list' }),
  handler: async (args) => {
    if (!Number.isInteger(args.top) || args.top < 0) throw new NetspaceError(messages.option.wholeNumber('--top', 0, args.top));
    const [{ listSweeps, sweepStatus }, { formatStatus }] = await Promise.all([import('../../store/status.ts'), import('../status.ts')]);
    if (args.name === undefined) {
      const { isSingleRunName } = await import('../../sweep/single.ts');
      // `netspace train` stores each run as a sweep of one: listed apart, as single runs.
      const all = listSweeps(args.db).map((s) => ({ ...s, kind: isSingleRunName(s.name) ? ('train' as const) : ('sweep' as const) }));
      const [sweeps, single] = [all.filter((s) => s.kind === 'sweep'), all.filter((s) => s.kind === 'train')];
      const line = (s: (typeof all)[number]) => `${s.name}  ${s.runs} run${s.runs === 1 ? '' : 's'}  created ${s.createdAt}`;
      if (args.json) process.stdout.write(`${JSON.stringify({ db: args.db, sweeps: all })}\n`);
      else if (all.length === 0) process.stdout.write(`${args.db} holds no sweeps yet\n`);
      else {
        const parts = [...sweeps.map(line), ...(single.length === 0 ? [] : [`${sweeps.length === 0 ? '' : '\n'}single runs (netspace train):`, ...single.map((s) => `  ${line(s)}`)])];
        process.stdout.write(`${parts.join('\n')}\n`);
      }
      return;
    }
    const { scheduleStatus, formatScheduleStatus } = await import('../schedule-status.ts');
    const result = sweepStatus(args.db, args.name, { top: args.top });
    const schedule = scheduleStatus(args.db, args.name);
    const cluster = await clusterStatusPart(args.db, args.name);
    if (args.json) process.stdout.write(`${JSON.stringify({ ...result, schedule, cluster: cluster.json })}\n`);
    else {
      const parts = [formatStatus(result), ...(schedule === null ? [] : [formatScheduleStatus(schedule)]), ...(cluster.text === '' ? [] : [cluster.text])];
      process.stdout.write(`${parts.join('\n')}\n`);
    }
  },
};

const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <name>',
  describe: 'Write one row per run of a sweep as tidy CSV (the default; columns in docs/export.md) or JSON',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'sweep name' })
      .option('db', dbOption)
      .option('csv', { type: 'boolean', default: false, describe: 'tidy CSV, one column per scalar (the default unless --out ends in .json)' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON array with config, sampled, settings and epochs' })
      .option('out', { type: 'string', describe: 'file to write (default: stdout)' }),
  handler: async (args) => {
    if (args.csv && args.json) throw new NetspaceError(messages.option.exportFormat());
    // Neither flag: the --out file's extension says which, else the tidy CSV (docs/export.md).
    const format: ExportFormat = args.json || (!args.csv && args.out !== undefined && args.out.toLowerCase().endsWith('.json')) ? 'json' : 'csv';
    const { exportSweep } = await import('../../store/export.ts');
    const text = exportSweep(args.db, args.name, format);
    if (args.out === undefined) {
      process.stdout.write(text);
      return;
    }
    try {
      writeFileSync(args.out, text);
    } catch (error) {
      throw new NetspaceError(messages.option.cannotWrite('--out', args.out, (error as NodeJS.ErrnoException).code ?? (error as Error).message));
    }
    process.stderr.write(`wrote ${args.out}\n`);
  },
};

const command: CommandModule = {
  command: 'sweep <command>',
  describe: 'Run a sweep of sampled models into SQLite (run, or submit to Slurm), see its progress (status), export its runs (export)',
  builder: (y: Argv) =>
    y
      .command(run as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(exportCommand as unknown as CommandModule)
      .command(submitCommand as unknown as CommandModule)
      .command(workCommand as unknown as CommandModule)
      .command(collectCommand as unknown as CommandModule)
      .demandCommand(1, 'Name a sweep command: run, status, export, submit, work or collect.'),
  handler: () => {},
};

export default command;
