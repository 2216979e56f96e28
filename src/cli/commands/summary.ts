// `netspace summary <model>`: each top-level part's output shape and parameters, like the chapter's layer summary.
import type { CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { resolveModelConfig } from '../../space/presets.ts';

interface Args {
  model: string;
  input: string | undefined;
  json: boolean;
}

/** Most input values (N x C x H x W) a summary passes through the model: 16 MiB of float32, 1,1,2048,2048. */
const MAX_INPUT_VALUES = 2 ** 22;

function parseInput(text: string): [number, number, number, number] {
  const dims = text.split(',').map((d) => Number(d.trim()));
  if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new NetspaceError(messages.option.inputShape(text));
  }
  const values = dims.reduce((a, b) => a * b, 1);
  if (values > MAX_INPUT_VALUES) throw new NetspaceError(messages.option.inputTooLarge(text, values, MAX_INPUT_VALUES));
  return dims as [number, number, number, number];
}

const command: CommandModule<object, Args> = {
  command: 'summary <model>',
  describe: 'Print each part of a model (regnet32 or a config .json) with its output shape and parameter count',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'regnet32, or an AnyNet config JSON file' })
      .option('input', { type: 'string', describe: 'input shape N,C,H,W (PyTorch order; default 1,C,28,28 with the model\'s C, as train and complexity)' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"layers":[{name,outputShape,params}],"params":N}' }),
  handler: async (args) => {
    const config = resolveModelConfig(args.model);
    const text = args.input ?? `1,${config.inputChannels},28,28`;
    const input = parseInput(text);
    if (input[1] !== config.inputChannels) {
      throw new NetspaceError(messages.option.inputChannels(text, config.inputChannels, input[1]));
    }
    // TF.js loads only when a command needs it, so that `netspace --help` and the pure commands start fast.
    const [{ initBackend }, { buildAnyNet }, { formatSummary, summarize }] = await Promise.all([
      import('../../engine/backend.ts'),
      import('../../model/anynet.ts'),
      import('../../model/summary.ts'),
    ]);
    await initBackend('cpu');
    const model = buildAnyNet(config);
    const summary = summarize(model, input);
    model.dispose();
    process.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  },
};

export default command;
