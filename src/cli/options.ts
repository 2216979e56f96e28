// Options that several commands take, worded once (this folder, not ./commands: main.ts loads every file there).
import { DATASET_NAMES, DEFAULT_DATASET } from '../data/datasets.ts';

/** --db: the netspace database, created by the commands that train and read by the others. */
export const dbOption = { type: 'string', default: './netspace.db', describe: 'netspace SQLite database file' } as const;

/** --data-dir: where Fashion-MNIST is looked for. */
export const dataDirOption = {
  type: 'string',
  describe: 'Fashion-MNIST folder (default: $NETSPACE_DATA, else ./data/fashion-mnist, else /usr/share/datasets/fashion-mnist)',
} as const;

/** --download / --no-download: whether training may download Fashion-MNIST when no copy is found. */
export const downloadOption = {
  type: 'boolean',
  default: true,
  describe: 'download Fashion-MNIST to ./data/fashion-mnist when no copy is found (--no-download forbids it)',
} as const;

/** The pool settings a command that trains takes from the CLI's context (CliContext in main.ts), if any. */
export function poolFromContext(args: { poolWorker?: string }): { pool?: { worker: string } } {
  return args.poolWorker === undefined ? {} : { pool: { worker: args.poolWorker } };
}

/** --dataset: the dataset a command works on; checked by the data module (datasetSpec), which suggests near names. */
export const datasetOption = {
  type: 'string',
  default: DEFAULT_DATASET,
  describe: `dataset: ${DATASET_NAMES.join(', ')}`,
} as const;
