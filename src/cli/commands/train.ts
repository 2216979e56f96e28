// `netspace train`: one model trained into the database, with a progress bar and a table of its epochs.
import type { Argv, CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { percent } from '../../core/format.ts';
import type { EpochRecord, RunRecord, TrainSettings } from '../../core/types.ts';
import { BACKEND_REQUESTS, type BackendRequest } from '../../engine/options.ts';
import { dataDirOption, datasetOption, dbOption, downloadOption, poolFromContext } from '../options.ts';
import { recipeFromArgs, recipeOptions, type RecipeArgs } from '../recipe-options.ts';

export interface TrainArgs extends RecipeArgs {
  model: string;
  epochs: number;
  resolution: number;
  batch: number;
  lr: number;
  trainSize?: number;
  valSize?: number;
  microBatch?: number;
  dataset: string;
  seed: number;
  backend: BackendRequest;
  db: string;
  json: boolean;
  dataDir?: string;
  download: boolean;
  /** From the CLI's context, not a flag (CliContext). */
  poolWorker?: string;
}

/** The options `train` takes, with `defaults` (the chapter's recipe for `baseline`, quick ones for `train`). */
export function trainOptions(y: Argv, defaults: { model: string; epochs: number; resolution: number }): Argv<TrainArgs> {
  return recipeOptions(y)
    .option('model', { type: 'string', default: defaults.model, describe: 'regnet32, or an AnyNet config JSON file' })
    .option('epochs', { type: 'number', default: defaults.epochs, describe: 'passes over the training images' })
    .option('resolution', { type: 'number', default: defaults.resolution, describe: 'input side in pixels (28: no resize)' })
    .option('batch', { type: 'number', default: 128, describe: 'images per SGD step' })
    .option('lr', { type: 'number', default: 0.05, describe: 'base learning rate (the recipe\'s schedule scales it per step)' })
    .option('train-size', { type: 'number', describe: 'training images, stratified by class (default: all 60,000)' })
    .option('val-size', { type: 'number', describe: 'validation images from the test split, stratified (default: all 10,000)' })
    .option('micro-batch', { type: 'number', describe: 'images per forward/backward pass when a batch does not fit the wasm heap' })
    .option('dataset', datasetOption)
    .option('seed', { type: 'number', default: 0, describe: 'seeds the weights, the subsets and the shuffles' })
    .option('backend', { choices: BACKEND_REQUESTS, default: 'auto' as BackendRequest, describe: 'TF.js backend' })
    .option('db', dbOption)
    .option('json', { type: 'boolean', default: false, describe: 'one JSON line per epoch on stdout, then the run' })
    .option('data-dir', dataDirOption)
    .option('download', downloadOption) as unknown as Argv<TrainArgs>;
}

/** The options' training settings, through the one settings parser (src/train/settings.ts). */
async function settingsFrom(args: TrainArgs): Promise<TrainSettings> {
  if (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff) {
    throw new NetspaceError(messages.option.integerIn('--seed', args.seed, 0, 0xffffffff));
  }
  const { parseTrainSettings, TRAIN_DEFAULTS } = await import('../../train/settings.ts');
  const input = {
    epochs: args.epochs,
    resolution: args.resolution,
    batchSize: args.batch,
    lr: args.lr,
    trainSize: args.trainSize,
    valSize: args.valSize,
    microBatch: args.microBatch,
    dataset: args.dataset,
    recipe: await recipeFromArgs(args),
  };
  return parseTrainSettings(input, TRAIN_DEFAULTS, { kind: 'options' });
}

/** The epochs as an aligned table, as the chapter's trainer reports them. */
export function formatEpochs(epochs: readonly EpochRecord[]): string {
  // Validation error, as the progress lines, sweep status and the report give it.
  const header = ['epoch', 'train loss', 'val loss', 'val error', 'seconds', 'images/s'];
  const rows = epochs.map((e) => [
    String(e.epoch),
    e.trainLoss.toFixed(4),
    e.valLoss.toFixed(4),
    percent(1 - e.valAccuracy),
    e.seconds.toFixed(1),
    e.imagesPerSecond.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

function describeRun(run: RunRecord, sweep: string): string {
  const status = run.status === 'done'
    ? `done: validation error ${percent(run.finalError)} after ${run.epochs.length} epochs`
    : `${run.status}${run.errorText ? `: ${run.errorText}` : ''}`;
  return `run ${run.id} (${sweep}, backend ${run.backend ?? '?'}, ${(run.seconds ?? 0).toFixed(0)} s): ${status}`;
}

/** Trains per `args` and prints; shared by `train` and `baseline`. */
export async function runTrainCommand(args: TrainArgs): Promise<void> {
  const settings = await settingsFrom(args);
  const [{ PRESETS, resolveModelConfig }, { trainSingle }, { createProgressReporter }, { configForDataset }, { DATASETS, DEFAULT_DATASET }] = await Promise.all([
    import('../../space/presets.ts'),
    import('../../sweep/single.ts'),
    import('../progress.ts'),
    import('../../sweep/spec.ts'),
    import('../../data/datasets.ts'),
  ]);
  const dataset = DATASETS[(settings.dataset ?? DEFAULT_DATASET) as keyof typeof DATASETS];
  const config = configForDataset(resolveModelConfig(args.model), dataset, PRESETS[args.model.toLowerCase()] !== undefined, args.model);
  const modelName = args.model.replace(/^.*\//, '').replace(/\.json$/i, '');
  const inner = createProgressReporter(args.json ? { mode: 'silent' } : {});
  const progress = args.json
    ? { emit: (e: Parameters<typeof inner.emit>[0]) => { if (e.type === 'epoch') process.stdout.write(`${JSON.stringify(e.record)}\n`); }, close: () => inner.close() }
    : inner;
  let result;
  try {
    result = await trainSingle(
      { modelName, config, settings, seed: args.seed, backend: args.backend },
      { db: args.db, download: args.download, handleSignals: true, progress, origin: { kind: 'options' }, ...poolFromContext(args), ...(args.dataDir === undefined ? {} : { dataDir: args.dataDir }) },
    );
  } finally {
    progress.close();
  }
  const { summary, run } = result;
  if (args.json) {
    const { epochs: _epochs, ...rest } = run;
    process.stdout.write(`${JSON.stringify({ type: 'run', sweep: summary.sweep, ...rest })}\n`);
  } else {
    if (summary.trained === 0 && !summary.interrupted) process.stdout.write('already trained: read from the database\n');
    process.stdout.write(`${formatEpochs(run.epochs)}\n${describeRun(run, summary.sweep)}\n`);
  }
  if (summary.interrupted) {
    process.stderr.write(`netspace: interrupted; ${run.epochs.length} epochs are stored. Run the same command to resume.\n`);
    process.exitCode = 130;
  } else if (run.status !== 'done') {
    process.exitCode = 1;
  }
}

const command: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train one model (regnet32 or a config file) into the database: a sweep of one, resumable',
  builder: (y) => trainOptions(y, { model: 'regnet32', epochs: 1, resolution: 28 }),
  handler: runTrainCommand,
};

export default command;
