// A database that turns read-only while a sweep writes to it: the sweep stops with the read-only message and exit
// code 7 (no stack trace), loses no stored epoch, ends no run, and the same command finishes it once the file can be
// written again. The mechanism is real: an ext4 file system on a loop device, and `chattr +i` (immutable) on the
// database and its write-ahead log mid-sweep, after which the kernel refuses every write to the open files (EPERM).
// Needs root and mkfs.ext4, as CI has; elsewhere the test says so and skips. (Not on the -shm file: SQLite maps it,
// and an immutable mapped page ends the process with SIGBUS, which no program can turn into a message.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { assertResumesToEnd, ext4Disk, slowSweepPastFirstEpoch, type SlowSweep } from './mid-sweep.ts';

const isRoot = process.getuid?.() === 0;
const hasMkfs = spawnSync('mkfs.ext4', ['-V']).status === 0;

describe('sweep faults: the database turns read-only', { skip: (!isRoot && 'needs root (mount, chattr), as CI runs') || (!hasMkfs && 'needs mkfs.ext4') }, () => {
  let dir: string;
  let mount: string | undefined;
  let sweep: SlowSweep | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-read-only-'));
    mount = ext4Disk(dir).mount;
  });
  after(async () => {
    await sweep?.stop();
    if (mount !== undefined) {
      spawnSync('chattr', ['-i', join(mount, 'sweep.db'), join(mount, 'sweep.db-wal')]);
      spawnSync('umount', [mount]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops with exit 7 when the file turns read-only mid-sweep, keeps every epoch, and resumes once it is writable', async () => {
    // About a second an epoch, 12 in all (mid-sweep.ts): the sweep is well inside its first run when the files turn read-only.
    const db = join(mount!, 'sweep.db');
    const { spec } = await slowSweepPastFirstEpoch(dir, 'ro', 5, db, (s) => (sweep = s));
    for (const file of [db, `${db}-wal`]) assert.equal(spawnSync('chattr', ['+i', file]).status, 0, `chattr +i ${file}`);

    const first = await sweep!.ended;
    const stderr = sweep!.stderr();
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
    await assertResumesToEnd(spec, db, 'ro');
  });
});
