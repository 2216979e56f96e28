// `netspace backend install|status`: build the native tensorflow backend from a TensorFlow wheel; say what loads here.
import type { Argv, CommandModule } from 'yargs';

interface InstallArgs {
  wheel: string | undefined;
  'pip-version': string | undefined;
  gpu: boolean;
  rebuild: boolean;
  json: boolean;
}

interface StatusArgs {
  json: boolean;
}

const install: CommandModule<object, InstallArgs> = {
  command: 'install',
  describe: 'Install @tensorflow/tfjs-node-gpu on libtensorflow from a TensorFlow pip wheel, building its addon here',
  builder: (y) =>
    y
      .option('wheel', { type: 'string', describe: 'a TensorFlow wheel file (default: pip downloads tensorflow-cpu, or tensorflow with --gpu)' })
      .option('pip-version', { type: 'string', describe: 'TensorFlow version for pip to download (default 2.21.0)' })
      .option('gpu', { type: 'boolean', default: false, describe: 'pip downloads the CUDA build (package tensorflow); unverified, see the README' })
      .option('rebuild', { type: 'boolean', default: false, describe: 'build the addon again even when a cached one fits' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .conflicts('wheel', 'pip-version'),
  handler: async (args) => {
    const { installNative } = await import('../../engine/native-install.ts');
    const result = await installNative({
      wheel: args.wheel,
      pipVersion: args['pip-version'],
      gpu: args.gpu,
      rebuild: args.rebuild,
      onProgress: (line) => process.stderr.write(`netspace backend install: ${line}\n`),
    });
    const { tfVersion, device } = result.probe;
    process.stdout.write(
      args.json
        ? `${JSON.stringify(result)}\n`
        : `tensorflow backend ready: TensorFlow ${tfVersion} on ${device} (${result.wheel.name} ${result.wheel.version}), ` +
            `in ${result.seconds.toFixed(1)} s; train with --backend tensorflow\n`,
    );
  },
};

const status: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Say which backends load here, with their versions and devices',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print the backends as JSON' }),
  handler: async (args) => {
    const { backendStatus } = await import('../../engine/native-install.ts');
    const backends = backendStatus();
    if (args.json) {
      process.stdout.write(`${JSON.stringify(backends)}\n`);
      return;
    }
    for (const b of backends) {
      const head = b.loads ? `${b.backend}: loads: ${b.version} on ${b.device}` : `${b.backend}: does not load`;
      process.stdout.write(`${head}${b.note === null ? '' : ` (${b.note})`}\n`);
    }
  },
};

const command: CommandModule = {
  command: 'backend',
  describe: 'The TF.js backends: install the native tensorflow one, or see which load here',
  builder: (y: Argv) => y.command(install).command(status).demandCommand(1, 'Name a backend command: install or status.'),
  handler: () => undefined,
};

export default command;
