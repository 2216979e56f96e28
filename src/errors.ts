// The error that means "the user gave bad input": the CLI prints its message alone (no stack) and exits non-zero.

/** A mistake in what the user asked for or supplied (a file, an option, a spec), told in one plain sentence. */
export class NetspaceError extends Error {
  override readonly name = 'NetspaceError';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function isNetspaceError(error: unknown): error is NetspaceError {
  return error instanceof NetspaceError;
}
