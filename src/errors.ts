// The error that means "the user gave bad input" or "the database cannot be used now": the CLI prints its message
// alone (no stack) and exits with its code.

/**
 * The CLI's exit codes, one per kind of trouble a user can act on (README "Exit codes"). 70 (EX_SOFTWARE) is an
 * internal error, 130 an interrupt (128 + SIGINT).
 */
export const EXIT_CODES = Object.freeze({
  /** A mistake in a spec, an option, a config or a file. */
  userError: 1,
  /** The command line itself (yargs): unknown command or option. */
  usage: 2,
  /** The database is locked by another process (its write lock). */
  databaseBusy: 3,
  /** The file is an SQLite database of another program, or not netspace's. */
  notNetspace: 4,
  /** SQLite says the file is damaged (not a database, or its integrity check fails). */
  databaseDamaged: 5,
  /** The database was written by a newer netspace. */
  newerSchema: 6,
  /** The database or its folder cannot be written (read-only file, folder or filesystem). */
  readOnly: 7,
  /** The disk (or filesystem) is full. */
  diskFull: 8,
  /** The operating system reported an I/O error. */
  ioError: 9,
  internal: 70,
  interrupted: 130,
  /** The reader of the output went away (`netspace ... | head`): 128 + SIGPIPE, as a Unix tool killed by it. */
  pipeClosed: 141,
});

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** A mistake in what the user asked for or supplied (a file, an option, a spec), told in one plain sentence. */
export class NetspaceError extends Error {
  override readonly name = 'NetspaceError';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_CODES.userError) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function isNetspaceError(error: unknown): error is NetspaceError {
  return error instanceof NetspaceError;
}
