// `netspace data download|check`: fetch Fashion-MNIST, or say which files are found where and whether they are valid.
import type { Argv, CommandModule } from 'yargs';
import { NetspaceError } from '../../errors.ts';
import { messages } from '../../messages.ts';
import { CANONICAL_BASE_URL } from '../../data/files.ts';
import { dataDirOption } from '../options.ts';

interface DownloadArgs {
  'data-dir': string | undefined;
  'base-url': string;
}

interface CheckArgs {
  'data-dir': string | undefined;
  json: boolean;
}

const download: CommandModule<object, DownloadArgs> = {
  command: 'download',
  describe: 'Download the four Fashion-MNIST files, verify their MD5 and put them in the data folder',
  builder: (y) =>
    y
      .option('data-dir', { ...dataDirOption, describe: 'folder to fill (default: $NETSPACE_DATA, else ./data/fashion-mnist)' })
      .option('base-url', { type: 'string', default: CANONICAL_BASE_URL, describe: 'address of a folder serving the four .gz files' }),
  handler: async (args) => {
    const { downloadFashionMnist, locateFashionMnist } = await import('../../data/index.ts');
    const dir = locateFashionMnist({ dataDir: args['data-dir'] }).downloadDir;
    const result = await downloadFashionMnist(dir, { baseUrl: args['base-url'], log: (line) => process.stderr.write(`${line}\n`) });
    const fetched = result.files.filter((f) => f.status === 'downloaded').length;
    process.stdout.write(`Fashion-MNIST is in ${result.dir} (${fetched} file(s) downloaded, ${result.files.length - fetched} already there)\n`);
  },
};

const check: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Say which Fashion-MNIST files are found where, and whether each is valid',
  builder: (y) =>
    y
      .option('data-dir', dataDirOption)
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }),
  handler: async (args) => {
    const { checkFashionMnist, formatDataCheck } = await import('../../data/index.ts');
    const report = await checkFashionMnist({ dataDir: args['data-dir'] });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDataCheck(report)}\n`);
    if (!report.usable) throw new NetspaceError(messages.data.notUsable(report.dir, report.downloadDir));
  },
};

const command: CommandModule = {
  command: 'data',
  describe: 'Fashion-MNIST: download it, or check which files are found where',
  builder: (y: Argv) => y.command(download).command(check).demandCommand(1, 'Name a data command: download or check.'),
  handler: () => undefined,
};

export default command;
