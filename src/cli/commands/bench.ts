// `netspace bench --resolution R --batch B`: RegNet32 training images per second on this machine and backend.
import type { CommandModule } from 'yargs';
import { BACKEND_REQUESTS, SPEED_DEFAULTS, type BackendRequest } from '../../engine/options.ts';

interface Args {
  resolution: number;
  batch: number;
  backend: string;
  steps: number;
  'micro-batch': number | undefined;
  json: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'bench',
  describe: 'Time SGD training steps of RegNet32 on random data and print images per second',
  builder: (y) =>
    y
      .option('resolution', { type: 'number', default: SPEED_DEFAULTS.resolution, describe: 'input side in pixels' })
      .option('batch', { type: 'number', default: SPEED_DEFAULTS.batch, describe: 'images per step' })
      .option('backend', { type: 'string', default: 'auto', describe: `TF.js backend: ${BACKEND_REQUESTS.join(', ')}` })
      .option('steps', { type: 'number', default: SPEED_DEFAULTS.steps, describe: 'timed steps (after one warm-up step)' })
      .option('micro-batch', { type: 'number', describe: 'images per forward/backward pass (default: the whole batch)' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"backend","resolution","batch","imagesPerSecond"}' }),
  handler: async (args) => {
    const [{ measureTrainingSpeed }, { parseTrainSettings, TRAIN_DEFAULTS }] = await Promise.all([
      import('../../engine/speed.ts'),
      import('../../train/settings.ts'),
    ]);
    // The training settings through the one parser, so they are bounded and worded as in train and sweep specs.
    const settings = parseTrainSettings(
      { resolution: args.resolution, batchSize: args.batch, microBatch: args['micro-batch'] },
      TRAIN_DEFAULTS,
      { kind: 'options' },
    );
    const r = await measureTrainingSpeed({
      resolution: settings.resolution,
      batch: settings.batchSize,
      backend: args.backend as BackendRequest,
      steps: args.steps,
      microBatch: settings.microBatch ?? null,
    });
    const { backend, resolution, batch, imagesPerSecond } = r;
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ backend, resolution, batch, imagesPerSecond })}\n`
        : `${backend}: RegNet32 ${resolution}x${resolution}, batch ${batch}: ${imagesPerSecond.toFixed(1)} images/s ` +
            `(${r.msPerStep.toFixed(1)} ms/step, ${r.cpuMsPerStep.toFixed(1)} ms CPU/step, ${r.kernelCalls} kernel calls/step)\n`,
    );
  },
};

export default command;
