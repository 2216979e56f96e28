// `netspace complexity <config> | --regnet d=..,w0=..`: analytic flops, params and acts, counted as pycls counts them.
import type { CommandModule } from 'yargs';
import type { ComplexityReport } from '../complexity.ts';

interface Args {
  config: string | undefined;
  regnet: string | undefined;
  resolution: number | undefined;
  channels: number | undefined;
  classes: number | undefined;
  stem: number | undefined;
  'conv-bias': boolean | undefined;
  json: boolean;
}

function text(report: ComplexityReport): string {
  const n = (x: number) => x.toLocaleString('en-US').padStart(15);
  const stages = report.config.stages
    .map((s) => `${s.depth} x ${s.width} (group width ${s.groupWidth}, bottleneck x${s.bottleneckMultiplier})`)
    .join(', ');
  return [
    `stem ${report.config.stemWidth}, stages ${stages}, ${report.config.numClasses} classes`,
    `at ${report.resolution}x${report.resolution}x${report.config.inputChannels}:`,
    `flops  ${n(report.flops)}  (${(report.flops / 1e6).toFixed(1)}M multiply-adds)`,
    `params ${n(report.params)}`,
    `acts   ${n(report.acts)}`,
  ].join('\n');
}

const command: CommandModule<object, Args> = {
  command: 'complexity [config]',
  describe: 'Count flops, params and activations of a config (preset or JSON file) or of a RegNetX, without building it',
  builder: (y) =>
    y
      .positional('config', { type: 'string', describe: 'a preset (regnet32) or an AnyNet config JSON file' })
      .option('regnet', { type: 'string', describe: 'a RegNetX instead: d=22,w0=24,wa=24.48,wm=2.54,g=16[,b=1]' })
      .option('resolution', { type: 'number', describe: 'input side in pixels (default 28)' })
      .option('channels', { type: 'number', describe: 'with --regnet: input channels (default 1)' })
      .option('classes', { type: 'number', describe: 'with --regnet: classes (default 10)' })
      .option('stem', { type: 'number', describe: 'with --regnet: stem width (default 32, the paper\'s)' })
      .option('conv-bias', { type: 'boolean', describe: 'with --regnet: convolutions with bias (default: none, as pycls)' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"flops","params","acts"}' }),
  handler: async (args) => {
    const { describeComplexity } = await import('../complexity.ts');
    const report = describeComplexity({
      config: args.config,
      regnet: args.regnet,
      resolution: args.resolution,
      inputChannels: args.channels,
      numClasses: args.classes,
      stemWidth: args.stem,
      convBias: args['conv-bias'],
    });
    const { flops, params, acts } = report;
    process.stdout.write(args.json ? `${JSON.stringify({ flops, params, acts })}\n` : `${text(report)}\n`);
  },
};

export default command;
