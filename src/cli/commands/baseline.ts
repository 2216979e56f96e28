// `netspace baseline`: `train` with exactly the d2l chapter's settings (RegNet32, 96x96, batch 128, lr 0.05, 10 epochs).
import type { CommandModule } from 'yargs';
import { runTrainCommand, trainOptions, type TrainArgs } from './train.ts';

const command: CommandModule<object, TrainArgs> = {
  command: 'baseline',
  describe: "Train RegNet32 with the chapter's recipe: Fashion-MNIST at 96x96, batch 128, SGD lr 0.05, 10 epochs",
  builder: (y) => trainOptions(y, { model: 'regnet32', epochs: 10, resolution: 96 }),
  handler: runTrainCommand,
};

export default command;
