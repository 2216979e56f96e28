// Runs `netspace serve` as a child process, as a user would, for the dashboard tests (not a test file itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../cli/netspace.ts';

/** A running `netspace serve`. */
export interface ServeProcess {
  /** The URL it printed. */
  url: string;
  child: ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Sends SIGINT and resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts `netspace serve ...args` and resolves once it has printed its URL; rejects with its output when it exits
 * first or prints nothing within `ms` (the sources may be transpiled on a loaded machine: the deadline is generous).
 */
export function startServe(args: readonly string[], ms = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netspace serve printed no URL within ${ms} ms\n${stdout}\n${stderr}`));
    }, ms);
    const onData = (): void => {
      const match = /(http:\/\/\S+\/)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        url: match[1]!,
        child,
        output: () => ({ stdout, stderr }),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          const end = await exited;
          return { ...end, stdout, stderr };
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`netspace serve ended (${code ?? signal}) before printing a URL\n${stdout}\n${stderr}`));
    });
  });
}
