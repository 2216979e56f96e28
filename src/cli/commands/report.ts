// `netspace report <sweep..>`: the HTML report of a sweep, or of several compared (one self-contained page), an SVG
// per chart and, with --json, the numbers.
import type { CommandModule } from 'yargs';
import { dbOption } from '../options.ts';

interface Args {
  sweep: string[];
  db: string;
  out?: string;
  json: boolean;
  top?: number;
  seed?: number;
}

const flag = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const command: CommandModule<object, Args> = {
  command: 'report <sweep..>',
  describe:
    'Write the HTML report of a sweep (works while it runs): error EDFs, KS tests, good ranges, training curves; ' +
    'name several sweeps to compare their spaces in one report',
  builder: (y) =>
    y
      .positional('sweep', { type: 'string', array: true, demandOption: true, describe: 'sweep name(s) (netspace sweep status lists them)' })
      .option('db', dbOption)
      .option('out', { type: 'string', describe: 'HTML file to write [default: reports/<sweep>.html]; charts go to <out>-charts/' })
      .option('json', { type: 'boolean', default: false, describe: 'also write the numbers behind the charts to <out>.json' })
      .option('top', { type: 'number', describe: 'runs in the best/worst training curves and block-width chart [default: 5]' })
      .option('seed', { type: 'number', describe: 'seed of the bootstrap bands and good ranges [default: 0]' }),
  handler: async (args) => {
    const { parseAnalysisOptions } = await import('../../analysis/sweep.ts');
    const options = parseAnalysisOptions({ top: args.top, seed: args.seed }, 'report options', flag);
    // Loaded here, not at the top: main.ts imports every command, and vega would slow down every other one.
    const [{ loadSweeps }, { defaultReportPath, writeReport }, { verdictSentences }] = await Promise.all([
      import('../../report/load.ts'),
      import('../../report/report.ts'),
      import('../../report/verdict.ts'),
    ]);
    const sweep = loadSweeps(args.db, args.sweep);
    const written = await writeReport(sweep, args.out ?? defaultReportPath(sweep.name), { ...options, json: args.json });
    const c = written.data.counts;
    const lines = [
      `sweep ${sweep.name}: ${c.total} runs, ${c.done} done, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.diverged} diverged`,
      ...verdictSentences(written.data.verdict),
      `wrote ${written.html} (${written.charts.length} charts in ${written.chartDir})`,
      ...(written.json === null ? [] : [`wrote ${written.json}`]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};

export default command;
