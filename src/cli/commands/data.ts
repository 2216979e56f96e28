// `netspace data download|check`: fetch a dataset, or say which of its files are found where and whether they are valid.
import type { Argv, CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { dataSources, datasetSpec } from '../../data/datasets.ts';
import { datasetOption } from '../options.ts';

interface DownloadArgs {
  dataset: string;
  'data-dir': string | undefined;
  'base-url': string | undefined;
}

interface CheckArgs {
  dataset: string;
  'data-dir': string | undefined;
  json: boolean;
}

/** --data-dir for these commands: the folder of the dataset named by --dataset. */
const dataDir = (what: string) =>
  ({
    type: 'string',
    describe: `${what} (default: the dataset's variable, $NETSPACE_DATA for fashion-mnist and $NETSPACE_DATA_<NAME> for the others, else ./data/<name>)`,
  }) as const;

const download: CommandModule<object, DownloadArgs> = {
  command: 'download',
  describe: 'Download a dataset, verify the MD5 of each file (CIFAR-10: of its archive, then unpacked) and put it in its folder',
  builder: (y) =>
    y
      .option('dataset', datasetOption)
      .option('data-dir', dataDir('folder to fill'))
      .option('base-url', { type: 'string', describe: "address of a folder serving the dataset's files (default: its authors' address)" }),
  handler: async (args) => {
    const spec = datasetSpec(args.dataset);
    const { downloadDataset, locateDataset } = await import('../../data/index.ts');
    const dir = locateDataset(spec, { dataDir: args['data-dir'] }).downloadDir;
    const result = await downloadDataset(spec, dir, { baseUrl: args['base-url'], log: (line) => process.stderr.write(`${line}\n`) });
    const tally = (status: string): number => result.files.filter((f) => f.status === status).length;
    const extracted = tally('extracted') > 0 ? `, ${tally('extracted')} extracted` : '';
    process.stdout.write(`${spec.title} is in ${result.dir} (${tally('downloaded')} file(s) downloaded, ${tally('kept')} already there${extracted})\n`);
  },
};

const check: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: "Say which of a dataset's files are found where, and whether each is valid",
  builder: (y) =>
    y
      .option('dataset', datasetOption)
      .option('data-dir', dataDir('folder to check first'))
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }),
  handler: async (args) => {
    const spec = datasetSpec(args.dataset);
    const { checkDataset, formatDataCheck } = await import('../../data/index.ts');
    const report = await checkDataset(spec, { dataDir: args['data-dir'] });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDataCheck(report)}\n`);
    if (!report.usable) throw new NetspaceError(messages.data.notUsable(report.dir, report.downloadDir, dataSources(spec)));
  },
};

const command: CommandModule = {
  command: 'data',
  describe: 'Datasets (Fashion-MNIST by default, MNIST, KMNIST, CIFAR-10): download one, or check which files are found where',
  builder: (y: Argv) => y.command(download).command(check).demandCommand(1, 'Name a data command: download or check.'),
  handler: () => undefined,
};

export default command;
