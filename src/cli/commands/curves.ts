// `netspace curves <run-id>`: one run's train loss, validation loss and accuracy per epoch, as SVG or an HTML page.
import type { CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { dbOption } from '../options.ts';

interface Args {
  'run-id': string;
  db: string;
  out?: string;
}

function parseRunId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(id) || id < 1) throw new NetspaceError(messages.option.runId(text));
  return id;
}

const command: CommandModule<object, Args> = {
  command: 'curves <run-id>',
  describe: "Draw a run's training loss, validation loss and validation accuracy per epoch",
  builder: (y) =>
    y
      .positional('run-id', { type: 'string', demandOption: true, describe: 'run id (netspace sweep status lists the best ones)' })
      .option('db', dbOption)
      .option('out', { type: 'string', describe: 'file.svg or file.html to write [default: reports/run-<id>-curves.svg]' }),
  handler: async (args) => {
    const runId = parseRunId(String(args['run-id']));
    // Loaded here, not at the top: main.ts imports every command, and vega would slow down every other one.
    const [{ loadRun }, { writeRunCurves }] = await Promise.all([import('../../report/load.ts'), import('../../report/curves.ts')]);
    const run = loadRun(args.db, runId);
    const path = await writeRunCurves(run, args.out ?? `reports/run-${runId}-curves.svg`);
    process.stdout.write(`wrote ${path} (${run.epochs.length} epochs of run ${runId}, ${run.space}, ${run.status})\n`);
  },
};

export default command;
