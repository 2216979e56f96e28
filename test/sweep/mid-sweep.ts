// A slow sweep on a loop-mounted ext4 file system, caught after its first epoch, for the tests that break the disk
// under it (faults-read-only, faults-io-error); not a test file itself.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/store.ts';
import { netspace } from '../cli/netspace.ts';

/** The CLI with the fault-planting worker: NETSPACE_FAULT=delay:* pauses after every batch, so the sweep is caught mid-run. */
const WITH_FAULTS = new URL('../fixtures/netspace-with-faults.ts', import.meta.url).pathname;

/** A fresh 32 MB ext4 image in `dir` and the folder it mounts on; `mountDisk` mounts it (again) with mount -o loop. */
export function ext4Disk(dir: string): { image: string; mount: string; mountDisk: () => void } {
  const mount = join(dir, 'disk');
  mkdirSync(mount);
  const image = join(dir, 'ext4.img');
  assert.equal(spawnSync('truncate', ['-s', '32M', image]).status, 0, 'truncate');
  assert.equal(spawnSync('mkfs.ext4', ['-q', image]).status, 0, 'mkfs.ext4');
  const mountDisk = (): void => assert.equal(spawnSync('mount', ['-o', 'loop', image, mount]).status, 0, 'mount -o loop');
  mountDisk();
  return { image, mount, mountDisk };
}

/** Stored epochs, read without writing; 0 while the file is not there or not migrated yet. */
export function storedEpochs(db: string): number {
  try {
    const reader = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (reader.prepare('SELECT count(*) AS n FROM epochs').get() as { n: number }).n;
    } finally {
      reader.close();
    }
  } catch {
    return 0;
  }
}

/** A sweep running in a child process. */
export interface SlowSweep {
  /** Resolves when the process has ended. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Ends it at once (SIGKILL) and waits for that, so that its disk can be unmounted; a no-op once it has ended. */
  stop(): Promise<void>;
}

/**
 * Writes a sweep spec `name` to `dir` and runs it on `db` with the fault worker's pauses: 3 runs of 4 epochs, 8 batches
 * of 32 per epoch each followed by a 100 ms pause, about a second an epoch, so that the sweep is well inside its first
 * run after its first epoch. Resolves once that epoch is stored (2 minutes at the most) with the sweep and the count
 * of epochs stored then; `started` is told the sweep at once (for a clean-up that must stop it). The spec's path is
 * `join(dir, name + '.yaml')`.
 */
export async function slowSweepPastFirstEpoch(
  dir: string,
  name: string,
  seed: number,
  db: string,
  started: (sweep: SlowSweep) => void = () => {},
): Promise<{ sweep: SlowSweep; spec: string; seen: number }> {
  const spec = join(dir, `${name}.yaml`);
  writeFileSync(
    spec,
    `name: ${name}\nseed: ${seed}\nspaces:\n  - model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}\n    name: fixed\n    n: 3\n` +
      'train: {epochs: 4, batchSize: 32, lr: 0.1, trainSize: 256, valSize: 128, backend: wasm}\nworkers: 1\n',
  );
  const child = spawn(process.execPath, ['--import', 'tsx', WITH_FAULTS, 'sweep', 'run', spec, '--db', db], {
    env: { ...process.env, NETSPACE_FAULT: 'delay:*' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const sweep: SlowSweep = {
    ended,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGKILL');
      await ended;
    },
  };

  started(sweep);
  let seen = 0;
  const deadline = Date.now() + 120_000;
  while ((seen = storedEpochs(db)) < 1) {
    const gone = child.exitCode !== null || child.signalCode !== null;
    if (gone || Date.now() >= deadline) {
      await sweep.stop();
      assert.fail(gone ? `the sweep ended before its first epoch:\n${stderr}` : 'no epoch was stored within 2 minutes');
    }
    await sleep(100);
  }
  return { sweep, spec, seen };
}

/** Runs the slow sweep's command again on `db` and asserts that it resumes and ends every run with its 4 epochs. */
export async function assertResumesToEnd(spec: string, db: string, name: string): Promise<void> {
  const again = await netspace(['sweep', 'run', spec, '--db', db]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout + again.stderr, /resumed after epoch \d/);
  const store = openStore(db, { readonly: true });
  try {
    const runs = store.readSweep(name).runs;
    assert.deepEqual(runs.map((r) => [r.status, r.epochs.map((e) => e.epoch)]), [['done', [1, 2, 3, 4]], ['done', [1, 2, 3, 4]], ['done', [1, 2, 3, 4]]]);
  } finally {
    store.close();
  }
}
