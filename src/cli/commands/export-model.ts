// `netspace export-model <run>`: a finished run's trained model (its kept final checkpoint) as TF.js weights + config.
import type { CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { dbOption } from '../options.ts';

interface Args {
  run: number;
  db: string;
  out: string | undefined;
}

const command: CommandModule<object, Args> = {
  command: 'export-model <run>',
  describe: 'Write the trained model of a done (or stopped) run: model.json (config + TF.js weights manifest) and weights.bin',
  builder: (y) =>
    y
      .positional('run', { type: 'number', demandOption: true, describe: 'run id (sweep status and the report show them: #17)' })
      .option('db', dbOption)
      .option('out', { type: 'string', describe: 'folder to write (default: models/run-<id>)' }),
  handler: async (args) => {
    if (!Number.isInteger(args.run) || args.run < 1) throw new NetspaceError(messages.option.positiveInteger('<run>', args.run));
    const { readStore } = await import('../../store/store.ts');
    const { run, saved } = readStore(args.db, (store) => ({ run: store.readRun(args.run), saved: store.readCheckpoint(args.run) }));
    if (saved === null || (run.status !== 'done' && run.status !== 'stopped')) throw new NetspaceError(messages.model.noCheckpoint(run.id, run.status));
    const [{ initBackend }, { writeSavedModel }] = await Promise.all([import('../../engine/backend.ts'), import('../../model/saved.ts')]);
    await initBackend('cpu');
    const c = saved.checkpoint;
    const weights = new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
    const out = args.out ?? `models/run-${run.id}`;
    const paths = writeSavedModel(out, run.config, weights, {
      resolution: run.settings.resolution,
      source: { database: args.db, runId: run.id, space: run.space, configKey: run.configKey, epochs: saved.epoch, finalError: run.finalError, dataset: run.settings.dataset ?? 'fashion-mnist' },
    });
    process.stdout.write(`run ${run.id} (${run.space}, ${saved.epoch} epochs, error ${run.finalError === null ? '-' : `${(run.finalError * 100).toFixed(2)}%`}): wrote ${paths.json} and ${paths.weights}\n`);
  },
};

export default command;
