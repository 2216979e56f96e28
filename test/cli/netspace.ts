// Runs `bin/netspace.js` as a child process, as a user would, for the CLI tests (not a test file itself).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export const BIN = new URL('../../bin/netspace.js', import.meta.url).pathname;

/** How a command ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `netspace ...args` (the checkout's bin/netspace.js, or `bin`) to its end without blocking the test runner. */
export function netspace(args: readonly string[], env: Record<string, string> = {}, bin = BIN): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A user mistake: exit code 1, one `netspace:` line matching `message`, no stack trace. */
export function assertUserError(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, message);
  assert.match(result.stderr, /^netspace: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}
