// A database that turns read-only while a sweep writes to it: the sweep stops with the read-only message and exit
// code 7 (no stack trace), loses no stored epoch, ends no run, and the same command finishes it once the file can be
// written again. The mechanism is real: an ext4 file system on a loop device, and `chattr +i` (immutable) on the
// database and its write-ahead log mid-sweep, after which the kernel refuses every write to the open files (EPERM).
// Needs root and mkfs.ext4, as CI has; elsewhere the test says so and skips. (Not on the -shm file: SQLite maps it,
// and an immutable mapped page ends the process with SIGBUS, which no program can turn into a message.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { EXIT_CODES } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { netspace } from '../cli/netspace.ts';

const isRoot = process.getuid?.() === 0;
const hasMkfs = spawnSync('mkfs.ext4', ['-V']).status === 0;
/** The CLI with the fault-planting worker: NETSPACE_FAULT=delay:* pauses after every batch, so the sweep is caught mid-run. */
const WITH_FAULTS = new URL('../fixtures/netspace-with-faults.ts', import.meta.url).pathname;

/** Stored epochs, read without writing; 0 while the file is not there or not migrated yet. */
function storedEpochs(db: string): number {
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

describe('sweep faults: the database turns read-only', { skip: (!isRoot && 'needs root (mount, chattr), as CI runs') || (!hasMkfs && 'needs mkfs.ext4') }, () => {
  let dir: string;
  let mount: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-read-only-'));
    mount = join(dir, 'disk');
    mkdirSync(mount);
    const image = join(dir, 'ext4.img');
    assert.equal(spawnSync('truncate', ['-s', '32M', image]).status, 0, 'truncate');
    assert.equal(spawnSync('mkfs.ext4', ['-q', image]).status, 0, 'mkfs.ext4');
    assert.equal(spawnSync('mount', ['-o', 'loop', image, mount]).status, 0, 'mount -o loop');
  });
  after(() => {
    spawnSync('chattr', ['-i', join(mount, 'sweep.db'), join(mount, 'sweep.db-wal')]);
    spawnSync('umount', [mount]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with exit 7 when the file turns read-only mid-sweep, keeps every epoch, and resumes once it is writable', async () => {
    // 8 batches of 32 per epoch, each followed by the fault worker's 100 ms pause: about a second an epoch, 12 epochs
    // in all, so that the sweep is well inside its first run when the files turn read-only.
    const spec = join(dir, 'ro.yaml');
    writeFileSync(spec, 'name: ro\nseed: 5\nspaces:\n  - model: {stemWidth: 8, stages: [{depth: 1, width: 8, groupWidth: 8}]}\n    name: fixed\n    n: 3\ntrain: {epochs: 4, batchSize: 32, lr: 0.1, trainSize: 256, valSize: 128, backend: wasm}\nworkers: 1\n');
    const db = join(mount, 'sweep.db');
    const child = spawn(process.execPath, ['--import', 'tsx', WITH_FAULTS, 'sweep', 'run', spec, '--db', db], {
      env: { ...process.env, NETSPACE_FAULT: 'delay:*' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 120_000;
    while (storedEpochs(db) < 1) {
      assert.ok(Date.now() < deadline, 'no epoch was stored within 2 minutes');
      assert.equal(child.exitCode, null, `the sweep ended before its first epoch:\n${stderr}`);
      await sleep(100);
    }
    for (const file of [db, `${db}-wal`]) assert.equal(spawnSync('chattr', ['+i', file]).status, 0, `chattr +i ${file}`);

    const first = await ended;
    assert.deepEqual(first, { code: EXIT_CODES.readOnly, signal: null }, stderr);
    assert.match(stderr, /^netspace: database .*sweep\.db cannot be written: the file is read-only\. /m);
    assert.doesNotMatch(stderr, /\n\s+at |internal error|I\/O error/);
    const cut = openStore(db, { readonly: true });
    let kept: number;
    try {
      const sweep = cut.readSweep('ro');
      assert.equal(sweep.runs.length, 3);
      assert.deepEqual(sweep.runs.filter((r) => r.status === 'failed' || r.status === 'done'), [], 'no run was ended by the fault');
      kept = sweep.runs.reduce((n, r) => n + r.epochs.length, 0);
      assert.ok(kept >= 1, 'the epochs stored before the fault are kept');
    } finally {
      cut.close();
    }

    assert.equal(spawnSync('chattr', ['-i', db, `${db}-wal`]).status, 0, 'chattr -i');
    const second = await netspace(['sweep', 'run', spec, '--db', db]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout + second.stderr, /resumed after epoch \d/);
    const store = openStore(db, { readonly: true });
    try {
      const runs = store.readSweep('ro').runs;
      assert.deepEqual(runs.map((r) => [r.status, r.epochs.map((e) => e.epoch)]), [['done', [1, 2, 3, 4]], ['done', [1, 2, 3, 4]], ['done', [1, 2, 3, 4]]]);
    } finally {
      store.close();
    }
  });
});
