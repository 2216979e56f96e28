// `netspace sample <space|spec-file>`: draws configs from a design space with a seed and prints them.
import type { CommandModule } from 'yargs';
import type { SampledConfig } from '../../space/sampler.ts';

interface Args {
  space: string;
  n: number;
  seed: number;
  flops: string | undefined;
  params: string | undefined;
  acts: string | undefined;
  'max-attempts': number | undefined;
  json: boolean;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padStart(widths[i]!))).join('  ');
}

function table(samples: SampledConfig[]): string {
  const millions = (x: number) => (x / 1e6).toFixed(3);
  const rows = samples.map((s, i) => [String(i + 1), millions(s.flops), millions(s.params), millions(s.acts), s.key]);
  const header = ['#', 'flops (M)', 'params (M)', 'acts (M)', 'key'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [row(header, widths), ...rows.map((r) => row(r, widths))].join('\n');
}

const rangeOption = (what: string) =>
  ({ type: 'string', describe: `keep configs whose ${what} lie in low:high (e.g. 2M:5M, :400k, 1e6:)` }) as const;

const command: CommandModule<object, Args> = {
  command: 'sample <space>',
  describe: 'Draw distinct configs from a design space (AnyNetX_A..AnyNetX_E, RegNetX, or a JSON/YAML spec file)',
  builder: (y) =>
    y
      .positional('space', { type: 'string', demandOption: true, describe: 'a built-in space name or a space spec file' })
      .option('n', { type: 'number', demandOption: true, describe: 'how many distinct configs to draw' })
      .option('seed', { type: 'number', default: 0, describe: 'integer in [0, 2^32): same seed, same configs' })
      .option('flops', rangeOption('flops (multiply-adds per image at the space resolution)'))
      .option('params', rangeOption('parameter counts'))
      .option('acts', rangeOption('activation counts'))
      .option('max-attempts', { type: 'number', describe: 'draws allowed before giving up (default max(1e6, 1000 n))' })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array, one sampled config per line' }),
  handler: async (args) => {
    const [{ sampleSpace }, { parseComplexityRange }] = await Promise.all([import('../../space/load.ts'), import('../../space/sampler.ts')]);
    const samples = sampleSpace(args.space, {
      n: args.n,
      seed: args.seed,
      ...(args.flops === undefined ? {} : { flops: parseComplexityRange(args.flops, '--flops') }),
      ...(args.params === undefined ? {} : { params: parseComplexityRange(args.params, '--params') }),
      ...(args.acts === undefined ? {} : { acts: parseComplexityRange(args.acts, '--acts') }),
      ...(args['max-attempts'] === undefined ? {} : { maxAttempts: args['max-attempts'] }),
    });
    if (args.json) {
      process.stdout.write(`[\n${samples.map((s) => JSON.stringify(s)).join(',\n')}\n]\n`);
    } else {
      process.stdout.write(`${samples[0]!.space}, seed ${args.seed}: ${samples.length} configs\n${table(samples)}\n`);
    }
  },
};

export default command;
