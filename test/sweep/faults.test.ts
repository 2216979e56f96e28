// A disk that fills while a sweep writes: the sweep stops with a message and exit code 8 (no stack trace), loses no
// stored epoch, leaves no run marked failed, and the same command finishes it once there is room. A real tmpfs of a
// few MB (needs root, as CI runs; elsewhere the test says so and skips).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { netspace } from '../cli/netspace.ts';

const isRoot = process.getuid?.() === 0;

describe('sweep faults while writing', { skip: !isRoot && 'needs root (mount -t tmpfs), as CI runs' }, () => {
  let dir: string;
  let mount: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-faults-'));
    mount = join(dir, 'disk');
    mkdirSync(mount);
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]).status, 0, 'mount tmpfs');
  });
  after(() => {
    spawnSync('umount', [mount]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops cleanly when the disk fills mid-sweep, and resumes to the end once there is room', async () => {
    // RegNet32's checkpoint is about 0.75 MB: the database and its runs fit in what the filler leaves, the first
    // epoch's commit does not.
    const spec = join(dir, 'full.yaml');
    writeFileSync(spec, 'name: full\nseed: 3\nspaces: [{model: regnet32, n: 2}]\ntrain: {epochs: 2, trainSize: 256, valSize: 128, backend: wasm}\nworkers: 1\n');
    const db = join(mount, 'sweep.db');
    const filler = join(mount, 'filler');
    const { bavail, bsize } = statfsSync(mount);
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, `bs=${bsize}`, `count=${bavail - Math.ceil((400 * 1024) / bsize)}`]);

    const first = await netspace(['sweep', 'run', spec, '--db', db]);
    assert.equal(first.code, EXIT_CODES.diskFull, first.stderr);
    assert.match(first.stderr, /^netspace: the disk holding database .*sweep\.db is full\. Nothing stored was lost; free some space and run the same command again to resume\n$/m);
    assert.doesNotMatch(first.stderr, /\n\s+at /);
    const cut = openStore(db, { readonly: true });
    try {
      const runs = cut.readSweep('full').runs;
      assert.equal(runs.length, 2);
      assert.deepEqual(runs.filter((r) => r.status === 'failed' || r.status === 'done'), [], 'no run was ended by the fault');
    } finally {
      cut.close();
    }

    rmSync(filler);
    const second = await netspace(['sweep', 'run', spec, '--db', db]);
    assert.equal(second.code, 0, second.stderr);
    const store = openStore(db, { readonly: true });
    try {
      const runs = store.readSweep('full').runs;
      assert.deepEqual(runs.map((r) => [r.status, r.epochs.map((e) => e.epoch)]), [['done', [1, 2]], ['done', [1, 2]]]);
    } finally {
      store.close();
    }
  });
});
