// `netspace sweep run|status|export`: train a sweep spec into SQLite, see where it is, write its runs out.
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { FAILURE_KINDS, type FailureKind } from '../../core/types.ts';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { BACKEND_REQUESTS, type BackendRequest } from '../../engine/options.ts';
import type { ExportFormat } from '../../store/export.ts';
import { dataDirOption, dbOption, downloadOption, poolFromContext } from '../options.ts';

interface RunArgs {
  spec: string;
  db: string;
  workers?: number;
  backend?: BackendRequest;
  force: boolean;
  retry?: string;
  json: boolean;
  dataDir?: string;
  download: boolean;
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
function parseRetry(text: string): FailureKind[] | 'failed' {
  if (text === '' || text === 'failed') return 'failed';
  const kinds = text.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(FAILURE_KINDS as readonly string[]).includes(kind)) throw new NetspaceError(messages.option.failureKind(kind, FAILURE_KINDS));
  }
  return kinds as FailureKind[];
}

const run: CommandModule<object, RunArgs> = {
  command: 'run <spec>',
  describe: 'Sample the spec\'s configs and train them in a worker pool into the database; run again to resume',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', demandOption: true, describe: 'sweep spec, e.g. experiments/quickstart.yaml' })
      .option('db', dbOption)
      .option('workers', { type: 'number', describe: 'worker threads (default: the spec\'s, else one per core; one with tensorflow)' })
      .option('backend', { choices: BACKEND_REQUESTS, describe: 'TF.js backend, overriding the spec\'s train.backend' })
      .option('force', { type: 'boolean', default: false, describe: 'the spec changed: start a new sweep <name>-2 instead of refusing' })
      .option('retry', {
        type: 'string',
        describe: `put failed runs back to pending first: every failed run (--retry), or those of some kinds (--retry ${FAILURE_KINDS.slice(0, 2).join(',')}; kinds: ${FAILURE_KINDS.join(', ')})`,
      })
      .option('json', { type: 'boolean', default: false, describe: 'progress as JSON lines on stdout, then a summary line' })
      .option('data-dir', dataDirOption)
      .option('download', downloadOption),
  handler: async (args) => {
    if (args.workers !== undefined && (!Number.isInteger(args.workers) || args.workers < 1)) {
      throw new NetspaceError(messages.option.wholeNumber('--workers', 1, args.workers));
    }
    const retry = args.retry === undefined ? undefined : parseRetry(args.retry);
    const [{ createProgressReporter }, { runSweep }] = await Promise.all([import('../progress.ts'), import('../../sweep/sweep.ts')]);
    const progress = createProgressReporter(args.json ? { mode: 'json', stream: process.stdout } : {});
    let summary;
    try {
      summary = await runSweep(args.spec, {
        db: args.db,
        force: args.force,
        download: args.download,
        handleSignals: true,
        progress,
        ...poolFromContext(args),
        ...(retry === undefined ? {} : { retry }),
        ...(args.workers !== undefined ? { workers: args.workers } : {}),
        ...(args.backend !== undefined ? { backend: args.backend } : {}),
        ...(args.dataDir !== undefined ? { dataDir: args.dataDir } : {}),
      });
    } finally {
      progress.close();
    }
    const c = summary.counts;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
    } else if (summary.trained === 0 && !summary.interrupted && c.pending === 0) {
      const again = c.failed > 0 ? '; --retry trains the failed ones again' : '';
      process.stdout.write(`sweep ${summary.sweep}: nothing to train, all ${c.total} runs finished (${c.done} done, ${c.failed} failed, ${c.diverged} diverged) in ${summary.db}${again}\n`);
    } else {
      process.stdout.write(
        `sweep ${summary.sweep}: ${c.done} done, ${c.failed} failed, ${c.diverged} diverged, ${c.pending} pending of ${c.total}; ` +
          `trained ${summary.trained} here with ${summary.workers} workers (${summary.modelsPerHour.toFixed(1)} models/h); db ${summary.db}\n`,
      );
    }
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
      const sweeps = listSweeps(args.db);
      if (args.json) process.stdout.write(`${JSON.stringify({ db: args.db, sweeps })}\n`);
      else if (sweeps.length === 0) process.stdout.write(`${args.db} holds no sweeps yet\n`);
      else process.stdout.write(`${sweeps.map((s) => `${s.name}  ${s.runs} runs  created ${s.createdAt}`).join('\n')}\n`);
      return;
    }
    const { scheduleStatus, formatScheduleStatus } = await import('../schedule-status.ts');
    const result = sweepStatus(args.db, args.name, { top: args.top });
    const schedule = scheduleStatus(args.db, args.name);
    if (args.json) process.stdout.write(`${JSON.stringify({ ...result, schedule })}\n`);
    else process.stdout.write(`${[formatStatus(result), ...(schedule === null ? [] : [formatScheduleStatus(schedule)])].join('\n')}\n`);
  },
};

const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <name>',
  describe: 'Write one row per run of a sweep as CSV or JSON',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'sweep name' })
      .option('db', dbOption)
      .option('csv', { type: 'boolean', default: false, describe: 'CSV, sampled parameters in columns' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON array with config, sampled, settings and epochs' })
      .option('out', { type: 'string', describe: 'file to write (default: stdout)' }),
  handler: async (args) => {
    if (args.csv === args.json) throw new NetspaceError(messages.option.exportFormat());
    const format: ExportFormat = args.csv ? 'csv' : 'json';
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
  describe: 'Run a sweep of sampled models into SQLite (run), see its progress (status), export its runs (export)',
  builder: (y: Argv) =>
    y
      .command(run as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(exportCommand as unknown as CommandModule)
      .demandCommand(1, 'Name a sweep command: run, status or export.'),
  handler: () => {},
};

export default command;
