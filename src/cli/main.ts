// netspace's command line: yargs parses, each command module in ./commands calls one library function and prints.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { EXIT_CODES, isNetspaceError } from '../errors.ts';

const commandDir = fileURLToPath(new URL('./commands/', import.meta.url));
/** Whether this is the build in dist/ (see scripts/build.mjs) or the sources run through tsx. */
const compiled = import.meta.url.endsWith('.js');
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function loadCommands(): Promise<CommandModule[]> {
  const files = readdirSync(commandDir).filter((f) => f.endsWith(compiled ? '.js' : '.ts')).sort();
  const modules = await Promise.all(files.map((f) => import(new URL(`./commands/${f}`, import.meta.url).href)));
  return modules.map((m: { default: CommandModule }) => m.default);
}

function reportFailure(error: unknown): never {
  if (isNetspaceError(error)) {
    process.stderr.write(`netspace: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`netspace: internal error (please report it)\n${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(EXIT_CODES.internal);
}

/**
 * What a program embedding the CLI may hand its commands besides the command line (tests: a worker with planted
 * faults); yargs merges it into every command's arguments, and no flag can set it.
 */
export interface CliContext {
  /** The pool's worker module for commands that train (TrainPoolOptions.worker). */
  poolWorker?: string;
}

/** Parses `argv` (without node and the script) and runs the command; exits the process on errors. */
export async function main(argv: string[], context: CliContext = {}): Promise<void> {
  const cli = yargs(argv)
    .scriptName('netspace')
    .version(`${version} (${compiled ? 'built, dist/' : 'from source, through tsx'})`)
    .command(await loadCommands())
    .demandCommand(1, 'Name a command: netspace --help lists them.')
    .strict()
    .recommendCommands()
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      if (error) reportFailure(error);
      process.stderr.write(`netspace: ${message}\nRun with --help for usage.\n`);
      process.exit(EXIT_CODES.usage);
    });
  try {
    await cli.parseAsync(argv, context);
  } catch (error) {
    reportFailure(error);
  }
}

