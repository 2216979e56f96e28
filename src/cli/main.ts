// netspace's command line: yargs parses, each command module in ./commands calls one library function and prints.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { EXIT_CODES, isNetspaceError, NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

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

/**
 * Refuses an option yargs read as a number when its text is not one (yargs gives NaN, which the commands' own checks
 * would show as "got NaN"): the message names the option as typed and the text given.
 */
function refuseNotANumber(argv: readonly string[], args: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(args)) {
    if (typeof value !== 'number' || !Number.isNaN(value) || /[A-Z]/.test(key)) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key}`;
    const at = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    const raw = at < 0 ? undefined : argv[at]!.includes('=') ? argv[at]!.slice(flag.length + 1) : argv[at + 1];
    throw new NetspaceError(messages.option.notANumber(at < 0 ? key : flag, raw));
  }
}

const guardedStreams = new WeakSet<NodeJS.WriteStream>();

/**
 * A reader that stops early (`netspace sample ... | head`) closes the pipe, and the next write fails with EPIPE: the
 * rest of the output is unwanted, so the process ends quietly, with the exit code of a tool killed by SIGPIPE (Node
 * ignores that signal, so it would otherwise print the error's stack). A sweep ended so resumes like one killed.
 */
function endOnClosedPipe(stream: NodeJS.WriteStream): void {
  // Once per stream: a program (or test) that runs main() many times in one process must not pile up listeners.
  if (guardedStreams.has(stream)) return;
  guardedStreams.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_CODES.pipeClosed);
    reportFailure(error);
  });
}

/** Parses `argv` (without node and the script) and runs the command; exits the process on errors. */
export async function main(argv: string[], context: CliContext = {}): Promise<void> {
  endOnClosedPipe(process.stdout);
  endOnClosedPipe(process.stderr);
  const cli = yargs(argv)
    .scriptName('netspace')
    .version(`${version} (${compiled ? 'built, dist/' : 'from source, through tsx'})`)
    .command(await loadCommands())
    .middleware((args) => refuseNotANumber(argv, args), true)
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

