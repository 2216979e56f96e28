// `netspace importance <sweep>`: which parameters matter to the error in each space of a sweep (fANOVA or MDI).
import type { CommandModule } from 'yargs';
import type { DesignChoicesAnalysis } from '../../analysis/design-choices.ts';
import { percent } from '../../core/format.ts';
import { dbOption } from '../options.ts';

interface Args {
  sweep: string;
  db: string;
  json: boolean;
  method?: string;
  scale?: string;
  trees?: number;
  seed?: number;
}

const pct = (x: number): string => percent(x, 1).padStart(7);

/** One block per space: parameters by importance with their spread, then the strongest pairs. */
function formatText(sweep: string, a: DesignChoicesAnalysis): string {
  const { method, scale, trees, seed } = a.options;
  const lines = [`sweep ${sweep}: ${method === 'fanova' ? `fANOVA, ${scale} scale` : 'mean decrease in impurity'}, ${trees} trees per space, seed ${seed}`];
  for (const s of a.spaces) {
    lines.push('', `${s.space}: ${s.runs.length} finished runs, ${s.domains.length} parameters`);
    if (s.importance === null) {
      lines.push(s.domains.length === 0 ? '  no parameters (a fixed model, or a space whose domains are unknown)' : '  no importance: too few finished runs');
      continue;
    }
    lines.push(`  ${'parameter'.padEnd(10)} importance  sd over trees`);
    for (const p of [...s.importance.parameters].sort((x, y) => y.importance - x.importance)) {
      lines.push(`  ${p.name.padEnd(10)} ${pct(p.importance)}     ${pct(p.std)}`);
    }
    const pairs = [...s.importance.interactions].sort((x, y) => y.importance - x.importance).slice(0, 3);
    if (pairs.length > 0) lines.push(`  strongest pairs: ${pairs.map((i) => `${i.names.join(' x ')} ${pct(i.importance).trim()}`).join(', ')}`);
  }
  if (a.notes.length > 0) lines.push('', ...a.notes);
  return `${lines.join('\n')}\n`;
}

const flag = (key: string): string => `--${key}`;

const command: CommandModule<object, Args> = {
  command: 'importance <sweep>',
  describe: 'Rank the parameters of each design space of a sweep by how much they matter to the error (fANOVA on a random forest)',
  builder: (y) =>
    y
      .positional('sweep', { type: 'string', demandOption: true, describe: 'sweep name (netspace sweep status lists them)' })
      .option('db', dbOption)
      .option('json', { type: 'boolean', default: false, describe: 'print the numbers, with each space\'s parameter domains, as JSON' })
      .option('method', { type: 'string', describe: 'fanova (variance decomposition) or mdi (mean decrease in impurity) [default: fanova]' })
      .option('scale', { type: 'string', describe: 'log: measure log-sampled parameters on a log scale; linear: as Optuna does [default: log]' })
      .option('trees', { type: 'number', describe: 'trees in each space\'s random forest [default: 64]' })
      .option('seed', { type: 'number', describe: 'seed of the forests [default: 0]' }),
  handler: async (args) => {
    const [{ analyzeDesignChoices, parseDesignChoiceOptions }, { loadSweep }] = await Promise.all([
      import('../../analysis/design-choices.ts'),
      import('../../report/load.ts'),
    ]);
    const options = parseDesignChoiceOptions({ method: args.method, scale: args.scale, trees: args.trees, seed: args.seed }, 'importance', flag);
    const sweep = loadSweep(args.db, args.sweep);
    const analysis = analyzeDesignChoices(sweep, options);
    if (!args.json) {
      process.stdout.write(formatText(sweep.name, analysis));
      return;
    }
    const spaces = analysis.spaces.map(({ runs, ...s }) => ({ ...s, n: runs.length }));
    process.stdout.write(`${JSON.stringify({ sweep: sweep.name, options: analysis.options, spaces, notes: analysis.notes }, null, 2)}\n`);
  },
};

export default command;
