// `netspace sample <space|spec-file>`: draws configs from a design space with a seed and prints them.
import type { CommandModule } from 'yargs';
import type { Adjustment } from '../../space/adjustments.ts';
import type { SampledConfig } from '../../space/sampler.ts';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';

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

/** The table: complexity, the widths trained (a * where the compatibility rule changed the drawn one), the key. */
function table(samples: SampledConfig[], adjusted: Adjustment[][]): string {
  const millions = (x: number) => (x / 1e6).toFixed(3);
  const widths = (s: SampledConfig, k: number) =>
    s.config.stages.map((stage, i) => `${stage.width}${adjusted[k]!.some((a) => a.stage === i + 1 && a.field === 'width') ? '*' : ''}`).join(' ');
  const rows = samples.map((s, i) => [String(i + 1), millions(s.flops), millions(s.params), millions(s.acts), widths(s, i), s.key]);
  const header = ['#', 'flops (M)', 'params (M)', 'acts (M)', 'widths', 'key'];
  const cols = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const notes = adjusted.flatMap((list, k) => list.map((a) => `#${k + 1} ${a.reason}`));
  return [row(header, cols), ...rows.map((r) => row(r, cols)), ...(notes.length === 0 ? [] : ['', 'changed by the compatibility rule (* marks a trained width that differs from the drawn one):', ...notes])].join('\n');
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
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array, one sampled config per line, each with the widths the compatibility rule changed (adjusted)' }),
  handler: async (args) => {
    const [{ sampleSpace }, { parseComplexityRange, MAX_SAMPLES }, { compatibilityAdjustments }] = await Promise.all([
      import('../../space/load.ts'),
      import('../../space/sampler.ts'),
      import('../../space/adjustments.ts'),
    ]);
    // The library names its options (n, seed, maxAttempts); here they are flags.
    if (!Number.isInteger(args.n) || args.n < 1 || args.n > MAX_SAMPLES) throw new NetspaceError(`-n ${messages.settings.wholeNumberIn(args.n, 1, MAX_SAMPLES)}`);
    if (args['max-attempts'] !== undefined && (!Number.isInteger(args['max-attempts']) || args['max-attempts'] < 1)) {
      throw new NetspaceError(messages.option.wholeNumber('--max-attempts', 1, args['max-attempts']));
    }
    const samples = sampleSpace(args.space, {
      n: args.n,
      seed: args.seed,
      ...(args.flops === undefined ? {} : { flops: parseComplexityRange(args.flops, '--flops') }),
      ...(args.params === undefined ? {} : { params: parseComplexityRange(args.params, '--params') }),
      ...(args.acts === undefined ? {} : { acts: parseComplexityRange(args.acts, '--acts') }),
      ...(args['max-attempts'] === undefined ? {} : { maxAttempts: args['max-attempts'] }),
    });
    const adjusted = samples.map(compatibilityAdjustments);
    if (args.json) {
      // Each record is also a model config file: `summary`, `complexity` and `train --model` take it (file.json#k).
      process.stdout.write(`[\n${samples.map((s, k) => JSON.stringify({ ...s, adjusted: adjusted[k] })).join(',\n')}\n]\n`);
    } else {
      process.stdout.write(`${samples[0]!.space}, seed ${args.seed}: ${samples.length} configs\n${table(samples, adjusted)}\n`);
    }
  },
};

export default command;
