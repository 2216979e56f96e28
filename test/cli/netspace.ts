// Runs `bin/netspace.js` as a child process, as a user would, for the CLI tests (not a test file itself).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../src/core/types.ts';
import { openStore } from '../../src/store/store.ts';

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

/** A one-block AnyNet config file in `dir` (stem 8, width 16, group width 8): the model the train tests train. */
export function tinyModel(dir: string): string {
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify({ stemWidth: 8, stages: [{ depth: 1, width: 16, groupWidth: 8 }] }));
  return file;
}

/** The run of the first sweep in database `db` (a `netspace train` run), or undefined when there is none. */
export function storedRun(db: string): RunRecord | undefined {
  const store = openStore(db, { readonly: true });
  try {
    const [sweep] = store.listSweeps();
    return sweep === undefined ? undefined : store.readSweep(sweep.name).runs[0];
  } finally {
    store.close();
  }
}
