// Runs the CLI's main(argv) inside the test process, as bin/netspace.js would, for tests that run hundreds of
// commands (a child process each would take minutes): process.exit ends the command, and what it writes is kept.
import { main } from '../../src/cli/main.ts';
import type { CliResult } from './netspace.ts';

/** Thrown by the stand-in for process.exit: unwinds the command the way the end of the process would. */
class ProcessExit extends Error {}

/** How a command run in process ended: as a child process would (CliResult), plus anything that escaped main(). */
export interface InProcessResult extends CliResult {
  /** An exception that left main() (main must turn every error into a message and an exit code). */
  escaped?: unknown;
}

/**
 * Runs `netspace ...argv` in this process. Only the first process.exit counts (the real one would end the process
 * there), and output written after it is dropped; a command that returns without exiting ends with process.exitCode.
 */
export async function runInProcess(argv: readonly string[]): Promise<InProcessResult> {
  const saved = { exit: process.exit, out: process.stdout.write, err: process.stderr.write, exitCode: process.exitCode };
  let code: number | null = null;
  let stdout = '';
  let stderr = '';
  let escaped: unknown;
  process.exit = ((value?: number) => {
    code ??= value ?? 0;
    throw new ProcessExit();
  }) as typeof process.exit;
  // Commands write text; node's test runner reports to its parent in binary chunks (its v8 serializer) on the same
  // stdout, possibly while a command runs, and those must reach the parent.
  const capture = (original: typeof process.stdout.write, stream: NodeJS.WriteStream, append: (text: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      if (code === null) append(chunk);
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(saved.out, process.stdout, (t) => (stdout += t));
  process.stderr.write = capture(saved.err, process.stderr, (t) => (stderr += t));
  process.exitCode = undefined;
  try {
    await main([...argv]);
  } catch (error) {
    if (!(error instanceof ProcessExit)) escaped = error;
  } finally {
    const exitCode = process.exitCode;
    process.exit = saved.exit;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = saved.exitCode;
    code ??= typeof exitCode === 'number' ? exitCode : 0;
  }
  return { code, stdout, stderr, ...(escaped === undefined ? {} : { escaped }) };
}
