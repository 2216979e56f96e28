// `netspace serve`: the live dashboard of a database in a browser, read-only, until Ctrl-C.
import type { CommandModule } from 'yargs';
import { dbOption } from '../options.ts';

interface Args {
  db: string;
  host: string;
  port: number;
  refresh: number;
}

const command: CommandModule<object, Args> = {
  command: 'serve',
  describe:
    'Serve a live dashboard of the database (read-only): every sweep, its report charts linked by brushing, ' +
    'a sortable table of runs and each run opened, updated while sweeps run',
  builder: (y) =>
    y
      .option('db', dbOption)
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on; anything but loopback makes the sweeps readable from other machines' })
      .option('port', { type: 'number', default: 8765, describe: 'TCP port (0 picks a free one)' })
      .option('refresh', { type: 'number', default: 5, describe: 'least seconds between two analyses of a sweep while it is written' }),
  handler: async (args) => {
    // Loaded here, not at the top: main.ts imports every command, and Fastify and vega would slow down every other one.
    const [{ startServer }, { messages }] = await Promise.all([import('../../serve/server.ts'), import('../../messages.ts')]);
    const server = await startServer({ db: args.db, host: args.host, port: args.port, refreshSeconds: args.refresh });
    process.stdout.write(`netspace serve: ${server.url} shows ${args.db} (read-only; Ctrl-C stops it)\n`);
    if (!server.loopback) process.stderr.write(`netspace serve: ${messages.serve.exposed(server.url, args.db)}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
  },
};

export default command;
